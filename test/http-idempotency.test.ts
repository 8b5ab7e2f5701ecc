import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { composeGateway, lifecycleOf } from '../shared/gateway';
import { trackDueBackups } from '../shared/lifecycle';
import { httpEvent, lambdaContext, startBackends } from './support/fixtures';
import { expectDocumentedResponse } from './support/openapi';

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let handler: typeof import('../functions/createBackup/handler')['handler'];

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = (await handler(
    httpEvent({ body, headers }),
    lambdaContext(),
  )) as APIGatewayProxyStructuredResultV2 & { body: string };
  expectDocumentedResponse(response);
  return response;
}
const json = (response: { body: string }) => JSON.parse(response.body);
const ddsRequest = { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02' };

beforeAll(async () => {
  ({ standIn, close: closeBackends } = await startBackends());
  ({ handler } = await import('../functions/createBackup/handler'));
});
afterAll(() => closeBackends());
beforeEach(() => standIn.reset());

describe('POST /backups with an idempotency key', () => {
  it('answers a repeat with the first result and calls Huawei Cloud once', async () => {
    const first = await post(ddsRequest, { 'Idempotency-Key': 'deploy-4711' });
    const repeat = await post(ddsRequest, { 'Idempotency-Key': 'deploy-4711' });

    expect(first.statusCode).toBe(202);
    expect(repeat.statusCode).toBe(202);
    expect(json(repeat)).toEqual(json(first));
    expect(standIn.backups()).toHaveLength(1);
    expect(standIn.requests).toHaveLength(1);
  });

  it('takes the key from the body as from the header: they are one key', async () => {
    const first = await post({ ...ddsRequest, idempotencyKey: 'body-or-header-1' });
    const repeat = await post(ddsRequest, { 'idempotency-key': 'body-or-header-1' });

    expect(json(repeat).backupId).toBe(json(first).backupId);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('accepts the same key in header and body', async () => {
    const response = await post(
      { ...ddsRequest, idempotencyKey: 'same-in-both' },
      { 'Idempotency-Key': 'same-in-both' },
    );
    expect(response.statusCode).toBe(202);
  });

  it('refuses a header key that differs from the body key with a 400 and calls nobody', async () => {
    const response = await post(
      { ...ddsRequest, idempotencyKey: 'in-the-body' },
      { 'Idempotency-Key': 'in-the-header' },
    );

    expect(response.statusCode).toBe(400);
    expect(json(response).errors).toEqual([
      { field: 'idempotencyKey', message: expect.stringContaining('Idempotency-Key header') },
    ]);
    expect(standIn.requests).toHaveLength(0);
  });

  it('applies the key rule to the header too', async () => {
    const response = await post(ddsRequest, { 'Idempotency-Key': 'no spaces allowed' });

    expect(response.statusCode).toBe(400);
    expect(json(response).errors[0]).toEqual({
      field: 'idempotencyKey',
      message: expect.stringContaining('found " "'),
    });
  });

  it('refuses the same key with a different request, naming the conflict, and creates nothing more', async () => {
    await post({ ...ddsRequest, name: 'nightly-01' }, { 'Idempotency-Key': 'reused-key' });
    const conflict = await post({ ...ddsRequest, name: 'nightly-02' }, { 'Idempotency-Key': 'reused-key' });

    expect(conflict.statusCode).toBe(422);
    expect(json(conflict)).toMatchObject({
      code: 'idempotency_key_reused',
      detail: expect.stringContaining('"reused-key"'),
    });
    expect(standIn.backups().map((backup) => backup.name)).toEqual(['nightly-01']);
  });

  it('keeps a generated name out of the comparison: a repeat without a name is the same request', async () => {
    const first = await post(ddsRequest, { 'Idempotency-Key': 'unnamed-twice' });
    const repeat = await post(ddsRequest, { 'Idempotency-Key': 'unnamed-twice' });

    expect(repeat.statusCode).toBe(202);
    expect(json(repeat).name).toBe(json(first).name);
  });

  it('creates one backup for concurrent duplicates and answers the others with 409', async () => {
    // The request that takes the key is held upstream until the other two have been answered, so they surely
    // find it in flight, however slow the machine.
    let releaseUpstream!: () => void;
    const upstreamReleased = new Promise<void>((resolve) => (releaseUpstream = resolve));
    standIn.script({ kind: 'hold', until: () => upstreamReleased });
    const answered: Array<Awaited<ReturnType<typeof post>>> = [];
    const pending = [1, 2, 3].map(async () => {
      const response = await post(ddsRequest, { 'Idempotency-Key': 'concurrent-1' });
      answered.push(response);
      return response;
    });
    const twoAnswered = new Promise<void>((resolve) => {
      for (const response of pending) void response.then(() => answered.length === 2 && resolve());
    });

    await Promise.race([twoAnswered, Promise.all(pending)]);
    expect(answered.map((r) => [r.statusCode, json(r).code])).toEqual([
      [409, 'idempotency_key_in_progress'],
      [409, 'idempotency_key_in_progress'],
    ]);
    releaseUpstream();
    expect((await Promise.all(pending)).map((r) => r.statusCode).sort()).toEqual([202, 409, 409]);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('stores no failed result: a retry after an upstream error creates the backup', async () => {
    standIn.script({
      kind: 'answer',
      status: 400,
      body: JSON.stringify({ error_code: 'DBS.200001', error_msg: 'Invalid parameter.' }),
    });
    const failed = await post(ddsRequest, { 'Idempotency-Key': 'retry-after-failure' });
    const retried = await post(ddsRequest, { 'Idempotency-Key': 'retry-after-failure' });

    expect(failed.statusCode).toBe(400);
    expect(retried.statusCode).toBe(202);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('finds by looking the backup a dropped connection made: the caller gets it, and so does a repeat', async () => {
    standIn.script({ kind: 'drop-after-read' });
    const found = await post(ddsRequest, { 'Idempotency-Key': 'made-but-dropped' });
    const repeat = await post(ddsRequest, { 'Idempotency-Key': 'made-but-dropped' });

    expect(found.statusCode).toBe(202);
    expect(json(found).backupId).toBe(standIn.backups()[0].id);
    expect(json(repeat)).toEqual(json(found));
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('refuses a repeat with 409 while it looks for a backup that was not made, then runs it once it knows', async () => {
    standIn.script({ kind: 'drop-before-read' });
    const uncertain = await post(ddsRequest, { 'Idempotency-Key': 'maybe-created' });
    const repeat = await post(ddsRequest, { 'Idempotency-Key': 'maybe-created' });

    expect(uncertain.statusCode).toBe(502);
    expect(json(uncertain)).toMatchObject({ code: 'upstream_error', backupMayExist: true });
    expect(repeat.statusCode).toBe(409);
    expect(json(repeat)).toMatchObject({ code: 'earlier_outcome_uncertain', backupMayExist: true });
    expect(json(repeat).detail).toContain('Repeat it with the same key after that time');
    expect(Date.parse(json(repeat).lookingUntil)).toBeGreaterThan(Date.now());
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(1);

    // Once the look-up window has passed without a backup, the tracker frees the key: the repeat runs.
    const lifecycle = lifecycleOf(composeGateway('trackBackups'));
    const later = () => Date.now() + (lifecycle.settings.lookupWindowSeconds + 60) * 1000;
    expect((await trackDueBackups({ ...lifecycle, now: later }, Date.now() + 10_000)).lookupsSettled).toBe(1);
    const after = await post(ddsRequest, { 'Idempotency-Key': 'maybe-created' });
    expect(after.statusCode).toBe(202);
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('lets a repeat after the look-up window settle it itself, without waiting for the tracker', async () => {
    standIn.script({ kind: 'drop-before-read' });
    expect((await post(ddsRequest, { 'Idempotency-Key': 'repeat-settles' })).statusCode).toBe(502);
    expect((await post(ddsRequest, { 'Idempotency-Key': 'repeat-settles' })).statusCode).toBe(409);

    // Only the clock moves on (past the window): the tracker does not run.
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ['Date'] });
    try {
      const repeat = await post(ddsRequest, { 'Idempotency-Key': 'repeat-settles' });
      expect(repeat.statusCode).toBe(202);
    } finally {
      vi.useRealTimers();
    }
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
    expect(standIn.backups()).toHaveLength(1);
  });

  // A replay of one signed request is deduplicated: test/replay.http.test.ts.
  it('does not deduplicate requests without a key that were signed apart', async () => {
    for (const at of [new Date(Date.now() - 2_000), new Date()]) {
      await handler(httpEvent({ body: ddsRequest, signing: { at } }), lambdaContext());
    }
    expect(standIn.backups()).toHaveLength(2);
  });
});
