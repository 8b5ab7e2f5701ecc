import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BackupRecord } from '../shared/domain/backup-record';
import type { TrackingRun } from '../shared/lifecycle';
import { httpEvent, lambdaContext } from './support/fixtures';
import { getEvent } from './support/get-request';
import { lifecycleHarness } from './support/lifecycle-harness';
import { expectDocumentedAnswer } from './support/openapi-operations';

/**
 * The life of a backup, end to end through the real handlers: POST /backups (createBackup) → BUILDING in the
 * ledger → trackBackups runs → COMPLETED (or FAILED) with its times and size → GET /backups/{id} (getBackup) shows
 * it, and every change is an event. Huawei Cloud is the stand-in, whose clock the test moves: a backup completes
 * when the test says so, not when a slow machine gets there.
 */
const COMPLETE_AFTER_MS = 60_000;
const DDS = 'a89dab5e39394eccbdb77b19d57b0180in02';
const MYSQL = 'c2aac04b4b44460aa75674fc0fd878b2no04';
const SQLSERVER = '44b277eb-39be-4921-be31-3d61b43651d7';
const FAILING = 'f00dab5e39394eccbdb77b19d57b0180in02';

const harness = lifecycleHarness({
  completeAfterMs: COMPLETE_AFTER_MS,
  // The smallest interval the configuration allows: the real handler finds a record due a second after its check.
  env: { BACKUP_TRACKING_INTERVAL_SECONDS: '1' },
  handlers: ['createBackup', 'getBackup', 'trackBackups'],
});
beforeAll(async () => {
  await harness.start();
  harness.standIn.addRdsInstance(SQLSERVER, 'SQLServer');
});
afterAll(() => harness.close());

type Answer = APIGatewayProxyStructuredResultV2 & { body: string };

async function create(request: Record<string, unknown>): Promise<Record<string, any>> {
  const response = (await harness.createBackup(httpEvent({ body: request }), lambdaContext())) as Answer;
  expect(response.statusCode).toBe(202);
  return JSON.parse(response.body);
}

async function status(backupId: string): Promise<Record<string, any>> {
  const response = (await harness.getBackup(
    getEvent({ path: `/backups/${backupId}` }),
    lambdaContext({ functionName: 'backup-gateway-dev-getBackup' }),
  )) as Answer;
  expectDocumentedAnswer('get', '/backups/{backupId}', response);
  expect(response.statusCode).toBe(200);
  return JSON.parse(response.body);
}

/** One run of the real trackBackups handler, as its schedule invokes it. */
const track = async (): Promise<TrackingRun> =>
  harness.trackBackups(
    { 'detail-type': 'Scheduled Event', source: 'aws.events' },
    lambdaContext({ functionName: 'backup-gateway-dev-trackBackups', remainingMs: 50_000 }),
  );

const second = (at: number) => new Date(Math.floor(at / 1000) * 1000).toISOString();

