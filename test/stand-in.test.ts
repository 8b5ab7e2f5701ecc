import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { officialSignature } from '../local/official-signature';
import { sdkDate, signRequest } from '../shared/huawei/signer';
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
  return post(path, headers, body);
}

/** POSTs exactly this request target (path and query), headers and body to the stand-in. */
function post(target: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${standIn.url}${target}`, { method: 'POST', headers }, (res) => {
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
    expect(body).toEqual({
      backup_id: expect.stringMatching(/^[0-9a-f]{32}br02$/),
      job_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(standIn.backups()).toEqual([expect.objectContaining({ id: body.backup_id, jobId: body.job_id })]);
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

  it('takes the next backup of an instance once its newest is complete, and lists all oldest first', async () => {
    await send(DDS, dds({ instance_id: 'i-4', name: 'first' }));
    await send(DDS, dds({ instance_id: 'i-5', name: 'other' }));
    clock += 60_000;
    expect(await send(DDS, dds({ instance_id: 'i-4', name: 'second' }))).toMatchObject({ status: 200 });
    expect(await send(DDS, dds({ instance_id: 'i-4', name: 'third' }))).toMatchObject({ status: 409 });
    expect(standIn.backups().map((backup) => [backup.name, backup.status])).toEqual([
      ['first', 'COMPLETED'],
      ['other', 'COMPLETED'],
      ['second', 'BUILDING'],
    ]);
  });

  it('holds a request with a "hold" fault until the test lets it go', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    standIn.script({ kind: 'hold', until: () => (arrived(), released) });

    const answer = send(DDS, dds({ instance_id: 'i-6', name: 'held' }));
    await arrival;
    expect(standIn.requests[0].answeredWith).toBeUndefined();
    release();
    expect(await answer).toMatchObject({ status: 200 });
  });

  it('rejects, instead of crashing, when its port is in use', async () => {
    const port = Number(new URL(standIn.url).port);
    await expect(startHuaweiStandIn({ ...TEST_KEYS, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

/**
 * A signer written by hand from the reference, which can be told to get one step wrong: the judge must accept
 * it when it gets everything right and refuse it otherwise.
 */
function handSignedHeaders(target: string, body: string, { appendSlash = true, signQuery = true } = {}) {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  const [path, query = ''] = target.split('?');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: new URL(standIn.url).host,
    'x-project-id': TEST_KEYS.projectId,
    'x-sdk-date': sdkDate(new Date(clock)),
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    'POST',
    appendSlash ? `${path}/` : path,
    signQuery ? query.split('&').filter(Boolean).sort().join('&') : '',
    names.map((name) => `${name}:${headers[name]}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const stringToSign = `SDK-HMAC-SHA256\n${headers['x-sdk-date']}\n${sha256(canonicalRequest)}`;
  const signature = createHmac('sha256', TEST_KEYS.secretKey).update(stringToSign, 'utf8').digest('hex');
  const authorization = `SDK-HMAC-SHA256 Access=${TEST_KEYS.accessKey}, SignedHeaders=${names.join(';')}`;
  return { ...headers, authorization: `${authorization}, Signature=${signature}` };
}

describe("the stand-in's judge of signatures", () => {
  it("is Huawei's SDK signer: it gives the reference's known answer", () => {
    const request = {
      method: 'POST',
      path: '/v3/0123456789abcdef0123456789abcdef/backups',
      query: '',
      signedHeaders: {
        'content-type': 'application/json;charset=UTF-8',
        host: 'dds.cn-north-4.myhuaweicloud.com',
        'x-project-id': '0123456789abcdef0123456789abcdef',
        'x-sdk-date': '20240101T000000Z',
      },
      body: '{"backup":{"instance_id":"abc123in02","name":"bk-01","description":"d"}}',
    };
    expect(officialSignature(request, { accessKey: 'AccessKey', secretKey: 'SecretKey' })).toBe(
      'dc11d4624e04a5a086db020542fa2c09583d14f6cfde63597206931335530605',
    );
  });

  it.each([
    ['signed by the reference', 200, DDS, {}],
    ['with a query, signed with it', 200, `${DDS}?trace=on&limit=1`, {}],
    ['with a query its signer left out', 401, `${DDS}?trace=on`, { signQuery: false }],
    ['whose signer did not end the path with a slash', 401, DDS, { appendSlash: false }],
  ])('answers a request %s with %i', async (_, status, target, mistakes) => {
    const body = dds({ instance_id: 'i-7', name: 'judged' });
    const response = await post(target, handSignedHeaders(target, body, mistakes), body);
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(standIn.backups()).toHaveLength(status === 200 ? 1 : 0);
  });

  it('takes a percent-encoded path segment as the Go and Python SDKs (and the gateway) sign it', async () => {
    // The Node SDK alone would encode the % again; the signature passes, and the project is then refused.
    const path = `/v3/${encodeURIComponent('a b:é')}/backups`;
    const response = await send(path, dds({ instance_id: 'i-8', name: 'encoded' }));
    expect(response).toMatchObject({ status: 403, body: { error_code: 'APIGW.0305' } });
    expect(standIn.requests[0].refusal).toBe('project mismatch');
  });
});
