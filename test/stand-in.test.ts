import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { signRequest } from '../shared/huawei/signer';
import { TEST_KEYS } from './support/fixtures';

/** The stand-in must refuse what the real services refuse, or the other tests prove nothing. */
let clock = Date.UTC(2026, 10, 24, 22, 15, 0);
let standIn: HuaweiStandIn;

interface SendOptions {
  at?: Date;
  secretKey?: string;
  projectId?: string;
  sign?: boolean;
}

function send(path: string, body: string, { at = new Date(clock), secretKey = TEST_KEYS.secretKey as string, projectId = TEST_KEYS.projectId as string, sign = true }: SendOptions = {}) {
  const url = new URL(path, standIn.url);
  const base = { 'Content-Type': 'application/json', Host: url.host, 'X-Project-Id': projectId };
  const headers = sign ? signRequest({ method: 'POST', path, headers: base, body }, { accessKey: TEST_KEYS.accessKey, secretKey }, at) : base;
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const dds = (backup: Record<string, unknown>) => JSON.stringify({ backup });
const DDS = `/v3/${TEST_KEYS.projectId}/backups`;
const RDS = `/rds/v1/${TEST_KEYS.projectId}/backups`;

beforeAll(async () => {
  standIn = await startHuaweiStandIn({ ...TEST_KEYS, completeAfterMs: 60_000, now: () => clock });
});
beforeEach(() => standIn.reset());
afterAll(() => standIn.close());

describe('Huawei stand-in', () => {
  it('creates a DDS backup and answers the documented body', async () => {
    const { status, body } = await send(DDS, dds({ instance_id: 'i-1', name: 'mybackup1' }));
    expect(status).toBe(200);
    expect(body).toEqual({ backup_id: expect.stringMatching(/^[0-9a-f]{32}br02$/) });
  });

  it('builds a backup, then completes it after the configured delay', async () => {
    await send(DDS, dds({ instance_id: 'i-1', name: 'mybackup1' }));
    expect(standIn.backups()[0].status).toBe('BUILDING');
    clock += 60_000;
    expect(standIn.backups()[0].status).toBe('COMPLETED');
  });

  it.each([
    ['an unsigned request', { sign: false }, 401, 'APIGW.0301'],
    ['a wrong secret key', { secretKey: 'wrong' }, 401, 'APIGW.0301'],
    ['a date 16 minutes off', { at: new Date(clock - 16 * 60_000) }, 401, 'APIGW.0301'],
    ['another project', { projectId: 'ffffffffffffffffffffffffffffffff' }, 403, 'APIGW.0305'],
  ])('refuses %s', async (_, options, status, code) => {
    const response = await send(DDS, dds({ instance_id: 'i-1', name: 'mybackup1' }), options);
    expect(response).toMatchObject({ status, body: { error_code: code } });
    expect(standIn.backups()).toHaveLength(0);
  });

  it.each([
    ['a short name', DDS, dds({ instance_id: 'i', name: 'abc' }), 'DBS.200001'],
    ['a description with =', DDS, dds({ instance_id: 'i', name: 'abcd', description: 'a=b' }), 'DBS.200001'],
    ['the RDS spelling on DDS', DDS, dds({ instance: 'i', name: 'abcd' }), 'DBS.200001'],
    ['databases on DDS', DDS, dds({ instance_id: 'i', name: 'abcd', databases: [{ name: 'a' }] }), 'DBS.200001'],
  ])('refuses %s with the DDS error shape', async (_, path, body, code) => {
    expect(await send(path, body)).toMatchObject({ status: 400, body: { error_code: code, error_msg: expect.any(String) } });
  });

  it('refuses databases for a MySQL instance with the RDS v1 error shape', async () => {
    const response = await send(RDS, JSON.stringify({ backup: { instance: 'i', name: 'abcd', databases: [{ name: 'a' }] } }));
    expect(response).toMatchObject({ status: 400, body: { errCode: 'RDS.0005', externalMessage: expect.stringContaining('SQL Server') } });
  });

  it('accepts databases for a SQL Server instance', async () => {
    standIn.addRdsInstance('mssql-1', 'SQLServer');
    const response = await send(RDS, JSON.stringify({ backup: { instance: 'mssql-1', name: 'abcd', databases: [{ name: 'user01' }] } }));
    expect(response).toMatchObject({ status: 200, body: { backup: { status: 'BUILDING', dataStore: { type: 'SQLServer' } }, extendparam: { jobs: [expect.any(String)] } } });
  });

  it('refuses a second backup of an instance while the first is building', async () => {
    await send(RDS, JSON.stringify({ backup: { instance: 'i-2', name: 'first' } }));
    expect(await send(RDS, JSON.stringify({ backup: { instance: 'i-2', name: 'second' } }))).toMatchObject({ status: 403, body: { errCode: 'RDS.3004' } });
    await send(DDS, dds({ instance_id: 'i-3', name: 'first' }));
    expect(await send(DDS, dds({ instance_id: 'i-3', name: 'second' }))).toMatchObject({ status: 409, body: { error_code: 'DBS.200019' } });
  });
});
