import { excerpt } from '../shared/text';

/**
 * The timer on which `npm start` runs `trackBackups` every few seconds, through serverless-offline's Lambda invoke
 * endpoint: the function's own schedule (`rate(1 minute)`, which serverless-offline runs too) is slow to watch a
 * 20-second local backup by.
 */

/** Timers, so that a test can fire them itself; the real ones otherwise. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface TrackerLoopOptions {
  /** The pause between the end of one run and the start of the next. */
  everyMs: number;
  /** One run. It should give up when `signal` aborts: `stop()` aborts the run in flight. */
  tick: (signal: AbortSignal) => Promise<void>;
  /** A failed run, reported once; the loop goes on. Not called for a run that `stop()` aborted. */
  onError: (error: unknown) => void;
  timers?: Timers;
}

export interface TrackerLoop {
  /** No run starts after this; the run in flight is aborted and settled when the promise resolves. */
  stop(): Promise<void>;
}

/**
 * Runs `tick` every `everyMs`, one run at a time: the next run is timed from the end of the previous one, so a slow
 * run never piles invocations up. A run that fails is reported and the loop goes on.
 *
 * @example
 * const tick = (signal: AbortSignal) => invokeLambda(url, 'backup-gateway-local-trackBackups', {}, { signal });
 * const loop = startTrackerLoop({ everyMs: 10_000, tick, onError: console.error });
 * // on shutdown
 * await loop.stop();
 */
export function startTrackerLoop({ everyMs, tick, onError, timers = realTimers }: TrackerLoopOptions): TrackerLoop {
  let stopped = false;
  let timer: unknown;
  let inFlight: { abort: AbortController; settled: Promise<void> } | undefined;

  const schedule = () => {
    timer = timers.set(run, everyMs);
  };
  function run(): void {
    timer = undefined;
    const abort = new AbortController();
    const settled = (async () => {
      try {
        await tick(abort.signal);
      } catch (error) {
        if (!stopped) onError(error);
      }
      inFlight = undefined;
      if (!stopped) schedule();
    })();
    inFlight = { abort, settled };
  }

  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) timers.clear(timer);
      timer = undefined;
      if (!inFlight) return;
      inFlight.abort.abort();
      await inFlight.settled;
    },
  };
}

/** What one error says, in one short line: `fetch failed` says less than the `ECONNREFUSED` behind it. */
export function briefError(error: unknown, maxLength = 200): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const base = error instanceof Error ? error.message : String(error);
  const causeText = typeof cause?.message === 'string' ? cause.message : undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : causeText;
  const text = (detail && !base.includes(detail) ? `${base} (${detail})` : base).split('\n')[0];
  return excerpt(text, maxLength);
}

/** The invoke path of serverless-offline's Lambda endpoint (the Lambda API's own). */
export const invokePath = (functionName: string): string =>
  `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;

/**
 * Invokes a function through a Lambda invoke endpoint (serverless-offline's), synchronously, and returns what it
 * returned. Throws when the endpoint cannot be reached or refuses, when the function failed (the
 * `X-Amz-Function-Error` header, with its `errorMessage`), or after `timeoutMs`.
 *
 * @example
 * const run = await invokeLambda('http://127.0.0.1:3002', 'backup-gateway-local-trackBackups', scheduledEvent());
 * // → { checked: 1, changed: 1, lookupsSettled: 0, upstreamCalls: 1, failedInstances: 0 }
 */
export async function invokeLambda(
  endpoint: string,
  functionName: string,
  event: unknown,
  { signal, timeoutMs = 60_000 }: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<unknown> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const response = await fetch(`${endpoint}${invokePath(functionName)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(event),
    signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
  });
  const text = await response.text();
  let payload: unknown;
  try {
    payload = text === '' ? undefined : JSON.parse(text);
  } catch {
    payload = text;
  }
  const field = (key: string): string | undefined => {
    const value = (payload as Record<string, unknown> | undefined)?.[key];
    return typeof value === 'string' ? value : undefined;
  };
  if (response.status !== 200) {
    throw new Error(`the invoke endpoint answered ${response.status}: ${field('Message') ?? text.slice(0, 120)}`);
  }
  if (response.headers.has('x-amz-function-error')) {
    throw new Error(`${functionName} failed: ${field('errorMessage') ?? text.slice(0, 120)}`);
  }
  return payload;
}
