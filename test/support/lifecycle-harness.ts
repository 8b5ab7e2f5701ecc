import type { LocalEventBridge } from '../../local/eventbridge';
import type { HuaweiStandIn } from '../../local/huawei-stand-in';
import { composeGateway, lifecycleOf } from '../../shared/gateway';
import type { Lifecycle } from '../../shared/lifecycle';
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
 *   await harness.createBackup(httpEvent({ body: { engine: 'dds', instanceId } }), lambdaContext());
 *   harness.clock.advance(61_000);
 *   await trackDueBackups(harness.lifecycle, Date.now() + 20_000);
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
    close: async () => started?.close(),
  };
  for (const name of handlers) {
    Object.defineProperty(harness, name, { enumerable: true, get: () => running().handlers[name] });
  }
  return harness as unknown as LifecycleHarness<Name>;
}
