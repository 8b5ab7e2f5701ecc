import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scheduledEvent, sqsEvent, sqsRecord } from '../local/events';
import type { Fault, HuaweiStandIn } from '../local/huawei-stand-in';
import { ScheduledBackupsFailedError } from '../shared/errors';
import { composeGateway, lifecycleOf } from '../shared/gateway';
import { trackDueBackups } from '../shared/lifecycle';
import { lambdaContext, logLinesOf, startBackends } from './support/fixtures';
import { answer, internalError, throttled, unavailable } from './support/faults';

/**
 * Scripted faults of Huawei Cloud met through the queue and the schedule, with idempotency on (in-memory
 * DynamoDB) and a stand-in that refuses a second backup of an instance while one is building, as the real
 * services do. Whatever happens, no record and no target disappears without a failure SQS or the platform
 * sees, retries happen only where Huawei Cloud surely did not act, and every invocation ends within its time.
 */
const TARGETS = [
  { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02', namePrefix: 'nightly' },
  { engine: 'MySQL', instanceId: 'c2aac04b4b44460aa75674fc0fd878b2no04', description: 'before maintenance' },
  { engine: 'sqlserver', instanceId: '44b277eb-39be-4921-be31-3d61b43651d7', databases: ['orders'] },
];

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let queueHandler: typeof import('../functions/createBackupFromQueue/handler')['handler'];
let scheduleHandler: typeof import('../functions/scheduledBackups/handler')['handler'];

beforeAll(async () => {
  ({ standIn, close: closeBackends } = await startBackends({ refuseConcurrentBackups: true }));
  standIn.addRdsInstance(TARGETS[2].instanceId, 'SQLServer');
  process.env.BACKUP_SCHEDULE_TARGETS = JSON.stringify(TARGETS);
  ({ handler: queueHandler } = await import('../functions/createBackupFromQueue/handler'));
  ({ handler: scheduleHandler } = await import('../functions/scheduledBackups/handler'));
});
afterEach(() => standIn.reset());
afterAll(() => closeBackends());

const notJson = () => answer(200, {}, '<html>ok</html>');
const times = <T>(count: number, make: () => T): T[] => Array.from({ length: count }, make);

const dds = (instanceId: string) => ({ engine: 'dds', instanceId });
const instanceOf = (body: string): string => {
  const backup = JSON.parse(body).backup;
  return backup.instance_id ?? backup.instance;
};

/** Delivers a batch with `remainingMs` left; returns the failed ids, the failures logged and how long it took. */
async function deliver(event: SQSEvent, remainingMs = 10_000) {
  const started = Date.now();
  let failed: string[] = [];
  const lines = await logLinesOf(async () => {
    const response = await queueHandler(
      event,
      lambdaContext({ remainingMs, functionName: 'backup-gateway-dev-createBackupFromQueue' }),
    );
    failed = response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();
  });
  const tookMs = Date.now() - started;
  const failures = lines.filter((line) => line.message === 'backup failed' || line.message === 'request failed');
  return { failed, failures, tookMs };
}

/** A stand-in that was slow goes on and creates the backups after our caller gave up: wait for them before the next test. */
const backupsEventually = (count: number) =>
  vi.waitFor(() => expect(standIn.backups()).toHaveLength(count), { timeout: 4_000, interval: 50 });

interface Expected {
  /** undefined: the record succeeded. */
  code?: string;
  backupMayExist?: boolean;
  /** Create calls sent. */
  attempts: number;
  /** Whether the gateway listed the instance's backups to settle an uncertain create. */
  looked?: boolean;
  created: number;
}

const creates = () => standIn.requests.filter((request) => request.method === 'POST');
/** One tracking run as it will happen once every open look-up window has passed. */
async function trackAfterTheLookupWindow() {
  const lifecycle = lifecycleOf(composeGateway('trackBackups'));
  const later = () => Date.now() + (lifecycle.settings.lookupWindowSeconds + 60) * 1000;
  return trackDueBackups({ ...lifecycle, now: later }, Date.now() + 10_000);
}
const lookups = () => standIn.requests.filter((request) => request.method === 'GET');

describe('fault injection through the queue: one record', () => {
  it.each<[string, Fault[], number, Expected]>([
    [
      'a burst of 429 with Retry-After, then success',
      times(2, () => throttled({ 'Retry-After': '0' })),
      10_000,
      { attempts: 3, created: 1 },
    ],
    [
      '429 with Retry-After that outlasts the retries',
      times(3, () => throttled({ 'Retry-After': '0' })),
      10_000,
      { code: 'throttled', backupMayExist: false, attempts: 3, created: 0 },
    ],
    [
      '429 without Retry-After and no time left to back off',
      [throttled()],
      3_500,
      { code: 'throttled', backupMayExist: false, attempts: 1, created: 0 },
    ],
    ['503 then success', [unavailable()], 10_000, { attempts: 2, created: 1 }],
    [
      '503 that lasts',
      times(3, unavailable),
      10_000,
      { code: 'upstream_unavailable', backupMayExist: false, attempts: 3, created: 0 },
    ],
    // Uncertain outcomes are settled by looking: a backup that was made is found, and the record succeeds with it.
    [
      'a connection dropped before the request was read',
      [{ kind: 'drop-before-read' }],
      10_000,
      { code: 'upstream_error', backupMayExist: true, attempts: 1, looked: true, created: 0 },
    ],
    [
      'a connection dropped after the backup was created',
      [{ kind: 'drop-after-read' }],
      10_000,
      { attempts: 1, looked: true, created: 1 },
    ],
    [
      'a 200 that is not JSON',
      [notJson()],
      10_000,
      { code: 'upstream_error', backupMayExist: true, attempts: 1, looked: true, created: 0 },
    ],
    ['a truncated 200', [{ kind: 'truncate' }], 10_000, { attempts: 1, looked: true, created: 1 }],
    [
      'a 500',
      [internalError()],
      10_000,
      { code: 'upstream_error', backupMayExist: true, attempts: 1, looked: true, created: 0 },
    ],
    [
      'too little time left to start the call',
      [],
      2_000,
      { code: 'no_time_left', backupMayExist: false, attempts: 0, created: 0 },
    ],
  ])('%s', async (_, faults, remainingMs, expected) => {
    const record = sqsRecord({ body: dds('faults00000000000000000000000in02') });
    standIn.script(...faults);
    const { failed, failures, tookMs } = await deliver(sqsEvent(record), remainingMs);

    expect(tookMs).toBeLessThan(remainingMs);
    expect(failed).toEqual(expected.code ? [record.messageId] : []);
    expect(failures.map(({ messageId, code, backupMayExist }) => ({ messageId, code, backupMayExist }))).toEqual(
      expected.code
        ? [{ messageId: record.messageId, code: expected.code, backupMayExist: expected.backupMayExist }]
        : [],
    );
    expect(creates()).toHaveLength(expected.attempts);
    expect(lookups()).toHaveLength(expected.looked ? 1 : 0);
    expect(standIn.backups()).toHaveLength(expected.created);
  });

  it('gives up on a stand-in slower than the remaining time, in time, and says the backup may exist (it does, later)', async () => {
    standIn.script({ kind: 'delay', ms: 3_000 });
    const { failed, failures, tookMs } = await deliver(
      sqsEvent(sqsRecord({ messageId: 'slow-1', body: dds('slow000000000000000000000000in02') })),
      2_500,
    );

    expect(tookMs).toBeLessThan(2_500);
    expect(failed).toEqual(['slow-1']);
    expect(failures).toEqual([
      expect.objectContaining({ messageId: 'slow-1', code: 'upstream_timeout', backupMayExist: true }),
    ]);
    expect(standIn.requests).toHaveLength(1);
    await backupsEventually(1);
  });
});

describe('fault injection through the queue: SQS redelivers the same message', () => {
  it.each<[string, Fault[], number]>([
    ['429 that outlasted the retries', times(3, () => throttled({ 'Retry-After': '0' })), 3],
    ['503 that lasted', times(3, unavailable), 3],
  ])('after %s (Huawei Cloud did not act), the redelivery creates the one backup', async (_, faults, attempts) => {
    const record = sqsRecord({ body: dds('redeliver000000000000000000in02') });
    standIn.script(...faults);
    expect((await deliver(sqsEvent(record))).failed).toEqual([record.messageId]);
    expect(standIn.requests).toHaveLength(attempts);
    expect(standIn.backups()).toHaveLength(0);

    expect((await deliver(sqsEvent(record))).failed).toEqual([]);
    expect(standIn.requests).toHaveLength(attempts + 1);
    expect(standIn.backups()).toHaveLength(1);
  });

  it.each<[string, Fault]>([
    ['a connection dropped after the backup was created', { kind: 'drop-after-read' }],
    ['a truncated 200', { kind: 'truncate' }],
  ])(
    'after %s, the gateway finds the backup by looking: the record succeeds, and a redelivery gets it without a call',
    async (_, fault) => {
      const record = sqsRecord({ body: dds('found00000000000000000000000in02') });
      standIn.script(fault);
      expect((await deliver(sqsEvent(record))).failed).toEqual([]);
      expect(standIn.backups()).toHaveLength(1);
      const sent = standIn.requests.length;

      expect((await deliver(sqsEvent(record))).failed).toEqual([]);
      expect(standIn.requests).toHaveLength(sent);
      expect(standIn.backups()).toHaveLength(1);
    },
  );

  it.each<[string, Fault]>([
    ['a connection dropped before the request was read', { kind: 'drop-before-read' }],
    ['a 500', internalError()],
  ])(
    'after %s, redeliveries are refused while the gateway looks; once it knows none was made, the next one creates it once',
    async (_, fault) => {
      const record = sqsRecord({ body: dds('maybe00000000000000000000000in02') });
      standIn.script(fault);
      const first = await deliver(sqsEvent(record));
      expect(first.failed).toEqual([record.messageId]);
      expect(first.failures).toEqual([expect.objectContaining({ code: 'upstream_error', backupMayExist: true })]);

      // While the gateway still looks, a redelivery is not sent: it could double the backup.
      const again = await deliver(sqsEvent(record));
      expect(again.failed).toEqual([record.messageId]);
      expect(creates()).toHaveLength(1);

      // The tracker, once the look-up window has passed, finds no such backup and frees the key.
      expect((await trackAfterTheLookupWindow()).lookupsSettled).toBeGreaterThanOrEqual(1);
      expect((await deliver(sqsEvent(record))).failed).toEqual([]);
      expect(creates()).toHaveLength(2);
      expect(standIn.backups()).toHaveLength(1);
    },
  );

  it('after a success that needed retries, the redelivery is answered from the first result without calling upstream', async () => {
    const record = sqsRecord({ body: dds('retried00000000000000000000in02') });
    standIn.script(throttled({ 'Retry-After': '0' }), unavailable());
    expect((await deliver(sqsEvent(record))).failed).toEqual([]);
    expect(standIn.requests).toHaveLength(3);

    expect((await deliver(sqsEvent(record))).failed).toEqual([]);
    expect(standIn.requests).toHaveLength(3);
    expect(standIn.backups()).toHaveLength(1);
  });
});

describe('fault injection through the queue: a batch', () => {
  const batchOf = (count: number, prefix: string): SQSRecord[] =>
    Array.from({ length: count }, (_, i) =>
      sqsRecord({
        messageId: `${prefix}-${i}`,
        body: dds(`${prefix}${String(i).padStart(2, '0')}0000000000000000000000in02`),
      }),
    );

  it('retries each record that met a 503, and creates each backup once', async () => {
    const records = batchOf(10, 'wave');
    standIn.script(...times(10, unavailable));
    // Answers take a while, so that all ten first attempts arrive (and meet a 503) before any retry does.
    standIn.setLatency(200);
    const { failed, tookMs } = await deliver(sqsEvent(...records)).finally(() => standIn.setLatency(0));

    expect(tookMs).toBeLessThan(10_000);
    expect(standIn.requests.slice(0, 10).map((request) => request.answeredWith)).toEqual(times(10, () => 503));
    expect(failed).toEqual([]);
    expect(standIn.requests).toHaveLength(20);
    expect(
      standIn
        .backups()
        .map((backup) => backup.instanceId)
        .sort(),
    ).toEqual(records.map((record) => JSON.parse(record.body).instanceId).sort());
  });

  it('lists exactly the records whose connection dropped before a backup was made, and sends none of them twice', async () => {
    const records = batchOf(5, 'drop');
    standIn.script(...times<Fault>(3, () => ({ kind: 'drop-before-read' })));
    const { failed, failures } = await deliver(sqsEvent(...records));

    // Faults meet requests in arrival order: three creates were dropped unread, so their records fail.
    expect(failed).toHaveLength(3);
    expect(failures.map((line) => line.messageId).sort()).toEqual(failed);
    const succeeded = records
      .filter((record) => !failed.includes(record.messageId))
      .map((record) => JSON.parse(record.body).instanceId);
    expect(
      standIn
        .backups()
        .map((backup) => backup.instanceId)
        .sort(),
    ).toEqual(succeeded.sort());
    expect(creates()).toHaveLength(5);
    expect(standIn.backups()).toHaveLength(2);
  });

  it('ends within its remaining time when Huawei Cloud is slow: calls in flight time out, waiting ones are not started, all are listed', async () => {
    const records = batchOf(12, 'late');
    standIn.script(...times<Fault>(10, () => ({ kind: 'delay', ms: 3_300 })));
    const { failed, failures, tookMs } = await deliver(sqsEvent(...records), 3_000);

    expect(tookMs).toBeLessThan(3_000);
    expect(failed).toEqual(records.map((record) => record.messageId).sort());
    const codes = failures.map((line) => line.code).sort();
    expect(codes).toEqual([...times(2, () => 'no_time_left'), ...times(10, () => 'upstream_timeout')]);
    expect(standIn.requests).toHaveLength(10);
    await backupsEventually(10);
  });
});

describe('fault injection through the schedule', () => {
  const tick = (event: ReturnType<typeof scheduledEvent>, remainingMs = 10_000) =>
    scheduleHandler(event, lambdaContext({ remainingMs, functionName: 'backup-gateway-dev-scheduledBackups' }));

  /** Runs a tick expected to fail; returns its error, what it named, and how long it took. */
  async function failingTick(event: ReturnType<typeof scheduledEvent>, remainingMs = 10_000) {
    const started = Date.now();
    const error = await tick(event, remainingMs).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    const tookMs = Date.now() - started;
    expect(error).toBeInstanceOf(ScheduledBackupsFailedError);
    const failed = (error as ScheduledBackupsFailedError).failed;
    return {
      error: error as ScheduledBackupsFailedError,
      named: failed.map((target) => `${target.instanceId} ${target.code}`).sort(),
      tookMs,
    };
  }

  it.each<[string, Fault, number, string]>([
    ['429 without Retry-After and no time left to back off', throttled(), 3_500, 'throttled'],
  ])(
    'fails naming the target that met %s; the retry of the tick creates only the missing backup',
    async (_, fault, remainingMs, code) => {
      const event = scheduledEvent();
      standIn.script(fault);
      const { error, named, tookMs } = await failingTick(event, remainingMs);

      expect(tookMs).toBeLessThan(remainingMs);
      expect(error.failed).toHaveLength(1);
      const unlucky = error.failed[0].instanceId;
      expect(named).toEqual([`${unlucky} ${code}`]);
      const target = TARGETS.find((candidate) => candidate.instanceId === unlucky)!;
      expect(error.detail).toContain(
        `1 of 3 scheduled backups failed: ${target.engine.toLowerCase()} ${unlucky} (${code})`,
      );
      const firstRun = standIn.backups();
      expect(firstRun.map((backup) => backup.instanceId).sort()).toEqual(
        TARGETS.map((t) => t.instanceId)
          .filter((id) => id !== unlucky)
          .sort(),
      );
      const sentBefore = standIn.requests.length;

      const retried = await tick(event);
      expect(standIn.requests.slice(sentBefore).map((request) => instanceOf(request.body))).toEqual([unlucky]);
      expect(standIn.backups()).toHaveLength(3);
      // The targets that succeeded answer from the first run: same backup ids, no new call.
      expect(retried.backups.map((backup) => backup.backupId).sort()).toEqual(
        standIn
          .backups()
          .map((backup) => backup.id)
          .sort(),
      );
      for (const backup of firstRun) expect(retried.backups.map((result) => result.backupId)).toContain(backup.id);
    },
  );

  it('retries a target that met a 503 within the run, and succeeds with one backup per target', async () => {
    standIn.script(unavailable());
    const run = await tick(scheduledEvent());

    expect(run.backups).toHaveLength(3);
    expect(standIn.requests).toHaveLength(4);
    expect(standIn.backups()).toHaveLength(3);
  });

  it.each<[string, Fault]>([
    ['a connection dropped after the backup was created', { kind: 'drop-after-read' }],
    ['a truncated 200', { kind: 'truncate' }],
  ])('after %s, finds the backup by looking, and the run succeeds with one backup per target', async (_, fault) => {
    standIn.script(fault);
    const run = await tick(scheduledEvent());
    expect(run.backups.map((backup) => backup.backupId).sort()).toEqual(
      standIn
        .backups()
        .map((backup) => backup.id)
        .sort(),
    );
    expect(standIn.backups()).toHaveLength(3);
  });

  it.each<[string, Fault]>([
    ['a connection dropped before the request was read', { kind: 'drop-before-read' }],
    ['a 500', internalError()],
    ['a 200 that is not JSON', notJson()],
  ])(
    'after %s, fails naming the target; the retry does not call Huawei Cloud for it again, so nothing is doubled',
    async (_, fault) => {
      const event = scheduledEvent();
      standIn.script(fault);
      const first = await failingTick(event);
      expect(first.error.failed).toHaveLength(1);
      const unlucky = first.error.failed[0].instanceId;
      expect(first.named).toEqual([`${unlucky} upstream_error`]);
      expect(standIn.backups()).toHaveLength(2);

      const second = await failingTick(event);
      expect(second.named).toEqual([`${unlucky} earlier_outcome_uncertain`]);
      expect(second.error.detail).toContain(unlucky);
      expect(creates()).toHaveLength(3);
      expect(standIn.backups()).toHaveLength(2);
    },
  );

  it('ends within its remaining time when Huawei Cloud is slower, naming every target', async () => {
    standIn.script(...times<Fault>(3, () => ({ kind: 'delay', ms: 3_000 })));
    const { named, tookMs } = await failingTick(scheduledEvent(), 2_500);

    expect(tookMs).toBeLessThan(2_500);
    expect(named).toEqual(TARGETS.map((target) => `${target.instanceId} upstream_timeout`).sort());
    expect(standIn.requests).toHaveLength(3);
    await backupsEventually(3);
  });
});
