import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { startLocalDynamo } from '../local/dynamodb';
import { scheduledEvent, sqsEvent, sqsRecord } from '../local/events';
import { startHuaweiStandIn } from '../local/huawei-stand-in';
import { httpEvent, slackCommandEvent, standInEnvironment, TEST_KEYS } from '../test/support/fixtures';

/**
 * `npm run bench`: packages the functions as a deploy does, then measures bundle size, cold start against a bare
 * floor, warm overhead, batch throughput and load, and prints a Markdown table beside the targets
 * (bench/results/latest.json holds the same figures).
 */
const ROOT = resolve(__dirname, '..');
const WORK = join(ROOT, '.bench');
const RESULTS = join(ROOT, 'bench', 'results');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? 2_000);
const WARMUP = 200;
const SLOW_UPSTREAM_MS = 300;
const TARGETS = { zipKB: 100, coldRatio: 1.5, warmP50Ms: 0.5, batchRatio: 2 };

type Outcome = { result?: unknown; error?: string };
interface FunctionBench {
  /** A fresh event; `i` keeps ids, instances and keys apart. */
  event: (i: number) => unknown;
  /** What a successful answer looks like. */
  succeeded: (outcome: Outcome) => boolean;
  env?: Record<string, string>;
}

const request = (i: number) => ({ engine: 'dds', instanceId: `bench-instance-${i}`, name: 'bench-backup' });
const scheduleTargets = (count: number) =>
  JSON.stringify(Array.from({ length: count }, (_, i) => ({ engine: i % 2 ? 'mysql' : 'dds', instanceId: `bench-target-${i}`, namePrefix: 'bench' })));
const statusIs = (status: number) => ({ result }: Outcome) => (result as { statusCode?: number } | undefined)?.statusCode === status;

