import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { httpStatusOf } from '../shared/http/problem';
import {
  BackupInProgressError,
  NoTimeLeftError,
  UpstreamFailedError,
  UpstreamMisconfiguredError,
  UpstreamRejectedError,
  UpstreamThrottledError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../shared/errors';
import { createHuaweiClient, retryAfterMs, type HuaweiClientOptions } from '../shared/huawei/client';
import { TEST_KEYS } from './support/fixtures';

const DDS_PATH = `/v3/${TEST_KEYS.projectId}/backups`;
const RDS_PATH = `/rds/v1/${TEST_KEYS.projectId}/backups`;
const ddsBody = { backup: { instance_id: 'i-1', name: 'bk-01' } };

let standIn: HuaweiStandIn;
let waits: number[];

function client(overrides: Partial<HuaweiClientOptions> = {}) {
  return createHuaweiClient({
    endpoints: { dds: standIn.url, rds: standIn.url },
    projectId: TEST_KEYS.projectId,
    credentials: async () => ({ accessKey: TEST_KEYS.accessKey, secretKey: TEST_KEYS.secretKey }),
    backoffMs: { min: 20, max: 50 },
    sleep: async (ms) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    ...overrides,
  });
}
const soon = (ms = 10_000) => Date.now() + ms;
const rejectionOf = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected a failure'),
    (error: unknown) => error,
  );
const throttle = (headers: Record<string, string> = {}) =>
  ({
    kind: 'answer',
    status: 429,
    headers,
    body: JSON.stringify({
      error_code: 'APIGW.0308',
      error_msg: 'The throttling threshold has been reached',
      request_id: 'r',
    }),
  }) as const;

beforeAll(async () => {
  standIn = await startHuaweiStandIn({ ...TEST_KEYS, refuseConcurrentBackups: false });
});
afterEach(() => {
  standIn.reset();
  waits = [];
});
afterAll(() => standIn.close());
waits = [];

describe('Huawei client: success', () => {
  it('sends a signed request the stand-in accepts and returns the answer with its request id', async () => {
    const answer = await client().post('dds', DDS_PATH, ddsBody, soon());
    expect(answer).toMatchObject({
      status: 200,
      requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      body: { backup_id: expect.any(String) },
    });
    const [sent] = standIn.requests;
    expect(sent.refusal).toBeUndefined();
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['x-project-id']).toBe(TEST_KEYS.projectId);
    expect(sent.headers.authorization).toMatch(/SignedHeaders=content-type;host;x-project-id;x-sdk-date,/);
  });

  it('signs and sends the security token of temporary credentials', async () => {
    const strict = await startHuaweiStandIn({ ...TEST_KEYS, securityToken: 'temporary-token' });
    try {
      const withToken = createHuaweiClient({
        endpoints: { dds: strict.url, rds: strict.url },
        projectId: TEST_KEYS.projectId,
        credentials: async () => ({
          accessKey: TEST_KEYS.accessKey,
          secretKey: TEST_KEYS.secretKey,
          securityToken: 'temporary-token',
        }),
      });
      await expect(
        withToken.post('rds', RDS_PATH, { backup: { instance: 'i', name: 'abcd' } }, soon()),
      ).resolves.toMatchObject({ status: 200 });
      expect(strict.requests[0].headers['x-security-token']).toBe('temporary-token');
    } finally {
      await strict.close();
    }
  });
});

