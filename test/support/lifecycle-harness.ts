import type { LocalEventBridge } from '../../local/eventbridge';
import type { HuaweiStandIn } from '../../local/huawei-stand-in';
import { composeGateway, lifecycleOf } from '../../shared/gateway';
import { trackDueBackups, type Lifecycle, type TrackingRun } from '../../shared/lifecycle';
import { slackFollowUp } from '../../shared/slack/follow-up-wiring';
import { testClock, type TestClock } from './clock';
import { startBackends } from './fixtures';

/** The handlers a harness loads, each imported only once the environment is set: they read it at cold start. */
const HANDLERS = {
  createBackup: () => import('../../functions/createBackup/handler'),
  getBackup: () => import('../../functions/getBackup/handler'),
  trackBackups: () => import('../../functions/trackBackups/handler'),
  createBackupFromQueue: () => import('../../functions/createBackupFromQueue/handler'),
  scheduledBackups: () => import('../../functions/scheduledBackups/handler'),
};

/** The time a tracking run is given, as if it ran in a Lambda with that much left. */
const TRACKING_RUN_MS = 20_000;

export type HandlerName = keyof typeof HANDLERS;
type Handlers = { [Name in HandlerName]: Awaited<ReturnType<(typeof HANDLERS)[Name]>>['handler'] };

export interface LifecycleHarnessOptions<Name extends HandlerName> {
  /** The real handlers the tests call, loaded in this order (and no others: each load is a cold start). */
  handlers: readonly Name[];
  /** How long the stand-in's backups take, on its test clock; by default the stand-in's own (60 s). */
  completeAfterMs?: number;
  /** Variables set on top of the backends' environment, before any handler is loaded. */
  env?: Record<string, string>;
}

/** The backends, the test clock, the ledger's lifecycle and the handlers asked for, once started. */
export type LifecycleHarness<Name extends HandlerName> = {
  /** The stand-in's clock: move it to make backups complete. Usable before `start`. */
  readonly clock: TestClock;
  readonly standIn: HuaweiStandIn;
  readonly bus: LocalEventBridge;
  /** The lifecycle the tracker runs with (as trackBackups composes it), composed on first use. */
  readonly lifecycle: Lifecycle;
  /** One tracking run whose clock stands at `at`, whatever the time it takes. */
  trackAt(at: number): Promise<TrackingRun>;
  /** One tracking run whose clock runs `aheadMs` ahead of the wall clock. */
  trackLater(aheadMs: number): Promise<TrackingRun>;
  /** The details of one backup's Backup State Change events, in the order they were published. */
  stateChanges(backupId: string): Array<Record<string, unknown>>;
  /** One backup's state changes as `previous→status` (`null→BUILDING` for the creation). */
  transitions(backupId: string): string[];
  /** Starts the stand-in (on `clock`), dynalite and the local EventBridge, sets `env`, loads the handlers. */
  start(): Promise<void>;
  close(): Promise<void>;
} & { readonly [K in Name]: Handlers[K] };

interface Started {
  standIn: HuaweiStandIn;
  bus: LocalEventBridge;
  handlers: Partial<Handlers>;
  lifecycle?: Lifecycle;
  close: () => Promise<void>;
}

/**
 * The setup of a test that follows backups through the real handlers: a Huawei stand-in whose clock the test
 * moves, a ledger in dynalite, the local EventBridge, and the handlers loaded against them. Made at the top of
 * the file; started and closed by the file's own hooks.
 *
 * @example
 * const harness = lifecycleHarness({ handlers: ['createBackup', 'trackBackups'], env: { EVENT_BUS_NAME: 'bus' } });
 * beforeAll(() => harness.start());
 * afterAll(() => harness.close());
 *
 * it('completes', async () => {
 *   const answer = await harness.createBackup(httpEvent({ body: { engine: 'dds', instanceId } }), lambdaContext());
 *   harness.clock.advance(61_000);
 *   await harness.trackLater(61_000);
 *   expect(harness.transitions(JSON.parse(answer.body).backupId)).toEqual(['null→BUILDING', 'BUILDING→COMPLETED']);
 * });
 */
export function lifecycleHarness<Name extends HandlerName>({
  handlers,
  completeAfterMs,
  env = {},
}: LifecycleHarnessOptions<Name>): LifecycleHarness<Name> {
  const clock = testClock();
  let started: Started | undefined;
  const running = (): Started => {
    if (!started) throw new Error('the lifecycle harness is not started: await harness.start() in beforeAll first');
    return started;
  };
  const trackWith = (now: () => number) => trackDueBackups({ ...harness.lifecycle, now }, Date.now() + TRACKING_RUN_MS);
  const stateChanges = (backupId: string) =>
    running()
      .bus.details('Backup State Change')
      .filter((detail) => detail.backupId === backupId);
  const harness = {
    clock,
    get standIn() {
      return running().standIn;
    },
    get bus() {
      return running().bus;
    },
    get lifecycle() {
      const backends = running();
      backends.lifecycle ??= lifecycleOf(composeGateway('trackBackups', process.env, slackFollowUp));
      return backends.lifecycle;
    },
    async start() {
      const { standIn, bus, close } = await startBackends({
        now: clock.now,
        ...(completeAfterMs !== undefined && { completeAfterMs }),
      });
      Object.assign(process.env, env);
      const loaded: Partial<Handlers> = {};
      for (const name of handlers) Object.assign(loaded, { [name]: (await HANDLERS[name]()).handler });
      started = { standIn, bus, handlers: loaded, close };
    },
    trackAt: (at: number) => trackWith(() => at),
    trackLater: (aheadMs: number) => trackWith(() => Date.now() + aheadMs),
    stateChanges,
    transitions: (backupId: string) =>
      stateChanges(backupId).map((detail) => `${detail.previousStatus ?? 'null'}→${detail.status}`),
    close: async () => started?.close(),
  };
  for (const name of handlers) {
    Object.defineProperty(harness, name, { enumerable: true, get: () => running().handlers[name] });
  }
  return harness as unknown as LifecycleHarness<Name>;
}
