import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../shared/domain/backup-record';
import { httpEvent, lambdaContext, logLinesOf } from './support/fixtures';
import { lifecycleHarness } from './support/lifecycle-harness';

/**
 * The "Backup State Change" events, as the local EventBridge receives them from the real handlers: one per change
 * of status, creation included, in order, with exactly the documented fields, on the configured bus; a failed entry
 * is sent again, and one that keeps failing is logged whole, never dropped silently.
 */
const BUS = 'backup-gateway-test-bus';
const COMPLETE_AFTER_MS = 60_000;
const BASE_FIELDS = [
  'backupId',
  'engine',
  'service',
  'instanceId',
  'name',
  'status',
  'previousStatus',
  'requestedAt',
  'requestedBy',
];

const harness = lifecycleHarness({
  completeAfterMs: COMPLETE_AFTER_MS,
  env: { EVENT_BUS_NAME: BUS },
  handlers: ['createBackup'],
});
beforeAll(() => harness.start());
afterAll(() => harness.close());

type Answer = APIGatewayProxyStructuredResultV2 & { body: string };

let named = 0;
async function create(request: Record<string, unknown>): Promise<Record<string, any>> {
  const response = (await harness.createBackup(
    httpEvent({ body: { name: `evented-${++named}-${Date.now()}`, ...request } }),
    lambdaContext(),
  )) as Answer;
  expect(response.statusCode).toBe(202);
  return JSON.parse(response.body);
}

/** How far ahead a tracking run looks for every backup still BUILDING to be due. */
const DUE_MS = 60_000;
const entriesOf = (backupId: string) =>
  harness.bus.entries.filter((entry) => JSON.parse(entry.Detail).backupId === backupId);
const unpublished = (lines: Array<Record<string, unknown>>) =>
  lines.filter((line) => line.message === 'backup state change could not be published');