describe('Huawei client: retries only where the upstream surely did not act', () => {
  it('retries a 429 after the Retry-After the upstream gave', async () => {
    standIn.script(throttle({ 'Retry-After': '0' }), throttle({ 'Retry-After': '0' }));
    await expect(client().post('dds', DDS_PATH, ddsBody, soon())).resolves.toMatchObject({ status: 200 });
    expect(standIn.requests).toHaveLength(3);
    expect(waits).toEqual([0, 0]);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('waits a jittered back-off within the configured range when there is no Retry-After', async () => {
    standIn.script(throttle(), throttle());
    await client().post('dds', DDS_PATH, ddsBody, soon());
    expect(waits).toHaveLength(2);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(20);
      expect(wait).toBeLessThanOrEqual(50);
    }
  });

  it('uses the vendor-advised 2-5 s back-off by default', async () => {
    standIn.script(throttle());
    const error = await rejectionOf(
      createHuaweiClient({
        endpoints: { dds: standIn.url, rds: standIn.url },
        projectId: TEST_KEYS.projectId,
        credentials: async () => ({ accessKey: TEST_KEYS.accessKey, secretKey: TEST_KEYS.secretKey }),
        sleep: async (ms) => {
          waits.push(ms);
          throw new Error('stop here');
        },
      }).post('dds', DDS_PATH, ddsBody, soon()),
    );
    expect((error as Error).message).toBe('stop here');
    expect(waits[0]).toBeGreaterThanOrEqual(2_000);
    expect(waits[0]).toBeLessThanOrEqual(5_000);
  });

  it('gives up after the last attempt with a 429 that carries when to retry', async () => {
    standIn.script(
      throttle({ 'Retry-After': '0' }),
      throttle({ 'Retry-After': '0' }),
      throttle({ 'Retry-After': '7' }),
    );
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon()));
    expect(error).toBeInstanceOf(UpstreamThrottledError);
    expect(error).toMatchObject({
      code: 'throttled',
      retryAfterSeconds: 7,
      backupMayExist: false,
      upstream: { status: 429, code: 'APIGW.0308' },
    });
    expect(standIn.requests).toHaveLength(3);
    expect(standIn.backups()).toHaveLength(0);
  });

  it('does not retry when the advised wait does not fit before the deadline', async () => {
    standIn.script(throttle({ 'Retry-After': '10' }));
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon(3_000)));
    expect(error).toMatchObject({ code: 'throttled', retryAfterSeconds: 10 });
    expect(standIn.requests).toHaveLength(1);
  });

  it('retries a 503 and then succeeds', async () => {
    standIn.script({ kind: 'answer', status: 503, body: '' });
    await expect(
      client().post('rds', RDS_PATH, { backup: { instance: 'i', name: 'abcd' } }, soon()),
    ).resolves.toMatchObject({ status: 200 });
    expect(standIn.requests).toHaveLength(2);
  });

  it('reports a 503 that lasts as unavailable, not created, safe to retry', async () => {
    standIn.script(...Array.from({ length: 3 }, () => ({ kind: 'answer', status: 503, body: '' }) as const));
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon()));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ code: 'upstream_unavailable', backupMayExist: false });
  });

  it('retries a refused connection, then reports it as unavailable', async () => {
    const closed = await startHuaweiStandIn({ ...TEST_KEYS });
    const url = closed.url;
    await closed.close();
    const error = await rejectionOf(
      client({ endpoints: { dds: url, rds: url } }).post('dds', DDS_PATH, ddsBody, soon()),
    );
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toContain('connection refused');
    expect(waits).toHaveLength(2);
  });

  it.each([500, 502, 504])('never retries a %i: the backup may exist', async (status) => {
    standIn.script({
      kind: 'answer',
      status,
      body: JSON.stringify({ error_code: 'DBS.200003', error_msg: 'Internal error' }),
    });
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon()));
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(error).toMatchObject({
      code: 'upstream_error',
      backupMayExist: true,
      upstream: { status, code: 'DBS.200003', message: 'Internal error' },
    });
    expect((error as Error).message).toContain('may have been created');
    expect(standIn.requests).toHaveLength(1);
  });

  it('never retries a timeout, and gives up before the deadline', async () => {
    standIn.script({ kind: 'delay', ms: 3_000 });
    const deadline = soon(800);
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, deadline));
    expect(Date.now()).toBeLessThan(deadline);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: 'upstream_timeout', backupMayExist: true });
    expect(standIn.requests).toHaveLength(1);
  });

  it('does not start a call that cannot finish before the deadline, and says the backup was not requested', async () => {
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon(300)));
    expect(error).toBeInstanceOf(NoTimeLeftError);
    expect(error).toMatchObject({ code: 'no_time_left', backupMayExist: false });
    expect(standIn.requests).toHaveLength(0);
  });

  it.each([
    ['dropped before the request was read', { kind: 'drop-before-read' } as const, 0],
    ['dropped after the backup was created', { kind: 'drop-after-read' } as const, 1],
    ['cut short', { kind: 'truncate' } as const, 1],
  ])('reports a connection %s as "may have been created", without a retry', async (_, fault, created) => {
    standIn.script(fault);
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon()));
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(error).toMatchObject({ backupMayExist: true });
    expect(standIn.requests).toHaveLength(1);
    expect(standIn.backups()).toHaveLength(created);
  });

  it('reports a 2xx that is not JSON as "may have been created"', async () => {
    standIn.script({ kind: 'answer', status: 200, body: '<html>gateway</html>' });
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon()));
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect((error as Error).message).toContain('not JSON');
  });
});

