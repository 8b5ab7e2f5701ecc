import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, HuaweiStandIn } from '../local/huawei-stand-in';
import { httpEvent, lambdaContext, startStandInForHandlers } from './support/fixtures';
import { answer, throttled } from './support/faults';
import { expectDocumentedResponse } from './support/openapi';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let standIn: HuaweiStandIn;
let handler: Handler;

beforeAll(async () => {
  standIn = await startStandInForHandlers();
  ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
});
afterEach(() => standIn.reset());
afterAll(() => standIn.close());

interface Expected {
  status: number;
  code?: string;
  backupMayExist?: boolean;
  attempts: number;
  created: number;
  retryAfter?: string;
}

/**
 * Each scripted fault: the caller gets the documented status; retries happen only where Huawei Cloud surely did not
 * act; no backup is created twice; the answer comes within the Lambda's remaining time.
 */
describe('fault injection through POST /backups', () => {
  it.each<[string, Fault[], number, Expected]>([
    [
      'a burst of 429 with Retry-After, then success',
      [throttled({ 'Retry-After': '0' }), throttled({ 'Retry-After': '0' })],
      10_000,
      { status: 202, attempts: 3, created: 1 },
    ],
    [
      '429 with Retry-After that outlasts the retries',
      Array.from({ length: 3 }, () => throttled({ 'Retry-After': '0' })),
      10_000,
      { status: 429, code: 'throttled', backupMayExist: false, attempts: 3, created: 0, retryAfter: '1' },
    ],
    [
      '429 without Retry-After and no time left to back off',
      [throttled()],
      2_000,
      { status: 429, code: 'throttled', backupMayExist: false, attempts: 1, created: 0, retryAfter: '5' },
    ],
    ['503 then success', [answer(503, { 'Retry-After': '0' })], 10_000, { status: 202, attempts: 2, created: 1 }],
    [
      '503 that lasts',
      Array.from({ length: 3 }, () => answer(503, { 'Retry-After': '0' })),
      10_000,
      { status: 502, code: 'upstream_unavailable', backupMayExist: false, attempts: 3, created: 0 },
    ],
    [
      'a connection dropped before the request was read',
      [{ kind: 'drop-before-read' }],
      10_000,
      { status: 502, code: 'upstream_error', backupMayExist: true, attempts: 1, created: 0 },
    ],
    [
      'a connection dropped after the backup was created',
      [{ kind: 'drop-after-read' }],
      10_000,
      { status: 502, code: 'upstream_error', backupMayExist: true, attempts: 1, created: 1 },
    ],
    [
      'a stand-in slower than the remaining time',
      [{ kind: 'delay', ms: 3_000 }],
      1_200,
      { status: 504, code: 'upstream_timeout', backupMayExist: true, attempts: 1, created: 0 },
    ],
    [
      'a 200 that is not JSON',
      [answer(200, {}, '<html>ok</html>')],
      10_000,
      { status: 502, code: 'upstream_error', backupMayExist: true, attempts: 1, created: 0 },
    ],
    [
      'a truncated 200',
      [{ kind: 'truncate' }],
      10_000,
      { status: 502, code: 'upstream_error', backupMayExist: true, attempts: 1, created: 1 },
    ],
    [
      'a 500',
      [answer(500, {}, JSON.stringify({ error_code: 'DBS.200003', error_msg: 'Internal error' }))],
      10_000,
      { status: 502, code: 'upstream_error', backupMayExist: true, attempts: 1, created: 0 },
    ],
    [
      'a 502 from the gateway',
      [answer(502, {}, 'Bad Gateway')],
      10_000,
      { status: 502, code: 'upstream_error', backupMayExist: true, attempts: 1, created: 0 },
    ],
  ])('%s', async (_, faults, remainingMs, expected) => {
    standIn.script(...faults);
    const started = Date.now();
    const response = await handler(
      httpEvent({ body: { engine: 'dds', instanceId: 'i-1', name: 'bk-faults' } }),
      lambdaContext({ remainingMs }),
    );
    expect(Date.now() - started).toBeLessThan(remainingMs);
    expectDocumentedResponse(response);
    const body = JSON.parse(String(response.body));
    expect(response.statusCode).toBe(expected.status);
    if (expected.code) expect(body).toMatchObject({ code: expected.code, backupMayExist: expected.backupMayExist });
    if (expected.retryAfter) expect(response.headers?.['Retry-After']).toBe(expected.retryAfter);
    expect(standIn.requests).toHaveLength(expected.attempts);
    expect(standIn.backups()).toHaveLength(expected.created);
  });
});