const FUNCTIONS: Record<string, FunctionBench> = {
  createBackup: { event: (i) => httpEvent({ body: request(i) }), succeeded: statusIs(202) },
  createBackupFromQueue: {
    event: (i) => sqsEvent(sqsRecord({ body: request(i) })),
    succeeded: ({ result }) => (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures?.length === 0,
  },
  scheduledBackups: {
    event: () => scheduledEvent(),
    succeeded: ({ error }) => error === undefined,
    env: { BACKUP_SCHEDULE_TARGETS: scheduleTargets(1) },
  },
  slackCommand: {
    event: (i) => slackCommandEvent({ text: `dds bench-instance-${i} bench-backup` }),
    succeeded: ({ result }) => statusIs(200)({ result }) && String((result as { body: string }).body).includes('in_channel'),
  },
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const median = (values: number[]) => percentile(values, 50);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

function packageFunctions(): Record<string, { zipBytes: number; jsBytes: number; bundle: string }> {
  execFileSync('npx', ['serverless', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const packaged: Record<string, { zipBytes: number; jsBytes: number; bundle: string }> = {};
  for (const zip of readdirSync(join(ROOT, '.serverless')).filter((file) => file.endsWith('.zip'))) {
    const name = zip.replace(/\.zip$/, '');
    const dir = join(WORK, name);
    execFileSync('unzip', ['-q', '-o', join(ROOT, '.serverless', zip), '-d', dir]);
    const bundle = join(dir, 'functions', name, 'handler.js');
    packaged[name] = { zipBytes: statSync(join(ROOT, '.serverless', zip)).size, jsBytes: statSync(bundle).size, bundle };
  }
  return packaged;
}

/** The floor, bundled with the functions' own esbuild settings. */
async function bundleFloor(): Promise<string> {
  const outfile = join(WORK, 'floor', 'handler.js');
  await build({
    entryPoints: [join(ROOT, 'bench', 'floor-handler.ts')],
    bundle: true,
    minifyWhitespace: true,
    minifySyntax: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile,
  });
  return outfile;
}

function runChild(mode: string, job: object, env: NodeJS.ProcessEnv): Promise<{ elapsedMs: number; output: Record<string, unknown> }> {
  const jobFile = join(WORK, `job-${process.hrtime.bigint()}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'child.cjs'), mode, jobFile], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const results = child.stdio[3] as NodeJS.ReadableStream;
    let result = '';
    let stderr = '';
    let settled = false;
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    results.on('data', (chunk) => {
      result += chunk;
      if (!settled && result.endsWith('\n')) {
        settled = true;
        const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill();
        rmSync(jobFile, { force: true });
        resolvePromise({ elapsedMs, output: JSON.parse(result) });
      }
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`${mode} child exited ${code} without a result: ${stderr}`));
    });
  });
}

function expectSuccess(name: string, outcome: Outcome): void {
  if (!FUNCTIONS[name].succeeded(outcome)) throw new Error(`${name} did not succeed: ${JSON.stringify(outcome).slice(0, 500)}`);
}

async function main(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  console.error('packaging the functions as a deploy does…');
  const packaged = packageFunctions();
  const floorBundle = await bundleFloor();
  const standIn = await startHuaweiStandIn({ ...TEST_KEYS, refuseConcurrentBackups: false, completeAfterMs: 3_600_000 });
  const dynamo = await startLocalDynamo();
  const baseEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...standInEnvironment(standIn) };
  const envOf = (name: string, idempotency = false) => ({ ...baseEnv, ...FUNCTIONS[name].env, ...(idempotency ? dynamo.env : {}) });
  const floorEvent = {
    url: standIn.url,
    path: `/v3/${TEST_KEYS.projectId}/backups`,
    body: JSON.stringify({ backup: { instance_id: 'floor', name: 'floor-backup' } }),
    ...TEST_KEYS,
  };
  const names = Object.keys(packaged);
  const unknown = names.filter((name) => !FUNCTIONS[name]);
  if (unknown.length > 0) throw new Error(`no benchmark event for ${unknown.join(', ')}`);

  // Cold starts: with idempotency off (no table), and the queue once more with its table, since there every record
  // carries a key and the first one loads the AWS SDK.
  const coldRows = [...names.map((name) => ({ name, idempotency: false })), { name: 'createBackupFromQueue', idempotency: true }];
  const label = (row: { name: string; idempotency: boolean }) => (row.idempotency ? `${row.name} + idempotency table` : row.name);
  console.error(`cold starts: ${COLD_RUNS} fresh processes each…`);
  const cold: Record<string, number[]> = { floor: [] };
  for (let run = 0; run < COLD_RUNS; run++) {
    cold.floor.push((await runChild('cold', { bundle: floorBundle, event: floorEvent, functionName: 'floor' }, baseEnv)).elapsedMs);
    for (const row of coldRows) {
      const { elapsedMs, output } = await runChild('cold', { bundle: packaged[row.name].bundle, event: FUNCTIONS[row.name].event(run), functionName: row.name }, envOf(row.name, row.idempotency));
      expectSuccess(row.name, output);
      (cold[label(row)] ??= []).push(elapsedMs);
    }
  }

  console.error(`warm overhead: ${WARM_REQUESTS} requests per function…`);
  const warm: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const events = Array.from({ length: WARMUP + WARM_REQUESTS }, (_, i) => FUNCTIONS[name].event(i));
    const { output } = await runChild('warm', { bundle: packaged[name].bundle, floorBundle, floorEvent, events, warmup: WARMUP, functionName: name }, envOf(name));
    expectSuccess(name, output.last as Outcome);
    warm[name] = output as Record<string, number>;
  }

  console.error(`batches against an upstream that answers after ${SLOW_UPSTREAM_MS} ms…`);
  standIn.setLatency(SLOW_UPSTREAM_MS);
  const queueBatch = await runChild(
    'timed',
    {
      bundle: packaged.createBackupFromQueue.bundle,
      functionName: 'createBackupFromQueue',
      timeoutMs: 60_000,
      warmupEvent: sqsEvent(sqsRecord({ body: request(-1) })),
      event: sqsEvent(...Array.from({ length: 10 }, (_, i) => sqsRecord({ body: request(1_000 + i) }))),
    },
    envOf('createBackupFromQueue', true),
  );
  expectSuccess('createBackupFromQueue', queueBatch.output);
  const scheduleRun = await runChild(
    'timed',
    { bundle: packaged.scheduledBackups.bundle, functionName: 'scheduledBackups', timeoutMs: 300_000, warmupEvent: scheduledEvent(), event: scheduledEvent() },
    { ...envOf('scheduledBackups', true), BACKUP_SCHEDULE_TARGETS: scheduleTargets(20) },
  );
  expectSuccess('scheduledBackups', scheduleRun.output);
  standIn.setLatency(0);
  const batches = [
    { batch: 'queue batch of 10 records', wallMs: round(queueBatch.output.wallMs as number, 0) },
    { batch: 'schedule of 20 targets', wallMs: round(scheduleRun.output.wallMs as number, 0) },
  ].map((b) => ({ ...b, floorMs: SLOW_UPSTREAM_MS, oneByOneMs: b.batch.includes('20') ? 20 * SLOW_UPSTREAM_MS : 10 * SLOW_UPSTREAM_MS, ratio: round(b.wallMs / SLOW_UPSTREAM_MS) }));

  console.error('load: 500 HTTP requests, 50 at a time…');
  standIn.reset();
  const loadEvents = Array.from({ length: 500 }, (_, i) => FUNCTIONS.createBackup.event(i));
  const { output: load } = await runChild('load', { bundle: packaged.createBackup.bundle, events: loadEvents, concurrency: 50, functionName: 'createBackup' }, envOf('createBackup'));
  const created = standIn.backups();
  const statuses = load.statuses as Record<string, number>;
  const loadResult = {
    requests: 500,
    concurrency: 50,
    answered: load.answered as number,
    created: created.length,
    duplicates: created.length - new Set(created.map((b) => b.instanceId)).size,
    failures: 500 - (statuses['202'] ?? 0),
    throughputPerSecond: round((500 / (load.wallMs as number)) * 1000, 0),
    p50Ms: round(load.p50 as number),
    p99Ms: round(load.p99 as number),
  };
  await Promise.all([standIn.close(), dynamo.close()]);

  const floorMedian = median(cold.floor);
  const rows = coldRows.map((row) => {
    const samples = cold[label(row)];
    return {
      function: label(row),
      zipKB: round(packaged[row.name].zipBytes / 1024, 1),
      jsKB: round(packaged[row.name].jsBytes / 1024, 1),
      coldMedianMs: round(median(samples), 1),
      coldP90Ms: round(percentile(samples, 90), 1),
      coldRatio: round(median(samples) / floorMedian),
      warmOverheadP50Ms: row.idempotency ? undefined : round(warm[row.name].overheadP50, 3),
      warmOverheadP99Ms: row.idempotency ? undefined : round(warm[row.name].overheadP99, 3),
    };
  });
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length },
    targets: TARGETS,
    floor: { coldMedianMs: round(floorMedian, 1), coldP90Ms: round(percentile(cold.floor, 90), 1) },
    functions: rows,
    batches,
    load: loadResult,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

  const mark = (ok: boolean) => (ok ? '✅' : '❌');
  const loadOk = loadResult.answered === 500 && loadResult.created === 500 && loadResult.duplicates === 0 && loadResult.failures === 0;
  console.log(
    [
      `| function | zip KB (< ${TARGETS.zipKB}) | bundle KB | cold median / p90 ms | cold vs floor (< ${TARGETS.coldRatio}×) | warm overhead p50 (< ${TARGETS.warmP50Ms} ms) / p99 ms |`,
      '|---|---|---|---|---|---|',
      `| floor: bare signed round-trip | — | — | ${results.floor.coldMedianMs} / ${results.floor.coldP90Ms} | 1.00× | — |`,
      ...rows.map(
        (r) =>
          `| ${r.function} | ${r.zipKB} ${mark(r.zipKB < TARGETS.zipKB)} | ${r.jsKB} | ${r.coldMedianMs} / ${r.coldP90Ms} | ${r.coldRatio}× ${mark(r.coldRatio < TARGETS.coldRatio)} | ${
            r.warmOverheadP50Ms === undefined ? '—' : `${r.warmOverheadP50Ms} ${mark(r.warmOverheadP50Ms < TARGETS.warmP50Ms)} / ${r.warmOverheadP99Ms}`
          } |`,
      ),
      '',
      `| batch, upstream answers after ${SLOW_UPSTREAM_MS} ms | wall ms | floor: one round-trip | one by one | vs floor (< ${TARGETS.batchRatio}×) |`,
      '|---|---|---|---|---|',
      ...batches.map((b) => `| ${b.batch} | ${b.wallMs} | ${b.floorMs} | ${b.oneByOneMs} | ${b.ratio}× ${mark(b.ratio < TARGETS.batchRatio)} |`),
      '',
      '| load: 500 requests, 50 at a time, one process | answered | backups created | duplicates | failures | throughput | p50 / p99 ms |',
      '|---|---|---|---|---|---|---|',
      `| createBackup | ${loadResult.answered} | ${loadResult.created} | ${loadResult.duplicates} | ${loadResult.failures} ${mark(loadOk)} | ${loadResult.throughputPerSecond}/s | ${loadResult.p50Ms} / ${loadResult.p99Ms} |`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
