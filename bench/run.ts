import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { httpEvent, TEST_KEYS } from '../test/support/fixtures';

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
const TARGETS = { zipKB: 100, coldRatio: 1.5, warmP50Ms: 0.5, batchRatio: 2 };

interface FunctionBench {
  event: (standIn: HuaweiStandIn, i: number) => unknown;
  okStatus: number[];
}

const DDS_REQUEST = { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02', name: 'bench-backup' };
const FUNCTIONS: Record<string, FunctionBench> = {
  createBackup: { event: (_, i) => httpEvent({ body: { ...DDS_REQUEST, instanceId: `bench-${i}` } }), okStatus: [202] },
};

const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
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

async function bundleFloor(): Promise<string> {
  const outfile = join(WORK, 'floor', 'handler.js');
  await build({
    entryPoints: [join(ROOT, 'bench', 'floor-handler.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
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
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'child.cjs'), mode, jobFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('{"') && !l.startsWith('{"level"'));
      if (line && stdout.endsWith('\n')) {
        const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill();
        rmSync(jobFile, { force: true });
        resolvePromise({ elapsedMs, output: JSON.parse(line) });
      }
    });
    child.on('exit', (code) => {
      if (code) reject(new Error(`${mode} child failed (${code}): ${stderr}`));
    });
  });
}

async function main(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  console.error('packaging the functions as a deploy does…');
  const packaged = packageFunctions();
  const floorBundle = await bundleFloor();
  const standIn = await startHuaweiStandIn({ ...TEST_KEYS, refuseConcurrentBackups: false, completeAfterMs: 3_600_000 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HUAWEICLOUD_SDK_AK: TEST_KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: TEST_KEYS.secretKey,
    HUAWEICLOUD_SDK_PROJECT_ID: TEST_KEYS.projectId,
    HUAWEICLOUD_REGION: 'cn-north-4',
    HUAWEICLOUD_DDS_ENDPOINT: standIn.url,
    HUAWEICLOUD_RDS_ENDPOINT: standIn.url,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(WEBHOOK|SLACK)_/.test(name))),
  };
  const floorEvent = {
    url: standIn.url,
    path: `/v3/${TEST_KEYS.projectId}/backups`,
    body: JSON.stringify({ backup: { instance_id: 'floor', name: 'floor-backup' } }),
    ...TEST_KEYS,
  };
  const names = Object.keys(FUNCTIONS).filter((name) => packaged[name]);
  const missing = Object.keys(packaged).filter((name) => !FUNCTIONS[name]);
  if (missing.length > 0) throw new Error(`no benchmark event for ${missing.join(', ')}`);

  console.error(`cold starts: ${COLD_RUNS} fresh processes per function…`);
  const cold: Record<string, number[]> = { floor: [], ...Object.fromEntries(names.map((name) => [name, [] as number[]])) };
  for (let run = 0; run < COLD_RUNS; run++) {
    cold.floor.push((await runChild('cold', { bundle: floorBundle, event: floorEvent, functionName: 'floor' }, env)).elapsedMs);
    for (const name of names) {
      const { elapsedMs, output } = await runChild('cold', { bundle: packaged[name].bundle, event: FUNCTIONS[name].event(standIn, run), functionName: name }, env);
      if (output.statusCode !== undefined && !FUNCTIONS[name].okStatus.includes(output.statusCode as number)) {
        throw new Error(`${name} answered ${output.statusCode} on a cold start`);
      }
      cold[name].push(elapsedMs);
    }
  }

  console.error(`warm overhead: ${WARM_REQUESTS} requests per function…`);
  const warm: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const { output } = await runChild(
      'warm',
      { bundle: packaged[name].bundle, floorBundle, floorEvent, event: FUNCTIONS[name].event(standIn, 0), functionName: name, warmup: 200, requests: WARM_REQUESTS, okStatus: FUNCTIONS[name].okStatus },
      env,
    );
    warm[name] = output as Record<string, number>;
  }

  console.error('load: 500 HTTP requests, 50 at a time…');
  standIn.reset();
  const loadEvents = Array.from({ length: 500 }, (_, i) => FUNCTIONS.createBackup.event(standIn, i));
  const { output: load } = await runChild('load', { bundle: packaged.createBackup.bundle, events: loadEvents, concurrency: 50, functionName: 'createBackup' }, env);
  const created = standIn.backups();
  const duplicates = created.length - new Set(created.map((b) => b.instanceId)).size;
  const loadResult = {
    requests: 500,
    concurrency: 50,
    answered: load.answered as number,
    created: created.length,
    duplicates,
    failures: 500 - ((load.statuses as Record<string, number>)['202'] ?? 0),
    throughputPerSecond: round((500 / (load.wallMs as number)) * 1000, 0),
    p50Ms: round(load.p50 as number),
    p99Ms: round(load.p99 as number),
  };
  await standIn.close();

  const floorMedian = median(cold.floor);
  const rows = names.map((name) => {
    const coldMedian = median(cold[name]);
    return {
      function: name,
      zipKB: round(packaged[name].zipBytes / 1024, 1),
      jsKB: round(packaged[name].jsBytes / 1024, 1),
      coldMedianMs: round(coldMedian, 1),
      coldP90Ms: round(percentile(cold[name], 90), 1),
      coldRatio: round(coldMedian / floorMedian),
      warmOverheadP50Ms: round(warm[name].gatewayP50 - warm[name].bareP50, 3),
      warmOverheadP99Ms: round(warm[name].gatewayP99 - warm[name].bareP99, 3),
    };
  });
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    targets: TARGETS,
    floor: { coldMedianMs: round(floorMedian, 1), coldP90Ms: round(percentile(cold.floor, 90), 1) },
    functions: rows,
    load: loadResult,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

  const mark = (ok: boolean) => (ok ? '✅' : '❌');
  const lines = [
    `| function | zip KB (< ${TARGETS.zipKB}) | bundle KB | cold median / p90 ms | cold vs floor (< ${TARGETS.coldRatio}×) | warm overhead p50 (< ${TARGETS.warmP50Ms} ms) / p99 ms |`,
    '|---|---|---|---|---|---|',
    `| floor (bare signed round-trip) | — | — | ${results.floor.coldMedianMs} / ${results.floor.coldP90Ms} | 1.00× | — |`,
    ...rows.map(
      (r) =>
        `| ${r.function} | ${r.zipKB} ${mark(r.zipKB < TARGETS.zipKB)} | ${r.jsKB} | ${r.coldMedianMs} / ${r.coldP90Ms} | ${r.coldRatio}× ${mark(r.coldRatio < TARGETS.coldRatio)} | ${r.warmOverheadP50Ms} ${mark(r.warmOverheadP50Ms < TARGETS.warmP50Ms)} / ${r.warmOverheadP99Ms} |`,
    ),
    '',
    '| load: 500 requests, 50 at a time | answered | backups created | duplicates | failures | throughput | p50 / p99 ms |',
    '|---|---|---|---|---|---|---|',
    `| createBackup, in one process | ${loadResult.answered} | ${loadResult.created} | ${loadResult.duplicates} | ${loadResult.failures} ${mark(loadResult.answered === 500 && loadResult.created === 500 && loadResult.duplicates === 0 && loadResult.failures === 0)} | ${loadResult.throughputPerSecond}/s | ${loadResult.p50Ms} / ${loadResult.p99Ms} |`,
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