describe('Huawei client: error shapes and meanings', () => {
  it.each([
    [
      'DDS error_code/error_msg',
      400,
      { error_code: 'DBS.200001', error_msg: 'Invalid parameter' },
      { code: 'DBS.200001', message: 'Invalid parameter' },
    ],
    [
      'RDS v1 errCode/externalMessage',
      404,
      { errCode: 'RDS.0022', externalMessage: 'The instance does not exist' },
      { code: 'RDS.0022', message: 'The instance does not exist' },
    ],
  ])('keeps the status of a %s refusal', async (_, status, body, upstream) => {
    standIn.script({ kind: 'answer', status, body: JSON.stringify(body) });
    const error = await rejectionOf(client().post('dds', DDS_PATH, ddsBody, soon()));
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({
      code: 'upstream_rejected',
      backupMayExist: false,
      upstream: { status, ...upstream, requestId: expect.any(String) },
    });
    expect(httpStatusOf(error)).toBe(status);
  });

  it('turns a refused signature into "misconfigured" without the upstream text', async () => {
    const wrongKey = client({
      credentials: async () => ({ accessKey: TEST_KEYS.accessKey, secretKey: 'not-the-secret' }),
    });
    const error = await rejectionOf(wrongKey.post('dds', DDS_PATH, ddsBody, soon()));
    expect(standIn.requests[0].refusal).toBe('signature does not match');
    expect(error).toBeInstanceOf(UpstreamMisconfiguredError);
    expect(error).toMatchObject({ code: 'upstream_auth_failed', upstream: { status: 401, code: 'APIGW.0301' } });
    expect((error as UpstreamMisconfiguredError).upstream.message).toBeUndefined();
  });

  it.each([
    ['RDS busy as 403 RDS.3004', 403, { errCode: 'RDS.3004', externalMessage: 'A backup is being created' }],
    ['RDS busy as RDS.0011', 400, { errCode: 'RDS.0011', externalMessage: 'Another operation is in progress' }],
    ['DDS busy as DBS.200019', 409, { error_code: 'DBS.200019', error_msg: 'Another operation is being performed' }],
  ])('turns %s into a 409', async (_, status, body) => {
    standIn.script({ kind: 'answer', status, body: JSON.stringify(body) });
    const error = await rejectionOf(
      client().post('rds', RDS_PATH, { backup: { instance: 'i', name: 'abcd' } }, soon()),
    );
    expect(error).toBeInstanceOf(BackupInProgressError);
    expect(error).toMatchObject({ code: 'backup_in_progress', backupMayExist: false });
  });

  it('turns a 403 permission refusal into "misconfigured"', async () => {
    standIn.script({
      kind: 'answer',
      status: 403,
      body: JSON.stringify({ error_code: 'DBS.280235', error_msg: 'Policy does not allow dds:backup:create' }),
    });
    await expect(client().post('dds', DDS_PATH, ddsBody, soon())).rejects.toBeInstanceOf(UpstreamMisconfiguredError);
  });
});

describe('Retry-After', () => {
  it.each([
    ['seconds', '3', 3_000],
    ['an HTTP date', new Date(Date.UTC(2026, 10, 24, 22, 15, 5)).toUTCString(), 5_000],
    ['a past HTTP date', new Date(Date.UTC(2026, 10, 24, 22, 14, 0)).toUTCString(), 0],
    ['nothing', undefined, undefined],
    ['garbage', 'soon', undefined],
  ])('reads %s', (_, value, expected) => {
    expect(retryAfterMs(value, Date.UTC(2026, 10, 24, 22, 15, 0))).toBe(expected);
  });
});