describe('the life of a backup', () => {
  it('follows a DDS, a MySQL and a SQL Server backup from POST /backups to COMPLETED', async () => {
    const requests = [
      { engine: 'dds', instanceId: DDS, name: 'before-migration-dds' },
      { engine: 'mysql', instanceId: MYSQL, name: 'before-migration-mysql', description: 'schema 42' },
      { engine: 'sqlserver', instanceId: SQLSERVER, name: 'before-migration-mssql', databases: ['orders'] },
    ];
    const created = [];
    for (const request of requests) created.push(await create(request));

    for (const [i, backup] of created.entries()) {
      const record = await harness.lifecycle.ledger.get(backup.backupId);
      expect(record).toMatchObject({
        backupId: backup.backupId,
        engine: requests[i].engine,
        service: requests[i].engine === 'dds' ? 'dds' : 'rds',
        instanceId: requests[i].instanceId,
        name: requests[i].name,
        status: 'BUILDING',
        requestedBy: { via: 'http', sourceIp: '203.0.113.7' },
        upstreamRequestId: backup.upstreamRequestId,
      });
      expect(record).not.toHaveProperty('completedAt');
    }
    expect(await harness.lifecycle.ledger.get(created[1].backupId)).toMatchObject({ description: 'schema 42' });
    expect(await harness.lifecycle.ledger.get(created[2].backupId)).toMatchObject({ databases: ['orders'] });

    // Huawei Cloud finishes them; the real handler, run as its schedule would, finds each due once its last
    // check is a second old, asks, and records the change.
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    const runs: TrackingRun[] = [];
    await vi.waitFor(
      async () => {
        runs.push(await track());
        expect(runs.reduce((sum, run) => sum + run.changed, 0)).toBe(3);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(runs.reduce((sum, run) => sum + run.checked, 0)).toBe(3);
    expect(runs.every((run) => run.failedInstances === 0)).toBe(true);

    for (const [i, backup] of created.entries()) {
      const upstream = harness.standIn.backups().find((candidate) => candidate.id === backup.backupId)!;
      const shown = await status(backup.backupId);
      expect(shown).toMatchObject({
        backupId: backup.backupId,
        engine: requests[i].engine,
        instanceId: requests[i].instanceId,
        name: requests[i].name,
        status: 'COMPLETED',
        startedAt: second(upstream.createdAt),
        completedAt: second(upstream.createdAt + COMPLETE_AFTER_MS),
        sizeKB: upstream.sizeKB,
        requestedBy: { via: 'http', sourceIp: '203.0.113.7' },
      });
      expect(shown).not.toHaveProperty('reason');
      expect(await harness.lifecycle.ledger.get(backup.backupId)).toEqual(shown);
      expect(harness.transitions(backup.backupId)).toEqual(['null→BUILDING', 'BUILDING→COMPLETED']);
    }

    // Finished backups are no longer tracked: a run an hour later asks nobody about them.
    const reads = harness.standIn.requests.length;
    expect(await harness.trackLater(3_600_000)).toMatchObject({ checked: 0, upstreamCalls: 0 });
    expect(harness.standIn.requests).toHaveLength(reads);
  });

  it('follows a backup that Huawei Cloud fails to FAILED, with the reason', async () => {
    harness.standIn.setInstanceBehaviour(FAILING, 'backups-fail');
    const created = await create({ engine: 'dds', instanceId: FAILING, name: 'doomed-backup' });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);

    expect(await harness.trackLater(2_000)).toMatchObject({ checked: 1, changed: 1 });
    const upstream = harness.standIn.backups().find((candidate) => candidate.id === created.backupId)!;
    const shown = await status(created.backupId);

    expect(upstream.status).toBe('FAILED');
    expect(shown).toMatchObject({
      status: 'FAILED',
      reason: 'Huawei Cloud reports the backup as failed.',
      completedAt: second(upstream.createdAt + COMPLETE_AFTER_MS),
    });
    expect(harness.transitions(created.backupId)).toEqual(['null→BUILDING', 'BUILDING→FAILED']);
    const failed = harness.stateChanges(created.backupId).find((detail) => detail.status === 'FAILED');
    expect(failed?.reason).toBe('Huawei Cloud reports the backup as failed.');
    // FAILED is final: it is not tracked again.
    expect(await harness.trackLater(3_600_000)).toMatchObject({ checked: 0 });
  });

  it('keeps a backup BUILDING while Huawei Cloud says so, checked again at each interval', async () => {
    const created = await create({ engine: 'mysql', instanceId: MYSQL, name: 'still-going-mysql' });
    const first = (await harness.lifecycle.ledger.get(created.backupId)) as BackupRecord;
    const base = Date.now();

    expect(await harness.trackAt(base + 2_000)).toMatchObject({ checked: 1, changed: 0 });
    const checked = (await harness.lifecycle.ledger.get(created.backupId)) as BackupRecord;
    expect(checked.status).toBe('BUILDING');
    expect(Date.parse(checked.checkedAt)).toBeGreaterThan(Date.parse(first.checkedAt));
    expect(checked).not.toHaveProperty('sizeKB');
    expect(checked).not.toHaveProperty('completedAt');
    expect(harness.transitions(created.backupId)).toEqual(['null→BUILDING']);

    // Not due again until the interval (1 s) has passed since that check.
    expect(await harness.trackAt(base + 2_500)).toMatchObject({ checked: 0 });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    expect(await harness.trackAt(base + 3_100)).toMatchObject({ checked: 1, changed: 1 });
    expect(harness.transitions(created.backupId)).toEqual(['null→BUILDING', 'BUILDING→COMPLETED']);
  });
});
