import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient';
import { startHuaweiStandIn, type HuaweiStandIn, type RdsEngineName } from '../local/huawei-stand-in';
import { officialSignature } from '../local/official-signature';
import { sdkDate, signRequest } from '../shared/huawei/signer';
import { captureOutput, TEST_KEYS } from './support/fixtures';

/** The stand-in must refuse what the real services refuse, or the other tests prove nothing. */
let clock = Date.UTC(2026, 10, 24, 22, 15, 0);
let standIn: HuaweiStandIn;

interface SendOptions {
  /** The endpoint; the DDS one (which also serves RDS v1) unless said otherwise. */
  endpoint?: string;
  at?: Date;
  secretKey?: string;
  projectId?: string;
  sign?: boolean;
}

function send(path: string, body: string, options: SendOptions = {}) {
  const { endpoint = standIn.ddsUrl, at = new Date(clock), sign = true } = options;
  const { secretKey = TEST_KEYS.secretKey as string, projectId = TEST_KEYS.projectId as string } = options;
  const url = new URL(path, endpoint);
  const base = { 'Content-Type': 'application/json', Host: url.host, 'X-Project-Id': projectId };
  const headers = sign
    ? signRequest({ method: 'POST', path, headers: base, body }, { accessKey: TEST_KEYS.accessKey, secretKey }, at)
    : base;
  return post(path, headers, body, endpoint);
}

