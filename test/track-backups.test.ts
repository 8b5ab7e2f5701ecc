import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../shared/domain/backup-record';
import { httpEvent, lambdaContext } from './support/fixtures';
import { getEvent } from './support/get-request';
import { lifecycleHarness } from './support/lifecycle-harness';
import { expectDocumentedAnswer } from './support/openapi-operations';

/**
 * The tracker (trackBackups): what is due and what is not, one list call per instance, the tracking timeout
 * (BUILDING → UNKNOWN, no longer tracked), and an instance that cannot be asked. Its clock is moved with the
 * harness's trackAt and trackLater; the stand-in's clock moves separately.
 */
const COMPLETE_AFTER_MS = 600_000;
const TIMEOUT_MINUTES = 360;
const INTERVAL_MS = 30_000;

const harness = lifecycleHarness({
  completeAfterMs: COMPLETE_AFTER_MS,
  env: {
    BACKUP_TRACKING_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
    BACKUP_TRACKING_TIMEOUT_MINUTES: String(TIMEOUT_MINUTES),
  },
  handlers: ['createBackup', 'getBackup', 'trackBackups'],
});
beforeAll(() => harness.start());
// What a test leaves BUILDING is retired (timed out → UNKNOWN), so that the next test counts only its own backups.
afterEach(async () => {
  await harness.trackLater((TIMEOUT_MINUTES + 60) * 60_000);
  expect(
    (await harness.lifecycle.ledger.dueForCheck(new Date(Date.now() + 365 * 86_400_000).toISOString(), 100)).backups,
  ).toEqual([]);
  harness.clock.reset();
});
afterAll(() => harness.close());

type Answer = APIGatewayProxyStructuredResultV2 & { body: string };

let named = 0;
/** Creates a backup through POST /backups; each gets its own name, so that no two requests are one replay. */
async function create(engine: string, instanceId: string): Promise<string> {
  const body = { engine, instanceId, name: `tracked-${++named}-${Date.now()}` };
  const response = (await harness.createBackup(httpEvent({ body }), lambdaContext())) as Answer;
  expect(response.statusCode).toBe(202);
  return JSON.parse(response.body).backupId;
}

const upstreamReads = (since: number) =>
  harness.standIn.requests.slice(since).filter((request) => request.method === 'GET');
const record = async (backupId: string) => (await harness.lifecycle.ledger.get(backupId)) as BackupRecord;

describe('what a tracking run checks', () => {
  it('checks a backup once its last check is BACKUP_TRACKING_INTERVAL_SECONDS old, and not before', async () => {
    const backupId = await create('dds', 'due000000000000000000000000000in02');
    const requestedAt = Date.parse((await record(backupId)).requestedAt);
    const sent = harness.standIn.requests.length;

    // The real handler, right after the create: nothing is due yet (the interval is 30 s).
    const run = await harness.trackBackups(
      {},
      lambdaContext({ functionName: 'backup-gateway-dev-trackBackups', remainingMs: 50_000 }),
    );
    expect(run).toEqual({ checked: 0, changed: 0, lookupsSettled: 0, upstreamCalls: 0, failedInstances: 0 });
    expect(await harness.trackAt(requestedAt + INTERVAL_MS - 1_000)).toMatchObject({ checked: 0, upstreamCalls: 0 });
    expect(upstreamReads(sent)).toHaveLength(0);

    expect(await harness.trackAt(requestedAt + INTERVAL_MS + 1_000)).toMatchObject({
      checked: 1,
      changed: 0,
      upstreamCalls: 1,
    });
    expect((await record(backupId)).checkedAt).toBe(new Date(requestedAt + INTERVAL_MS + 1_000).toISOString());
    expect(await harness.trackAt(requestedAt + 2 * INTERVAL_MS)).toMatchObject({ checked: 0 });
    expect(await harness.trackAt(requestedAt + 2 * INTERVAL_MS + 2_000)).toMatchObject({ checked: 1 });
    expect(upstreamReads(sent)).toHaveLength(2);
  });

  it('asks Huawei Cloud once per instance, however many of its backups are due', async () => {
    const instances = {
      ddsA: 'manyA000000000000000000000000in02',
      ddsB: 'manyB000000000000000000000000in02',
      mysql: 'manyC00000000000000000000000no04',
    };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await create('dds', instances.ddsA));
    for (let i = 0; i < 2; i++) ids.push(await create('dds', instances.ddsB));
    for (let i = 0; i < 2; i++) ids.push(await create('mysql', instances.mysql));
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    const sent = harness.standIn.requests.length;

    const run = await harness.trackAt(Date.now() + INTERVAL_MS + 1_000);

    expect(run).toMatchObject({ checked: 7, changed: 7, upstreamCalls: 3, failedInstances: 0 });
    expect(
      upstreamReads(sent)
        .map((request) => request.service)
        .sort(),
    ).toEqual(['dds', 'dds', 'rds']);
    for (const backupId of ids) expect((await record(backupId)).status).toBe('COMPLETED');
  });

  it("leaves an instance that cannot be asked for the next run, and tracks the others' backups", async () => {
    const unlucky = await create('dds', 'ask0000000000000000000000000in02');
    const lucky = await create('mysql', 'ask1000000000000000000000000no04');
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    // The first list call of the run, whichever instance it is for, is refused (a 400 is not retried).
    harness.standIn.script({
      kind: 'answer',
      status: 400,
      body: JSON.stringify({ error_code: 'DBS.200001', error_msg: 'Invalid parameter.' }),
    });
    const at = Date.now() + INTERVAL_MS + 1_000;

    const first = await harness.trackAt(at);
    expect(first).toMatchObject({ checked: 1, changed: 1, upstreamCalls: 2, failedInstances: 1 });
    const statuses = [(await record(unlucky)).status, (await record(lucky)).status].sort();
    expect(statuses).toEqual(['BUILDING', 'COMPLETED']);

    // The one left is due at once: its check was not recorded.
    expect(await harness.trackAt(at + 1_000)).toMatchObject({ checked: 1, changed: 1, failedInstances: 0 });
    expect((await record(unlucky)).status).toBe('COMPLETED');
    expect((await record(lucky)).status).toBe('COMPLETED');
  });
});

