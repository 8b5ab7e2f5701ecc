import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutEventsEntry } from '../local/eventbridge';
import { showOfflineLine } from '../local/offline-output';
import { stateChangeLine } from '../local/state-change-line';
import { briefError, invokeLambda, invokePath, startTrackerLoop, type Timers } from '../local/tracker-loop';

const ROOT = join(__dirname, '..');
const PORT_VARIABLES = [
  'BACKUP_GATEWAY_PORT',
  'BACKUP_GATEWAY_LAMBDA_PORT',
  'HUAWEICLOUD_STAND_IN_PORT',
  'HUAWEICLOUD_STAND_IN_RDS_PORT',
  'LOCAL_DYNAMODB_PORT',
  'LOCAL_EVENTBRIDGE_PORT',
  'LOCAL_SQS_PORT',
  'LOCAL_SLACK_PORT',
];
let occupied: Server[];

beforeAll(async () => {
  occupied = await Promise.all(
    PORT_VARIABLES.map(
      () =>
        new Promise<Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
});
afterAll(() => Promise.all(occupied.map((server) => new Promise((resolve) => server.close(resolve)))));

it('refuses to start on ports in use, naming the variable that moves each, and starts nothing', async () => {
  const ports = occupied.map((server) => (server.address() as { port: number }).port);
  const env = Object.fromEntries(PORT_VARIABLES.map((variable, i) => [variable, String(ports[i])]));
  // As package.json's start script runs it, without npm around it.
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--require', './local/exit-with-parent.cjs', '--import', 'tsx', 'scripts/start-local.ts'],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

  expect(run.code).toBe(1);
  expect(run.stdout).not.toContain('running at');
  PORT_VARIABLES.forEach((variable, i) => {
    expect(run.stderr).toContain(`port ${ports[i]} (`);
    expect(run.stderr).toContain(`set ${variable} to a free port`);
  });
});

describe('the [event] line npm start prints for each event', () => {
  // The Date constructor with parts is local time, as the line is: the same line in every time zone.
  const AT = new Date(2026, 10, 26, 0, 12, 3);
  const DDS = 'a89dab5e39394eccbdb77b19d57b0180in02';
  const BACKUP = '6a0c4e1f2b3d4a5b6c7d8e9f0a1b2c3dbr02';
  const stateChange = (detail: Record<string, unknown>): PutEventsEntry => ({
    Source: 'backup-gateway',
    DetailType: 'Backup State Change',
    Detail: JSON.stringify({
      backupId: BACKUP,
      engine: 'dds',
      service: 'dds',
      instanceId: DDS,
      name: 'before-upgrade',
      ...detail,
    }),
  });

  it.each([
    [
      'a creation',
      stateChange({ status: 'BUILDING', previousStatus: null }),
      `[event] 00:12:03 new → BUILDING        dds a89d…in02  backup ${BACKUP} (before-upgrade)`,
    ],
    [
      'a completion, with its size',
      stateChange({ status: 'COMPLETED', previousStatus: 'BUILDING', sizeKB: 2048 }),
      `[event] 00:12:03 BUILDING → COMPLETED  dds a89d…in02  backup ${BACKUP} (before-upgrade)  2048 KB`,
    ],
    [
      'a failure, with its reason; an instance id a person chose stays whole',
      stateChange({
        engine: 'mysql',
        instanceId: 'mysql-backups-fail-in01',
        status: 'FAILED',
        previousStatus: 'BUILDING',
        reason: 'Huawei Cloud reports the backup as failed.',
      }),
      `[event] 00:12:03 BUILDING → FAILED     mysql mysql-backups-fail-in01  backup ${BACKUP} (before-upgrade)` +
        '  reason: Huawei Cloud reports the backup as failed.',
    ],
    [
      'an event of another source',
      { ...stateChange({ status: 'UNKNOWN', previousStatus: 'BUILDING', name: '' }), Source: 'someone-else' },
      `[event] 00:12:03 BUILDING → UNKNOWN    dds a89d…in02  backup ${BACKUP}  (source "someone-else")`,
    ],
    [
      'another kind of event',
      { Source: 'backup-gateway.client', DetailType: 'Backup Requested', Detail: '{}' },
      '[event] 00:12:03 "Backup Requested" from "backup-gateway.client"',
    ],
    [
      'a Detail that is not JSON',
      { Source: 'backup-gateway', DetailType: 'Backup State Change', Detail: 'not json' },
      '[event] 00:12:03 Backup State Change whose Detail is not a JSON object: "not json"',
    ],
  ])('%s', (_case, entry, line) => {
    expect(stateChangeLine(entry, AT)).toBe(line);
  });
});

describe("what npm start shows of serverless-offline's output", () => {
  const summary = (counts: Record<string, number>) =>
    JSON.stringify({ level: 'INFO', message: 'tracking run done', ...counts });
  const idle = { checked: 0, changed: 0, lookupsSettled: 0, upstreamCalls: 0, failedInstances: 0 };

  it.each([
    ['an idle tracker run', false, summary(idle)],
    ["the tracker's duration line", false, '(λ: trackBackups) RequestId: 1c55  Duration: 76.65 ms'],
    ['the same, in colour', false, '\u001b[90m(λ: trackBackups) RequestId: 1c55  Duration: 76.65 ms\u001b[39m'],
    ["serverless-offline's own minute schedule", false, 'Successfully invoked scheduled function: [trackBackups]'],
    ['a tracker run that checked a backup', true, summary({ ...idle, checked: 1, upstreamCalls: 1 })],
    ['a tracker run that could not ask', true, summary({ ...idle, failedInstances: 1 })],
    ['a failed schedule run', true, 'Failed to execute scheduled function: [trackBackups] Error: boom'],
    ["another function's duration line", true, '(λ: getBackup) RequestId: 972e  Duration: 104.68 ms'],
    ['a request', true, 'GET /backups/4944dc1e7ed311056da96bb3ec580a12br02 (λ: getBackup)'],
    ['a Lambda timeout', true, '× [504] - Lambda timeout.'],
    ['a line that only looks like a summary', true, '{"message":"tracking run done", not json'],
  ])('%s: shown %s', (_case, shown, line) => {
    expect(showOfflineLine(line)).toBe(shown);
  });
});

/** Timers that fire only when the test says so. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private nextId = 1;
  set(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires the one pending timer. */
  fire(): void {
    expect(this.pending.size).toBe(1);
    const [[id, { callback }]] = [...this.pending];
    this.pending.delete(id);
    callback();
  }
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise callback already due run: the loop's bookkeeping after a run ends. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the tracker's timer", () => {
  it('one tick at a time, timed from the end of the last; a failed tick is reported, the loop goes on', async () => {
    const timers = new ManualTimers();
    const runs: Array<ReturnType<typeof deferred> & { signal: AbortSignal }> = [];
    const errors: unknown[] = [];
    const loop = startTrackerLoop({
      everyMs: 10_000,
      tick: (signal) => {
        const run = { ...deferred(), signal };
        signal.addEventListener('abort', () => run.reject(signal.reason));
        runs.push(run);
        return run.promise;
      },
      onError: (error) => errors.push(error),
      timers,
    });

    expect(runs).toHaveLength(0);
    expect([...timers.pending.values()].map(({ ms }) => ms)).toEqual([10_000]);
    timers.fire();
    expect(runs).toHaveLength(1);
    // While a run is in flight no other is due, however long it takes.
    expect(timers.pending.size).toBe(0);

    runs[0].resolve();
    await settle();
    expect(timers.pending.size).toBe(1);
    timers.fire();
    runs[1].reject(new Error('the invoke endpoint answered 404'));
    await settle();
    expect(errors).toEqual([new Error('the invoke endpoint answered 404')]);

    timers.fire();
    expect(runs).toHaveLength(3);
    await loop.stop();
    expect(timers.pending.size).toBe(0);
    expect(errors).toHaveLength(1);
    expect(runs.map((run) => run.signal.aborted)).toEqual([false, false, true]);
  });

  it('stop() aborts the run in flight, waits for it to end, reports nothing and starts nothing after', async () => {
    const timers = new ManualTimers();
    const errors: unknown[] = [];
    let ended = false;
    const loop = startTrackerLoop({
      everyMs: 1_000,
      tick: (signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            ended = true;
            reject(signal.reason);
          });
        }),
      onError: (error) => errors.push(error),
      timers,
    });
    timers.fire();

    await loop.stop();
    expect(ended).toBe(true);
    expect(errors).toEqual([]);
    expect(timers.pending.size).toBe(0);
  });

  it('stopped before its first run, it never runs', async () => {
    const timers = new ManualTimers();
    let ticks = 0;
    const loop = startTrackerLoop({ everyMs: 1_000, tick: async () => void ticks++, onError: () => {}, timers });
    await loop.stop();
    expect(timers.pending.size).toBe(0);
    expect(ticks).toBe(0);
  });
});