/** POSTs exactly this request target (path and query), headers and body to the stand-in. */
function post(target: string, headers: Record<string, string>, body: string, endpoint = standIn.ddsUrl) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${endpoint}${target}`, { method: 'POST', headers }, (res) => {
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
/** RDS v3 has DDS's path: only the endpoint tells them apart. */
const RDS_V3 = DDS;
const sendToRds = (path: string, body: string, options: SendOptions = {}) =>
  send(path, body, { endpoint: standIn.rdsUrl, ...options });

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
    expect(await send(path, body)).toMatchObject({
      status: 400,
      body: { error_code: code, error_msg: expect.any(String) },
    });
  });

  it('refuses databases for a MySQL instance with the RDS v1 error shape', async () => {
    const response = await send(
      RDS,
      JSON.stringify({ backup: { instance: 'i', name: 'abcd', databases: [{ name: 'a' }] } }),
    );
    expect(response).toMatchObject({
      status: 400,
      body: { errCode: 'RDS.0005', externalMessage: expect.stringContaining('SQL Server') },
    });
  });

  it('accepts databases for a SQL Server instance', async () => {
    standIn.addRdsInstance('mssql-1', 'SQLServer');
    const response = await send(
      RDS,
      JSON.stringify({ backup: { instance: 'mssql-1', name: 'abcd', databases: [{ name: 'user01' }] } }),
    );
    expect(response).toMatchObject({
      status: 200,
      body: {
        backup: { status: 'BUILDING', dataStore: { type: 'SQLServer' } },
        extendparam: { jobs: [expect.any(String)] },
      },
    });
  });

  it('refuses a second backup of an instance while the first is building', async () => {
    await send(RDS, JSON.stringify({ backup: { instance: 'i-2', name: 'first' } }));
    expect(await send(RDS, JSON.stringify({ backup: { instance: 'i-2', name: 'second' } }))).toMatchObject({
      status: 403,
      body: { errCode: 'RDS.3004' },
    });
    await send(DDS, dds({ instance_id: 'i-3', name: 'first' }));
    expect(await send(DDS, dds({ instance_id: 'i-3', name: 'second' }))).toMatchObject({
      status: 409,
      body: { error_code: 'DBS.200019' },
    });
  });

  describe('RDS v3, on the RDS endpoint', () => {
    /** A v3 body: flat, `instance_id` rds-1 and a valid name unless the fields say otherwise. */
    const v3 = (fields: Record<string, unknown> = {}) =>
      JSON.stringify({ instance_id: 'rds-1', name: 'partial', ...fields });
    const invalid = (problem: string) => ({
      status: 400,
      body: { error_code: 'DBS.200001', error_msg: `Invalid parameter: ${problem}.` },
    });
    const oneEach = { databases: [{ name: 'a' }], backup_database_individually: true };

    it('creates a backup from the flat body and answers the documented body, without job ids', async () => {
      const { status, body } = await sendToRds(RDS_V3, v3({ instance_id: 'i-1', name: 'mybackup1', description: 'd' }));
      expect(status).toBe(200);
      expect(body).toEqual({
        backup: {
          id: expect.stringMatching(/^[0-9a-f]{32}br01$/),
          instance_id: 'i-1',
          name: 'mybackup1',
          description: 'd',
          databases: [],
          begin_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/),
          status: 'BUILDING',
          type: 'manual',
        },
      });
      expect(standIn.requests[0]).toMatchObject({ service: 'rds', rdsApiVersion: 'v3', answeredWith: 200 });
      expect(standIn.backups()).toMatchObject([{ service: 'rds', instanceId: 'i-1', name: 'mybackup1' }]);
    });

    it('serves RDS v1 too', async () => {
      const response = await sendToRds(RDS, JSON.stringify({ backup: { instance: 'i-1', name: 'mybackup1' } }));
      expect(response).toMatchObject({ status: 200, body: { extendparam: { jobs: [expect.any(String)] } } });
      expect(standIn.requests[0]).toMatchObject({ service: 'rds', rdsApiVersion: 'v1' });
    });

    it('leaves the same path on the DDS endpoint to DDS, which wants its backup wrapper', async () => {
      expect(await send(RDS_V3, v3())).toEqual(invalid('backup is required'));
      expect(standIn.requests[0].service).toBe('dds');
    });

    it.each<[string, RdsEngineName, Record<string, unknown>]>([
      ['SQL Server databases', 'SQLServer', { databases: [{ name: 'user01' }, { name: 'user02' }] }],
      ['PostgreSQL databases', 'PostgreSQL', { databases: [{ name: 'sales' }] }],
      ['PostgreSQL databases, one backup each', 'PostgreSQL', oneEach],
      ['SQL Server databases, one backup each', 'SQLServer', oneEach],
      ['backup_database_individually false without databases', 'MySQL', { backup_database_individually: false }],
    ])('accepts %s', async (_, engine, fields) => {
      standIn.addRdsInstance('rds-1', engine);
      const response = await sendToRds(RDS_V3, v3(fields));
      const databases = (fields.databases ?? []) as Array<{ name: string }>;
      expect(response).toMatchObject({ status: 200, body: { backup: { instance_id: 'rds-1', databases } } });
      const [stored] = standIn.backups();
      expect(stored.databases ?? []).toEqual(databases.map(({ name }) => name));
      expect(stored.backupDatabaseIndividually).toBe(fields.backup_database_individually || undefined);
    });

    it.each<[string, RdsEngineName, Record<string, unknown>, string]>([
      [
        'databases for MySQL',
        'MySQL',
        { databases: [{ name: 'a' }] },
        'databases is supported only by Microsoft SQL Server and PostgreSQL instances',
      ],
      [
        'backup_database_individually without databases',
        'SQLServer',
        { backup_database_individually: true },
        'backup_database_individually requires databases',
      ],
      [
        'a backup_database_individually that is not a boolean',
        'SQLServer',
        { databases: [{ name: 'a' }], backup_database_individually: 'true' },
        'backup_database_individually is invalid',
      ],
      ['an empty database list', 'PostgreSQL', { databases: [] }, 'databases is invalid'],
      ['the v1 spelling of the instance', 'MySQL', { instance: 'rds-1' }, 'unknown parameter instance'],
      ['a short name', 'MySQL', { name: 'abc' }, 'name is invalid'],
    ])('refuses %s with the v3 error shape', async (_, engine, fields, problem) => {
      standIn.addRdsInstance('rds-1', engine);
      expect(await sendToRds(RDS_V3, v3(fields))).toEqual(invalid(problem));
      expect(standIn.backups()).toHaveLength(0);
    });

    it('refuses the v1 body, wrapped in backup', async () => {
      const wrapped = JSON.stringify({ backup: { instance_id: 'rds-1', name: 'partial' } });
      expect(await sendToRds(RDS_V3, wrapped)).toEqual(invalid('unknown parameter backup'));
    });

    it('refuses a name the instance already has a backup by, as v3 requires names to be unique', async () => {
      await sendToRds(RDS_V3, v3({ name: 'nightly' }));
      clock += 60_000;
      const again = await sendToRds(RDS_V3, v3({ name: 'nightly' }));
      expect(again).toEqual(invalid('the instance already has a backup named nightly'));
      expect(await sendToRds(RDS_V3, v3({ instance_id: 'rds-2', name: 'nightly' }))).toMatchObject({ status: 200 });
    });

    it('refuses a second backup of an instance while the first is building, with 409 DBS.200019', async () => {
      await sendToRds(RDS_V3, v3({ name: 'first' }));
      expect(await sendToRds(RDS_V3, v3({ name: 'second' }))).toEqual({
        status: 409,
        body: { error_code: 'DBS.200019', error_msg: expect.any(String) },
      });
    });

    it('checks the signature and the project on the RDS endpoint too', async () => {
      const wrongKey = await sendToRds(RDS_V3, v3(), { secretKey: 'wrong' });
      expect(wrongKey).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
      const otherProject = await sendToRds(RDS_V3, v3(), { projectId: 'ffffffffffffffffffffffffffffffff' });
      expect(otherProject).toMatchObject({ status: 403, body: { error_code: 'APIGW.0305' } });
      expect(standIn.backups()).toHaveLength(0);
    });
  });
});

describe("Huawei stand-in, with Huawei's official SDK core as the client", () => {
  let live: HuaweiStandIn;
  beforeAll(async () => {
    live = await startHuaweiStandIn({ ...TEST_KEYS, defaultRdsEngine: 'PostgreSQL' });
  });
  afterAll(() => live.close());

  /** Sends as Huawei's SDKs do: the path template, with the project filled in and the request signed by the SDK. */
  async function sdkCreate(endpoint: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const [{ ClientBuilder }, { BasicCredentials }] = await Promise.all([
      import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder'),
      import('@huaweicloud/huaweicloud-sdk-core'),
    ]);
    const { accessKey, secretKey, projectId } = TEST_KEYS;
    const credentials = new BasicCredentials().withAk(accessKey).withSk(secretKey).withProjectId(projectId);
    const client = new ClientBuilder<HcClient>((hc) => hc).withCredential(credentials).withEndpoint(endpoint).build();
    const request = { method: 'POST', url: '/v3/{project_id}/backups', contentType: 'application/json;charset=UTF-8' };
    return client.sendRequest({ ...request, queryParams: {}, pathParams: {}, headers: {}, data });
  }

  it('creates an RDS v3 backup on the RDS endpoint', async () => {
    const data = {
      instance_id: 'pg-1',
      name: 'sdk-backup',
      databases: [{ name: 'sales' }],
      backup_database_individually: true,
    };
    const answer = await sdkCreate(live.rdsUrl, data);
    expect(answer).toMatchObject({ httpStatusCode: 200, backup: { instance_id: 'pg-1', type: 'manual' } });
    expect(live.requests[0]).toMatchObject({ rdsApiVersion: 'v3', answeredWith: 200 });
    expect(JSON.parse(live.requests[0].body)).toEqual(data);
  });

  it('is refused by the DDS endpoint, as before the RDS endpoint served v3', async () => {
    // The SDK prints every failed request, headers and all: kept out of the test's output.
    const output = captureOutput();
    const refusal = await sdkCreate(live.ddsUrl, { instance_id: 'pg-1', name: 'sdk-backup' })
      .catch((error: unknown) => error)
      .finally(output.restore);
    expect(refusal).toMatchObject({ httpStatusCode: 400, errorCode: 'DBS.200001' });
    expect(refusal).toHaveProperty('errorMsg', 'Invalid parameter: backup is required.');
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