describe('Backup State Change events', () => {
  it('publishes the creation, then COMPLETED, with exactly the documented fields, on EVENT_BUS_NAME', async () => {
    const instanceId = 'evnt0000000000000000000000000in02';
    const created = await create({ engine: 'dds', instanceId, description: 'not in the event' });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    expect(await harness.trackLater(DUE_MS)).toMatchObject({ changed: 1 });
    const record = (await harness.lifecycle.ledger.get(created.backupId)) as BackupRecord;

    const entries = entriesOf(created.backupId);
    expect(entries.map(({ Source, DetailType, EventBusName }) => ({ Source, DetailType, EventBusName }))).toEqual([
      { Source: 'backup-gateway', DetailType: 'Backup State Change', EventBusName: BUS },
      { Source: 'backup-gateway', DetailType: 'Backup State Change', EventBusName: BUS },
    ]);
    const [building, completed] = harness.stateChanges(created.backupId);
    const identity = {
      backupId: created.backupId,
      engine: 'dds',
      service: 'dds',
      instanceId,
      name: created.name,
      requestedAt: record.requestedAt,
      requestedBy: { via: 'http', sourceIp: '203.0.113.7' },
    };
    expect(building).toEqual({ ...identity, status: 'BUILDING', previousStatus: null });
    expect(Object.keys(building).sort()).toEqual([...BASE_FIELDS].sort());
    expect(completed).toEqual({
      ...identity,
      status: 'COMPLETED',
      previousStatus: 'BUILDING',
      completedAt: record.completedAt,
      sizeKB: record.sizeKB,
    });
    expect(record.completedAt).toBeDefined();
    expect(record.sizeKB).toBeGreaterThan(0);
  });

  it('publishes a failure with its reason and end time, and no size', async () => {
    const failing = 'evfl0000000000000000000000000in02';
    harness.standIn.setInstanceBehaviour(failing, 'backups-fail');
    const failed = await create({ engine: 'dds', instanceId: failing });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    expect(await harness.trackLater(DUE_MS)).toMatchObject({ changed: 1 });

    expect(harness.stateChanges(failed.backupId).map((detail) => detail.status)).toEqual(['BUILDING', 'FAILED']);
    const [, fail] = harness.stateChanges(failed.backupId);
    expect(fail).toMatchObject({
      status: 'FAILED',
      previousStatus: 'BUILDING',
      reason: 'Huawei Cloud reports the backup as failed.',
    });
    // A failed backup has no size worth telling.
    expect(Object.keys(fail).sort()).toEqual([...BASE_FIELDS, 'completedAt', 'reason'].sort());
  });

  it('publishes UNKNOWN with the reason, and nothing else, when tracking gives up', async () => {
    const created = await create({ engine: 'dds', instanceId: 'evto0000000000000000000000000in02' });
    expect(await harness.trackLater(harness.lifecycle.settings.trackingTimeoutMinutes * 60_000 + 60_000)).toMatchObject(
      {
        changed: 1,
      },
    );

    const [, unknown] = harness.stateChanges(created.backupId);
    expect(unknown).toMatchObject({
      status: 'UNKNOWN',
      previousStatus: 'BUILDING',
      reason: expect.stringContaining('no longer tracked'),
    });
    expect(Object.keys(unknown).sort()).toEqual([...BASE_FIELDS, 'reason'].sort());
  });

  it("keeps a Slack command's response URL and text out of the event", async () => {
    const record: BackupRecord = {
      backupId: 'evsl0000000000000000000000000000br02',
      engine: 'dds',
      service: 'dds',
      instanceId: 'evsl0000000000000000000000000in02',
      name: 'from-slack',
      status: 'BUILDING',
      requestedAt: new Date(Date.now() - 120_000).toISOString(),
      requestedBy: {
        via: 'slack',
        userId: 'U0ALLOWED1',
        channelId: 'C0ALLOWED1',
        responseUrl: 'https://hooks.slack.com/commands/T0TEAM0001/1/abc',
        commandText: 'dds evsl…in02',
      },
      upstreamRequestId: null,
      checkedAt: new Date(Date.now() - 120_000).toISOString(),
    };
    await harness.lifecycle.ledger.create(record);
    expect(await harness.trackLater(harness.lifecycle.settings.trackingTimeoutMinutes * 60_000)).toMatchObject({
      changed: 1,
    });

    const [entry] = entriesOf(record.backupId);
    expect(JSON.parse(entry.Detail).requestedBy).toEqual({
      via: 'slack',
      userId: 'U0ALLOWED1',
      channelId: 'C0ALLOWED1',
    });
    expect(entry.Detail).not.toContain('hooks.slack.com');
  });

  it('sends a failed PutEvents entry again: the event arrives once, and nothing is logged as lost', async () => {
    harness.bus.failNext(1);
    let created: Record<string, any> = {};
    const lines = await logLinesOf(async () => {
      created = await create({ engine: 'dds', instanceId: 'evrt0000000000000000000000000in02' });
    });

    expect(harness.stateChanges(created.backupId)).toEqual([
      expect.objectContaining({ status: 'BUILDING', previousStatus: null }),
    ]);
    expect(unpublished(lines)).toEqual([]);
  });

  it('logs an event that keeps failing as an error, whole, and still answers 202', async () => {
    harness.bus.failNext(3);
    let created: Record<string, any> = {};
    const lines = await logLinesOf(async () => {
      created = await create({ engine: 'dds', instanceId: 'evls0000000000000000000000000in02' });
    });

    expect(created.backupId).toBeDefined();
    expect(harness.stateChanges(created.backupId)).toEqual([]);
    const [lost] = unpublished(lines);
    expect(lost).toMatchObject({
      level: 'ERROR',
      reason: expect.stringContaining('InternalException'),
      event: {
        Source: 'backup-gateway',
        DetailType: 'Backup State Change',
        EventBusName: BUS,
        Detail: {
          backupId: created.backupId,
          status: 'BUILDING',
          previousStatus: null,
          instanceId: 'evls0000000000000000000000000in02',
        },
      },
    });
    // The ledger holds it all the same, and the next change is published.
    expect(await harness.lifecycle.ledger.get(created.backupId)).toMatchObject({ status: 'BUILDING' });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    await harness.trackLater(DUE_MS);
    expect(harness.stateChanges(created.backupId)).toEqual([
      expect.objectContaining({ status: 'COMPLETED', previousStatus: 'BUILDING' }),
    ]);
  });
});
