import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduledEvent } from '../local/events';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { ConfigurationError, ScheduledBackupsFailedError } from '../shared/errors';
import { loadScheduleTargets, scheduledBackupName } from '../shared/schedule';
import { lambdaContext, logLinesOf, startBackends } from './support/fixtures';

const TARGETS = [
  { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02', namePrefix: 'nightly' },
  { engine: 'MySQL', instanceId: 'c2aac04b4b44460aa75674fc0fd878b2no04', description: 'before maintenance' },
  { engine: 'sqlserver', instanceId: '44b277eb-39be-4921-be31-3d61b43651d7', databases: ['orders'] },
];

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let handler: typeof import('../functions/scheduledBackups/handler')['handler'];

const HOUR_MS = 3_600_000;
/** A whole hour before now: ticks are checked against the invocation's own time, so they cannot be fixed dates. */
const hoursAgo = (hours: number) => new Date((Math.floor(Date.now() / HOUR_MS) - hours) * HOUR_MS);
const tickAt = (hours: number) => scheduledEvent({ time: hoursAgo(hours).toISOString() });

const context = () => lambdaContext({ functionName: 'backup-gateway-dev-scheduledBackups' });
const tick = (event: unknown = tickAt(1), invocation = context()) => handler(event as ScheduledEvent, invocation);
const refused = JSON.stringify({ errCode: 'RDS.0005', externalMessage: 'Invalid parameter.' });

beforeAll(async () => {
  ({ standIn, close: closeBackends } = await startBackends());
  standIn.addRdsInstance(TARGETS[2].instanceId, 'SQLServer');
  process.env.BACKUP_SCHEDULE_TARGETS = JSON.stringify(TARGETS);
  ({ handler } = await import('../functions/scheduledBackups/handler'));
});
afterAll(() => closeBackends());
beforeEach(() => standIn.reset());

describe('scheduledBackups', () => {
  it('creates one backup per target, named after the scheduled time', async () => {
    const run = await tick(tickAt(1));

    const names = ['mysql', 'nightly', 'sqlserver'].map((prefix) => scheduledBackupName(prefix, hoursAgo(1)));
    expect(run.backups.map((backup) => backup.name).sort()).toEqual(names);
    expect(standIn.backups()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ instanceId: TARGETS[1].instanceId, description: 'before maintenance' }),
        expect.objectContaining({ instanceId: TARGETS[2].instanceId, databases: ['orders'] }),
      ]),
    );
  });

  it('fails naming each failed target, and its retry creates only the missing backups', async () => {
    const event = tickAt(2);
    // Faults meet requests in arrival order, which concurrency does not fix; refusing every one is order-free.
    standIn.script(...TARGETS.map(() => ({ kind: 'answer' as const, status: 400, body: refused })));
    const first = await tick(event).catch((error: unknown) => error);

    expect(first).toBeInstanceOf(ScheduledBackupsFailedError);
    expect(
      (first as ScheduledBackupsFailedError).failed.map((target) => `${target.engine} ${target.instanceId}`).sort(),
    ).toEqual(TARGETS.map((target) => `${target.engine.toLowerCase()} ${target.instanceId}`).sort());
    expect(standIn.backups()).toHaveLength(0);

    const retried = await tick(event);
    expect(retried.backups).toHaveLength(3);
    expect(standIn.backups()).toHaveLength(3);
  });

  it('retries only the targets that failed: the others answer from the first run', async () => {
    const event = tickAt(3);
    standIn.script({ kind: 'answer', status: 400, body: refused });
    const first = (await tick(event).catch((error: unknown) => error)) as ScheduledBackupsFailedError;

    expect(first).toBeInstanceOf(ScheduledBackupsFailedError);
    expect(first.failed).toHaveLength(1);
    expect(first.detail).toContain(
      `1 of 3 scheduled backups failed: ${first.failed[0].engine} ${first.failed[0].instanceId}`,
    );
    expect(standIn.backups()).toHaveLength(2);

    const requestsBefore = standIn.requests.length;
    const retried = await tick(event);

    expect(standIn.requests.slice(requestsBefore).map((request) => request.body)).toEqual([
      expect.stringContaining(first.failed[0].instanceId),
    ]);
    expect(standIn.backups()).toHaveLength(3);
    expect(retried.backups.map((backup) => backup.instanceId).sort()).toEqual(
      TARGETS.map((target) => target.instanceId).sort(),
    );
  });

  it('makes new backups on the next tick', async () => {
    await tick(tickAt(5));
    await tick(tickAt(4));
    expect(standIn.backups()).toHaveLength(6);
  });

  describe('an event that cannot be used as it is', () => {
    /** Runs a tick and returns its backups' names, the names the time around the run gives, and the warning. */
    async function runOf(event: unknown, invocation = context()) {
      const before = new Date();
      let run: Awaited<ReturnType<typeof tick>> | undefined;
      const lines = await logLinesOf(async () => {
        run = await tick(event, invocation);
      });
      const around = [before, new Date()].map((at) => scheduledBackupName('nightly', at));
      const isWarning = (line: Record<string, unknown>) =>
        line.level === 'WARN' && String(line.message).startsWith('scheduled event not used');
      const warning = lines.find(isWarning);
      return { names: run!.backups.map((backup) => backup.name), around, warning };
    }

    it.each([
      ['{} (a manual invocation)', {}, ['it has no id', 'it has no time']],
      ['null', null, ['it has no id', 'it has no time']],
      ['a constant input', { target: 'all' }, ['it has no id', 'it has no time']],
    ])("runs %s with the invocation's own id and time, and says so", async (_, event, problems) => {
      const invocation = context();
      const { names, around, warning } = await runOf(event, invocation);

      expect(names).toHaveLength(3);
      expect(around).toContain(names.find((name) => name.startsWith('nightly-')));
      expect(warning).toMatchObject({ problems, scheduledEventId: invocation.awsRequestId });
    });

    it.each([
      ['past the year 9999', '+010000-01-01T00:00:00Z'],
      ['a week ago', new Date(Date.now() - 7 * 24 * HOUR_MS).toISOString()],
      ['not a date', 'yesterday'],
    ])("takes a time %s for a mistake and uses the invocation's time", async (_, time) => {
      const { names, around, warning } = await runOf(scheduledEvent({ time }));

      expect(around).toContain(names.find((name) => name.startsWith('nightly-')));
      expect(warning?.problems).toEqual([`its time ${JSON.stringify(time)} is not a date within a day of now`]);
    });

    it('quotes only an excerpt of a long id, and keys the run by the invocation', async () => {
      const id = 'x'.repeat(1_000);
      const invocation = context();
      const { warning } = await runOf({ ...tickAt(6), id }, invocation);

      expect(warning).toMatchObject({
        problems: [`its id "${'x'.repeat(40)}…" cannot be part of an idempotency key`],
        scheduledEventId: invocation.awsRequestId,
      });
    });

    it('never doubles a backup when the platform retries such a run (same request id)', async () => {
      const invocation = context();
      await tick({}, invocation);
      const created = standIn.backups().length;

      await tick({}, invocation).catch(() => undefined);

      expect(standIn.backups()).toHaveLength(created);
    });
  });
});

