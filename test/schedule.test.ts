import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduledEvent } from '../local/events';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { ConfigurationError, ScheduledBackupsFailedError } from '../shared/errors';
import { loadScheduleTargets, scheduledBackupName } from '../shared/schedule';
import { lambdaContext, startBackends } from './support/fixtures';

const TARGETS = [
  { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02', namePrefix: 'nightly' },
  { engine: 'MySQL', instanceId: 'c2aac04b4b44460aa75674fc0fd878b2no04', description: 'before maintenance' },
  { engine: 'sqlserver', instanceId: '44b277eb-39be-4921-be31-3d61b43651d7', databases: ['orders'] },
];

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let handler: (typeof import('../functions/scheduledBackups/handler'))['handler'];

const tick = (event = scheduledEvent({ time: '2026-11-24T02:00:00Z' })) =>
  handler(event, lambdaContext({ functionName: 'backup-gateway-dev-scheduledBackups' }));
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
    const run = await tick();

    expect(run.backups.map((backup) => backup.name).sort()).toEqual(['mysql-20261124-0200', 'nightly-20261124-0200', 'sqlserver-20261124-0200']);
    expect(standIn.backups()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ instanceId: TARGETS[1].instanceId, description: 'before maintenance' }),
        expect.objectContaining({ instanceId: TARGETS[2].instanceId, databases: ['orders'] }),
      ]),
    );
  });

  it('fails naming each failed target, and its retry creates only the missing backups', async () => {
    const event = scheduledEvent({ time: '2026-11-24T03:00:00Z' });
    // Faults meet requests in arrival order, which concurrency does not fix; refusing every one is order-free.
    standIn.script(...TARGETS.map(() => ({ kind: 'answer' as const, status: 400, body: refused })));
    const first = await tick(event).catch((error: unknown) => error);

    expect(first).toBeInstanceOf(ScheduledBackupsFailedError);
    expect((first as ScheduledBackupsFailedError).failed.map((target) => `${target.engine} ${target.instanceId}`).sort()).toEqual(
      TARGETS.map((target) => `${target.engine.toLowerCase()} ${target.instanceId}`).sort(),
    );
    expect(standIn.backups()).toHaveLength(0);

    const retried = await tick(event);
    expect(retried.backups).toHaveLength(3);
    expect(standIn.backups()).toHaveLength(3);
  });

  it('retries only the targets that failed: the others answer from the first run', async () => {
    const event = scheduledEvent({ time: '2026-11-24T04:00:00Z' });
    standIn.script({ kind: 'answer', status: 400, body: refused });
    const first = (await tick(event).catch((error: unknown) => error)) as ScheduledBackupsFailedError;

    expect(first).toBeInstanceOf(ScheduledBackupsFailedError);
    expect(first.failed).toHaveLength(1);
    expect(first.detail).toContain(`1 of 3 scheduled backups failed: ${first.failed[0].engine} ${first.failed[0].instanceId}`);
    expect(standIn.backups()).toHaveLength(2);

    const requestsBefore = standIn.requests.length;
    const retried = await tick(event);

    expect(standIn.requests.slice(requestsBefore).map((request) => request.body)).toEqual([expect.stringContaining(first.failed[0].instanceId)]);
    expect(standIn.backups()).toHaveLength(3);
    expect(retried.backups.map((backup) => backup.instanceId).sort()).toEqual(TARGETS.map((target) => target.instanceId).sort());
  });

  it('makes new backups on the next tick', async () => {
    await tick(scheduledEvent({ time: '2026-11-24T05:00:00Z' }));
    await tick(scheduledEvent({ time: '2026-11-25T05:00:00Z' }));
    expect(standIn.backups()).toHaveLength(6);
  });

  it('refuses an event without an id or a time', async () => {
    await expect(tick({ ...scheduledEvent(), id: '', time: 'yesterday' })).rejects.toMatchObject({
      errors: [
        { field: 'id', message: expect.any(String) },
        { field: 'time', message: expect.any(String) },
      ],
    });
    expect(standIn.requests).toHaveLength(0);
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
    ['an unknown engine', [{ engine: 'oracle', instanceId: 'i-1' }], /\[0\] \(oracle i-1\) engine: must be one of dds, mysql, postgresql, sqlserver/],
    ['a missing instance', [TARGETS[0], { engine: 'dds' }], /\[1\] instanceId: is required/],
    ['a prefix that breaks the name rule', [{ ...TARGETS[0], namePrefix: '9lives' }], /\[0\] \(dds a89d\S+\) namePrefix: makes names like "9lives-20260101-0000" that break the name rule: the name must start with a letter/],
    ['a prefix too long for the name rule', [{ ...TARGETS[0], namePrefix: 'p'.repeat(51) }], /namePrefix: .* must be 4 to 64 characters long \(it has 65\)/],
    ['an instance id unfit for the key', [{ engine: 'dds', instanceId: 'has space' }], /\[0\] \(dds has space\) instanceId: cannot be part of the idempotency key/],
    ['a fixed name', [{ ...TARGETS[0], name: 'fixed-name' }], /\[0\] .* name: not a target field/],
    ['databases for an engine without them', [{ engine: 'mysql', instanceId: 'i-1', databases: ['a'] }], /databases: is supported only with engine sqlserver/],
    ['the same instance twice', [TARGETS[0], TARGETS[1], { ...TARGETS[0], namePrefix: 'again' }], /\[2\] .* instanceId: already targeted by entry \[0\]/],
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
