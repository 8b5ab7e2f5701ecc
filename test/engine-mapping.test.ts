import { describe, expect, it } from 'vitest';
import type { BackupCommand } from '../shared/domain/backup-request';
import { toBackupResult, toUpstreamCall, type RdsApiVersion } from '../shared/domain/engine-mapping';
import { InvalidRequestError, type FieldProblem } from '../shared/errors';

const PROJECT = '0123456789abcdef0123456789abcdef';

function problemsOf(action: () => unknown): FieldProblem[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as InvalidRequestError).errors;
  }
  throw new Error('expected the command to be refused');
}

describe('toUpstreamCall', () => {
  const RDS_V1 = `/rds/v1/${PROJECT}/backups`;
  const RDS_V3 = `/v3/${PROJECT}/backups`;

  it.each<[string, BackupCommand, RdsApiVersion, unknown]>([
    [
      'DDS spells the instance instance_id, whatever the RDS version',
      { engine: 'dds', instanceId: 'i-1', name: 'bk-01', description: 'd' },
      'v3',
      {
        service: 'dds',
        path: `/v3/${PROJECT}/backups`,
        body: { backup: { instance_id: 'i-1', name: 'bk-01', description: 'd' } },
      },
    ],
    [
      'MySQL spells it instance, on RDS v1',
      { engine: 'mysql', instanceId: 'i-2', name: 'bk-02' },
      'v1',
      { service: 'rds', apiVersion: 'v1', path: RDS_V1, body: { backup: { instance: 'i-2', name: 'bk-02' } } },
    ],
    [
      'PostgreSQL goes to RDS too',
      { engine: 'postgresql', instanceId: 'i-3', name: 'bk-03', description: '' },
      'v1',
      {
        service: 'rds',
        apiVersion: 'v1',
        path: RDS_V1,
        body: { backup: { instance: 'i-3', name: 'bk-03', description: '' } },
      },
    ],
    [
      'SQL Server lists databases as {name} objects',
      { engine: 'sqlserver', instanceId: 'i-4', name: 'test', databases: ['user01', 'user02'] },
      'v1',
      {
        service: 'rds',
        apiVersion: 'v1',
        path: RDS_V1,
        body: { backup: { instance: 'i-4', name: 'test', databases: [{ name: 'user01' }, { name: 'user02' }] } },
      },
    ],
    [
      'RDS v3 takes a flat body that spells the instance instance_id',
      { engine: 'mysql', instanceId: 'i-5', name: 'bk-05', description: 'd' },
      'v3',
      { service: 'rds', apiVersion: 'v3', path: RDS_V3, body: { instance_id: 'i-5', name: 'bk-05', description: 'd' } },
    ],
    [
      'RDS v3 backs up listed PostgreSQL databases, one by one when asked',
      {
        engine: 'postgresql',
        instanceId: 'i-6',
        name: 'bk-06',
        databases: ['sales'],
        backupDatabasesIndividually: true,
      },
      'v3',
      {
        service: 'rds',
        apiVersion: 'v3',
        path: RDS_V3,
        body: { instance_id: 'i-6', name: 'bk-06', databases: [{ name: 'sales' }], backup_database_individually: true },
      },
    ],
    [
      'RDS v3 leaves backup_database_individually out when it is not asked for',
      { engine: 'sqlserver', instanceId: 'i-7', name: 'bk-07', databases: ['user01'] },
      'v3',
      {
        service: 'rds',
        apiVersion: 'v3',
        path: RDS_V3,
        body: { instance_id: 'i-7', name: 'bk-07', databases: [{ name: 'user01' }] },
      },
    ],
  ])('%s', (_, command, rdsApiVersion, expected) => {
    expect(toUpstreamCall(command, PROJECT, rdsApiVersion)).toEqual(expected);
  });

  it.each<[string, BackupCommand, FieldProblem[]]>([
    [
      'partial PostgreSQL backups',
      { engine: 'postgresql', instanceId: 'i', name: 'abcd', databases: ['sales'] },
      [
        {
          field: 'databases',
          message: expect.stringContaining('with engine postgresql needs RDS API v3 (HUAWEICLOUD_RDS_API_VERSION=v3)'),
        },
      ],
    ],
    [
      'one backup per database',
      { engine: 'sqlserver', instanceId: 'i', name: 'abcd', databases: ['a'], backupDatabasesIndividually: true },
      [
        {
          field: 'backupDatabasesIndividually',
          message: expect.stringContaining('needs RDS API v3 (HUAWEICLOUD_RDS_API_VERSION=v3)'),
        },
      ],
    ],
    [
      'both at once',
      { engine: 'postgresql', instanceId: 'i', name: 'abcd', databases: ['a'], backupDatabasesIndividually: true },
      [
        { field: 'databases', message: expect.any(String) },
        { field: 'backupDatabasesIndividually', message: expect.any(String) },
      ],
    ],
  ])('refuses on RDS v1 what only v3 can do: %s', (_, command, problems) => {
    expect(problemsOf(() => toUpstreamCall(command, PROJECT, 'v1'))).toEqual(problems);
  });
});

describe('toBackupResult', () => {
  const dds: BackupCommand = { engine: 'dds', instanceId: 'i-1', name: 'bk-01' };
  const mysql: BackupCommand = { engine: 'mysql', instanceId: '0bc7', name: 'test01', description: '123' };
  const DDS = { service: 'dds' } as const;
  const RDS_V1 = { service: 'rds', apiVersion: 'v1' } as const;
  const RDS_V3 = { service: 'rds', apiVersion: 'v3' } as const;

  it('reads the DDS answer', () => {
    expect(toBackupResult(dds, DDS, { backup_id: 'bf9ee62a7f7044c583c6765c916c36edbr02' }, 'req-1')).toEqual({
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
    expect(toBackupResult(dds, DDS, { backup_id: 'b', job_id: 'j-1' }, null)).toMatchObject({
      jobIds: ['j-1'],
      upstreamRequestId: null,
    });
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
    expect(toBackupResult(mysql, RDS_V1, answer, 'req-2')).toEqual({
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
    expect(toBackupResult(dds, DDS, answer, null)).toBeUndefined();
  });

  it('reads the RDS v3 answer, which has no job ids', () => {
    const answer = {
      backup: {
        id: '43e4feaab48f11e89039fa163ebaa7e4br01',
        instance_id: '0bc7',
        name: 'test01',
        description: '123',
        databases: [],
        begin_time: '2026-11-24T22:15:00+0000',
        status: 'BUILDING',
        type: 'manual',
      },
    };
    expect(toBackupResult(mysql, RDS_V3, answer, 'req-3')).toEqual({
      backupId: '43e4feaab48f11e89039fa163ebaa7e4br01',
      engine: 'mysql',
      service: 'rds',
      instanceId: '0bc7',
      name: 'test01',
      description: '123',
      status: 'BUILDING',
      jobIds: [],
      upstreamRequestId: 'req-3',
    });
  });

  it.each([RDS_V1, RDS_V3])('gives nothing for an RDS %o answer without backup.id', (api) => {
    expect(toBackupResult(mysql, api, { backup: { status: 'BUILDING' } }, null)).toBeUndefined();
  });
});