describe('invoking a function through a Lambda invoke endpoint (as serverless-offline answers)', () => {
  const FUNCTION = 'backup-gateway-local-trackBackups';
  let server: ReturnType<typeof createHttpServer>;
  let endpoint: string;
  const received: Array<{ method?: string; url?: string; body: string }> = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8') });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it("posts the event to the function's invoke path and returns what the function returned", async () => {
    const run = { checked: 1, changed: 1, lookupsSettled: 0, upstreamCalls: 1, failedInstances: 0 };
    answer = (_req, res) => res.end(JSON.stringify(run));

    await expect(invokeLambda(endpoint, FUNCTION, { 'detail-type': 'Scheduled Event' })).resolves.toEqual(run);
    expect(received.at(-1)).toEqual({
      method: 'POST',
      url: '/2015-03-31/functions/backup-gateway-local-trackBackups/invocations',
      body: '{"detail-type":"Scheduled Event"}',
    });
    expect(invokePath(FUNCTION)).toBe('/2015-03-31/functions/backup-gateway-local-trackBackups/invocations');
  });

  it("throws with the function's own message when the function failed", async () => {
    answer = (_req, res) => {
      res.setHeader('X-Amz-Function-Error', 'Unhandled');
      res.end(JSON.stringify({ errorMessage: 'BACKUPS_TABLE is not set', errorType: 'Error', trace: [] }));
    };
    await expect(invokeLambda(endpoint, FUNCTION, {})).rejects.toThrow(`${FUNCTION} failed: BACKUPS_TABLE is not set`);
  });

  it('throws when the endpoint refuses, with what it said', async () => {
    answer = (_req, res) => {
      res.statusCode = 404;
      res.setHeader('x-amzn-ErrorType', 'ResourceNotFoundException');
      res.end(JSON.stringify({ Message: `Function not found: ${FUNCTION}`, Type: 'User' }));
    };
    await expect(invokeLambda(endpoint, FUNCTION, {})).rejects.toThrow(
      `the invoke endpoint answered 404: Function not found: ${FUNCTION}`,
    );
  });

  it('gives up when aborted, without waiting for the answer', async () => {
    const arrived = deferred();
    answer = () => arrived.resolve(); // never answers
    const abort = new AbortController();
    const invocation = invokeLambda(endpoint, FUNCTION, {}, { signal: abort.signal });
    await arrived.promise;
    abort.abort();
    await expect(invocation).rejects.toThrow(/abort/i);
  });

  it('an endpoint that is not there is named in one short line', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const error = await invokeLambda(`http://127.0.0.1:${port}`, FUNCTION, {}).catch((caught: unknown) => caught);
    expect(briefError(error)).toBe('fetch failed (ECONNREFUSED)');
  });
});