describe('the tracking timeout', () => {
  it('turns a backup BUILDING past BACKUP_TRACKING_TIMEOUT_MINUTES into UNKNOWN, published, untracked', async () => {
    const backupId = await create('dds', 'slow0000000000000000000000000in02');
    const requestedAt = Date.parse((await record(backupId)).requestedAt);
    const timeoutMs = TIMEOUT_MINUTES * 60_000;

    // A minute before the timeout it is still BUILDING, and tracked.
    expect(await harness.trackAt(requestedAt + timeoutMs - 60_000)).toMatchObject({ checked: 1, changed: 0 });
    expect((await record(backupId)).status).toBe('BUILDING');

    expect(await harness.trackAt(requestedAt + timeoutMs)).toMatchObject({ checked: 1, changed: 1 });
    const timedOut = await record(backupId);
    expect(timedOut).toMatchObject({
      status: 'UNKNOWN',
      reason: `Still BUILDING ${TIMEOUT_MINUTES} minutes after it was requested; no longer tracked.`,
    });
    expect(harness.transitions(backupId)).toEqual(['null→BUILDING', 'BUILDING→UNKNOWN']);
    const event = harness.stateChanges(backupId).find((detail) => detail.status === 'UNKNOWN');
    expect(event).toMatchObject({ previousStatus: 'BUILDING', reason: timedOut.reason });

    // No longer tracked, even if Huawei Cloud would now say COMPLETED; the status API does not ask either.
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    const sent = harness.standIn.requests.length;
    expect(await harness.trackAt(requestedAt + 2 * timeoutMs)).toMatchObject({ checked: 0, upstreamCalls: 0 });
    const response = (await harness.getBackup(getEvent({ path: `/backups/${backupId}` }), lambdaContext())) as Answer;
    expectDocumentedAnswer('get', '/backups/{backupId}', response);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'UNKNOWN', reason: timedOut.reason });
    expect(upstreamReads(sent)).toHaveLength(0);
  });

  it('gives up on a backup Huawei Cloud never lists, saying so, but not before the timeout', async () => {
    const requestedAt = Date.now() - 60_000;
    const ghost: BackupRecord = {
      backupId: 'ghost00000000000000000000000000br02',
      engine: 'dds',
      service: 'dds',
      instanceId: 'ghost000000000000000000000000in02',
      name: 'never-listed',
      status: 'BUILDING',
      requestedAt: new Date(requestedAt).toISOString(),
      requestedBy: { via: 'http' },
      upstreamRequestId: null,
      checkedAt: new Date(requestedAt).toISOString(),
    };
    await harness.lifecycle.ledger.create(ghost);

    // Not listed yet is no news: a backup may take a moment to show.
    expect(await harness.trackAt(Date.now())).toMatchObject({ checked: 1, changed: 0 });
    expect(await harness.trackAt(requestedAt + TIMEOUT_MINUTES * 60_000)).toMatchObject({ checked: 1, changed: 1 });
    expect(await record(ghost.backupId)).toMatchObject({
      status: 'UNKNOWN',
      reason: `Not listed by Huawei Cloud ${TIMEOUT_MINUTES} minutes after it was requested; no longer tracked.`,
    });
  });

  it('records a backup that finished as finished, even when the check comes after the timeout', async () => {
    const backupId = await create('mysql', 'late0000000000000000000000000no04');
    const requestedAt = Date.parse((await record(backupId)).requestedAt);
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);

    expect(await harness.trackAt(requestedAt + TIMEOUT_MINUTES * 60_000 + 60_000)).toMatchObject({
      checked: 1,
      changed: 1,
    });
    expect(await record(backupId)).toMatchObject({ status: 'COMPLETED' });
    expect(await record(backupId)).not.toHaveProperty('reason');
  });
});