describe('BACKUP_SCHEDULE_TARGETS', () => {
  const load = (value: unknown) => () => loadScheduleTargets(typeof value === 'string' ? value : JSON.stringify(value));

  it('reads the targets with the unified request rules', () => {
    expect(load(TARGETS)()).toEqual([
      { request: { engine: 'dds', instanceId: TARGETS[0].instanceId }, namePrefix: 'nightly' },
      { request: { engine: 'mysql', instanceId: TARGETS[1].instanceId, description: 'before maintenance' } },
      { request: { engine: 'sqlserver', instanceId: TARGETS[2].instanceId, databases: ['orders'] } },
    ]);
    expect(load([])()).toEqual([]);
  });

  it.each([
    ['not set', '', /is not set/],
    ['not JSON', '[{', /is not valid JSON/],
    ['not an array', { engine: 'dds' }, /must be a JSON array/],
    ['an entry that is not an object', ['dds'], /\[0\] must be an object/],
    [
      'an unknown engine',
      [{ engine: 'oracle', instanceId: 'i-1' }],
      /\[0\] \(oracle i-1\) engine: must be one of dds, mysql, postgresql, sqlserver/,
    ],
    ['a missing instance', [TARGETS[0], { engine: 'dds' }], /\[1\] instanceId: is required/],
    [
      'a prefix that breaks the name rule',
      [{ ...TARGETS[0], namePrefix: '9lives' }],
      /\[0\] \(dds a89d\S+\) namePrefix: makes names like "9lives-20260101-0000" that break the name rule: the name must start with a letter/,
    ],
    [
      'a prefix too long for the name rule',
      [{ ...TARGETS[0], namePrefix: 'p'.repeat(51) }],
      /namePrefix: .* must be 4 to 64 characters long \(it has 65\)/,
    ],
    [
      'an instance id unfit for the key',
      [{ engine: 'dds', instanceId: 'has space' }],
      /\[0\] \(dds has space\) instanceId: cannot be part of the idempotency key/,
    ],
    ['a fixed name', [{ ...TARGETS[0], name: 'fixed-name' }], /\[0\] .* name: not a target field/],
    [
      'databases for an engine without them',
      [{ engine: 'mysql', instanceId: 'i-1', databases: ['a'] }],
      /databases: is supported only with engine sqlserver/,
    ],
    [
      'the same instance twice',
      [TARGETS[0], TARGETS[1], { ...TARGETS[0], namePrefix: 'again' }],
      /\[2\] .* instanceId: already targeted by entry \[0\]/,
    ],
  ])('refuses %s, naming the entry', (_, value, message) => {
    expect(load(value)).toThrow(ConfigurationError);
    expect(load(value)).toThrow(message);
  });

  it('names every bad entry at once', () => {
    expect(load([{ engine: 'oracle', instanceId: 'i-1' }, TARGETS[0], { engine: 'dds' }])).toThrow(/\[0\] .*; \[2\] /);
  });

  it('builds names that pass the name rule from the engine alone', () => {
    expect(scheduledBackupName('postgresql', new Date('2026-11-24T23:59:59Z'))).toBe('postgresql-20261124-2359');
  });
});
