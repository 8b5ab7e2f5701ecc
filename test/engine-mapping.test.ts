import { describe, expect, it } from 'vitest';
import type { BackupCommand } from '../shared/domain/backup-request';
import { toBackupResult, toUpstreamCall } from '../shared/domain/engine-mapping';

const PROJECT = '0123456789abcdef0123456789abcdef';

describe('toUpstreamCall', () => {
  it.each<[string, BackupCommand, unknown]>([
    [
      'DDS spells the instance instance_id',
      { engine: 'dds', instanceId: 'i-1', name: 'bk-01', description: 'd' },
      { service: 'dds', path: `/v3/${PROJECT}/backups`, body: { backup: { instance_id: 'i-1', name: 'bk-01', description: 'd' } } },
    ],
    [
      'MySQL spells it instance, on RDS v1',
      { engine: 'mysql', instanceId: 'i-2', name: 'bk-02' },
      { service: 'rds', path: `/rds/v1/${PROJECT}/backups`, body: { backup: { instance: 'i-2', name: 'bk-02' } } },
    ],
    [
      'PostgreSQL goes to RDS too',
      { engine: 'postgresql', instanceId: 'i-3', name: 'bk-03', description: '' },
      { service: 'rds', path: `/rds/v1/${PROJECT}/backups`, body: { backup: { instance: 'i-3', name: 'bk-03', description: '' } } },
    ],
    [
      'SQL Server lists databases as {name} objects',
      { engine: 'sqlserver', instanceId: 'i-4', name: 'test', databases: ['user01', 'user02'] },
      { service: 'rds', path: `/rds/v1/${PROJECT}/backups`, body: { backup: { instance: 'i-4', name: 'test', databases: [{ name: 'user01' }, { name: 'user02' }] } } },
    ],
  ])('%s', (_, command, expected) => {
    expect(toUpstreamCall(command, PROJECT)).toEqual(expected);
  });
});

describe('toBackupResult', () => {
  const dds: BackupCommand = { engine: 'dds', instanceId: 'i-1', name: 'bk-01' };
  const mysql: BackupCommand = { engine: 'mysql', instanceId: '0bc7', name: 'test01', description: '123' };

  it('reads the DDS answer', () => {
    expect(toBackupResult(dds, 'dds', { backup_id: 'bf9ee62a7f7044c583c6765c916c36edbr02' }, 'req-1')).toEqual({
      backupId: 'bf9ee62a7f7044c583c6765c916c36edbr02',
      engine: 'dds',
      service: 'dds',
      instanceId: 'i-1',
      name: 'bk-01',
      status: 'BUILDING',
      jobIds: [],
      upstreamRequestId: 'req-1',
    });
  });

  it('takes a DDS job_id when present', () => {
    expect(toBackupResult(dds, 'dds', { backup_id: 'b', job_id: 'j-1' }, null)).toMatchObject({ jobIds: ['j-1'], upstreamRequestId: null });
  });

  it('reads the documented RDS answer', () => {
    const answer = {
      backup: {
        created: '2016-09-12T01:17:05',
        dataStore: { type: 'MySQL', version: '5.6.30', version_id: 'e8a8b8cc-63f8-4fb5-8d4a-24c502317a61' },
        description: '123',
        id: '2f4ddb93-b901-4b08-93d8-1d2e472f30fe',
        instance_id: '0bc7300c-dc63-45d4-aa3b-d85bf577baac',
        locationRef: null,
        name: 'test01',
        parent_id: null,
        size: null,
        status: 'BUILDING',
        updated: null,
        backuptype: '1',
      },
      extendparam: { jobs: ['ff80808157127d9301571bf8160c001d'] },
    };
    expect(toBackupResult(mysql, 'rds', answer, 'req-2')).toEqual({
      backupId: '2f4ddb93-b901-4b08-93d8-1d2e472f30fe',
      engine: 'mysql',
      service: 'rds',
      instanceId: '0bc7',
      name: 'test01',
      description: '123',
      status: 'BUILDING',
      jobIds: ['ff80808157127d9301571bf8160c001d'],
      upstreamRequestId: 'req-2',
    });
  });

  it.each([
    ['not an object', 'ok'],
    ['DDS without backup_id', {}],
    ['an empty backup id', { backup_id: '' }],
  ])('gives nothing for a DDS answer that is %s', (_, answer) => {
    expect(toBackupResult(dds, 'dds', answer, null)).toBeUndefined();
  });

  it('gives nothing for an RDS answer without backup.id', () => {
    expect(toBackupResult(mysql, 'rds', { backup: { status: 'BUILDING' } }, null)).toBeUndefined();
  });
});
