import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamodb';
import { scheduledEvent, sqsEvent, sqsRecord } from '../local/events';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { startFakeSecretsManager } from '../test/support/fake-secrets-manager';
import {
  httpEvent,
  slackCommandEvent,
  standInEnvironment,
  TEST_KEYS,
  TEST_SIGNING_SECRETS,
  TEST_SLACK_ALLOWED,
} from '../test/support/fixtures';
import type { FloorEvent } from './floor-handler';
import { selfSignedCertificate, startTlsProxy, type TlsProxy } from './tls';

/**
 * `npm run bench`: packages the functions as a deploy does, then measures, per function, the handler's size, the
 * JavaScript loaded at cold start, the cold start against a bare floor and the warm overhead — first in the
 * deployed configuration (the headline), then in the plain one — and then batch throughput and load. It prints
 * Markdown tables beside the targets; bench/results/latest.json holds the same figures.
 */
const ROOT = resolve(__dirname, '..');
const WORK = join(ROOT, '.bench');
const RESULTS = join(ROOT, 'bench', 'results');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? 2_000);
const WARMUP = 200;
const SLOW_UPSTREAM_MS = 300;
/** Reported with ✅/❌, not asserted: the machine is shared, and one noisy run must not fail anything. */
const TARGETS = { loadedKB: 100, coldRatio: 1.5, warmP50Ms: 0.3, batchRatio: 2 };

/** What deployed functions read from Secrets Manager; the bench signs its events with these same signing secrets. */
const SECRETS = {
  huaweiCredentials: {
    name: 'backup-gateway/bench/huaweicloud',
    value: { HUAWEICLOUD_SDK_AK: TEST_KEYS.accessKey, HUAWEICLOUD_SDK_SK: TEST_KEYS.secretKey },
  },
  signingSecrets: {
    name: 'backup-gateway/bench/signing',
    value: { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRETS.slack },
  },
};
/** Variables a deployed function must not have: its keys and signing secrets come from Secrets Manager. */
const PLAIN_SECRET_VARIABLES = [
  'HUAWEICLOUD_SDK_AK',
  'HUAWEICLOUD_SDK_SK',
  'WEBHOOK_SIGNING_SECRET',
  'SLACK_SIGNING_SECRET',
];

const DEPLOYED_DESCRIPTION =
  '**Deployed configuration** (headline). The Huawei keys and the signing secrets come from a Secrets Manager ' +
  'stand-in on loopback (one `GetSecretValue` per secret; neither is in the environment), the idempotency table is ' +
  'on (dynalite; HTTP requests carry an `Idempotency-Key`), and the Huawei stand-in is reached over HTTPS through a ' +
  'TLS-terminating proxy whose self-signed certificate is trusted through `NODE_EXTRA_CA_CERTS`. ' +
  '**Floor:** the same signed DDS call over HTTPS through the same proxy, trusting the same certificate ' +
  '(bare `node:https` with a keep-alive agent; no secrets, no DynamoDB, no framework).';
const PLAIN_DESCRIPTION =
  '**Plain configuration.** Keys and signing secrets in variables, no idempotency table (unless the row says so), ' +
  'Huawei stand-in over plain HTTP. **Floor:** the same signed DDS call over HTTP (bare `node:http` with a ' +
  'keep-alive agent).';

type Env = NodeJS.ProcessEnv;
type Outcome = { result?: unknown; error?: string };
interface FunctionBench {
  /** A fresh event; `id` keeps instances, messages and idempotency keys apart across every phase of the run. */
  event: (id: number) => unknown;
  /** What a successful answer looks like. */
  succeeded: (outcome: Outcome) => boolean;
  env?: Record<string, string>;
}

const request = (id: number) => ({ engine: 'dds', instanceId: `bench-instance-${id}`, name: 'bench-backup' });
const scheduleTargets = (count: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      engine: i % 2 ? 'mysql' : 'dds',
      instanceId: `bench-target-${i}`,
      namePrefix: 'bench',
    })),
  );
const statusIs =
  (status: number) =>
  ({ result }: Outcome) =>
    (result as { statusCode?: number } | undefined)?.statusCode === status;
const noFailedRecords = ({ result }: Outcome) =>
  (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures?.length === 0;
const postedInChannel = ({ result }: Outcome) =>
  statusIs(200)({ result }) && String((result as { body: string }).body).includes('in_channel');

const FUNCTIONS: Record<string, FunctionBench> = {
  // A webhook client that retries sends a key; with the table on, that is what puts DynamoDB on the HTTP path.
  createBackup: {
    event: (id) => httpEvent({ body: request(id), headers: { 'idempotency-key': `bench-${id}` } }),
    succeeded: statusIs(202),
  },
  createBackupFromQueue: {
    event: (id) => sqsEvent(sqsRecord({ body: request(id) })),
    succeeded: noFailedRecords,
  },
  scheduledBackups: {
    event: () => scheduledEvent(),
    succeeded: ({ error }) => error === undefined,
    env: { BACKUP_SCHEDULE_TARGETS: scheduleTargets(1) },
  },
  slackCommand: {
    event: (id) => slackCommandEvent({ text: `dds bench-instance-${id} bench-backup` }),
    succeeded: postedInChannel,
  },
};
const floorSucceeded = statusIs(200);

let lastEventId = 0;
const nextEventId = () => ++lastEventId;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const median = (values: number[]) => percentile(values, 50);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const kilobytes = (bytes: number) => round(bytes / 1024, 1);
const mark = (ok: boolean) => (ok ? '✅' : '❌');

interface PackagedFunction {
  zipBytes: number;
  /** The bundled `functions/<name>/handler.js` in the zip. */
  handlerBytes: number;
  bundle: string;
}

function packageFunctions(): Record<string, PackagedFunction> {
  execFileSync('npx', ['serverless', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const packaged: Record<string, PackagedFunction> = {};
  for (const zip of readdirSync(join(ROOT, '.serverless')).filter((file) => file.endsWith('.zip'))) {
    const name = zip.replace(/\.zip$/, '');
    const dir = join(WORK, name);
    execFileSync('unzip', ['-q', '-o', join(ROOT, '.serverless', zip), '-d', dir]);
    const bundle = join(dir, 'functions', name, 'handler.js');
    const zipBytes = statSync(join(ROOT, '.serverless', zip)).size;
    packaged[name] = { zipBytes, handlerBytes: statSync(bundle).size, bundle };
  }
  return packaged;
}

/** The floor, bundled with the functions' own esbuild settings (serverless.yml, `custom.esbuild`). */
async function bundleFloor(): Promise<string> {
  const outfile = join(WORK, 'floor', 'handler.js');
  await build({
    entryPoints: [join(ROOT, 'bench', 'floor-handler.ts')],
    bundle: true,
    minify: true,
    keepNames: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile,
  });
  return outfile;
}

type ChildRun = { elapsedMs: number; output: Record<string, unknown> };

/** Runs bench/child.cjs in a fresh process; `elapsedMs` is spawn → its answer. */
function runChild(mode: string, job: object, env: Env): Promise<ChildRun> {
  const jobFile = join(WORK, `job-${process.hrtime.bigint()}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'child.cjs'), mode, jobFile], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
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

/** Spawn → exit of a Node process that runs nothing. */
function emptyProcessMs(env: Env): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', ''], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolvePromise(Number(process.hrtime.bigint() - started) / 1e6));
  });
}

function expectSuccess(what: string, succeeded: (outcome: Outcome) => boolean, outcome: Outcome): void {
  if (!succeeded(outcome)) throw new Error(`${what} did not succeed: ${JSON.stringify(outcome).slice(0, 500)}`);
}

interface ScenarioRow {
  label: string;
  name: string;
  env: Env;
  /** Whether warm overhead is measured too (once per function and scenario). */
  measureWarm: boolean;
}

/** One way of running the functions: an environment per row, and the floor they are compared with. */
interface Scenario {
  key: 'deployed' | 'plain';
  description: string;
  floorEnv: Env;
  floorEvent: FloorEvent;
  rows: ScenarioRow[];
}

const floorEventFor = (url: string): FloorEvent => ({
  url,
  path: `/v3/${TEST_KEYS.projectId}/backups`,
  body: JSON.stringify({ backup: { instance_id: 'floor', name: 'floor-backup' } }),
  ...TEST_KEYS,
});

/** The environment of a deployed function, as serverless.yml and the Lambda runtime set it, endpoints on loopback. */
function deployedEnvironment(huaweiUrl: string, secretsManagerUrl: string, dynamo: LocalDynamo, caFile: string): Env {
  const env: Env = {
    PATH: process.env.PATH,
    HUAWEICLOUD_SDK_PROJECT_ID: TEST_KEYS.projectId,
    HUAWEICLOUD_REGION: 'cn-north-4',
    HUAWEICLOUD_DDS_ENDPOINT: huaweiUrl,
    HUAWEICLOUD_RDS_ENDPOINT: huaweiUrl,
    HUAWEICLOUD_CREDENTIALS_SECRET: SECRETS.huaweiCredentials.name,
    SIGNING_SECRETS_SECRET: SECRETS.signingSecrets.name,
    SLACK_ALLOWED_USERS: TEST_SLACK_ALLOWED.user,
    SLACK_ALLOWED_CHANNELS: TEST_SLACK_ALLOWED.channel,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...dynamo.env,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManagerUrl,
    // Set by the Lambda runtime; the stand-ins check no AWS signature, so any values do.
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    NODE_EXTRA_CA_CERTS: caFile,
  };
  const leaked = PLAIN_SECRET_VARIABLES.filter((name) => env[name] !== undefined);
  if (leaked.length > 0) throw new Error(`the deployed configuration must not set ${leaked.join(', ')}`);
  return env;
}

/** What every measurement runs against. */
interface Bench {
  packaged: Record<string, PackagedFunction>;
  floorBundle: string;
  standIn: HuaweiStandIn;
  /** The Huawei stand-in behind TLS. */
  tls: TlsProxy;
  caFile: string;
}

const EMPTY_PROCESS = 'empty process';
const EMPTY_PROCESS_WITH_CA = 'empty process with NODE_EXTRA_CA_CERTS';

/**
 * Spawn → first answer, `COLD_RUNS` times per row; each run measures every scenario's floor beside its rows, so
 * that a noisy moment lands on both. Each run also starts two empty processes, with and without
 * `NODE_EXTRA_CA_CERTS`: Node 20 reads its whole CA store at start-up when that variable is set, a cost the
 * deployed rows and their floor pay but a function that calls public endpoints does not.
 */
async function measureColdStarts(scenarios: Scenario[], { packaged, floorBundle, caFile }: Bench) {
  const samples = new Map<string, number[]>();
  const loadedFiles = new Map<string, string[]>();
  const add = (key: string, ms: number) => samples.set(key, [...(samples.get(key) ?? []), ms]);
  for (let run = 0; run < COLD_RUNS; run++) {
    add(EMPTY_PROCESS, await emptyProcessMs({ PATH: process.env.PATH }));
    add(EMPTY_PROCESS_WITH_CA, await emptyProcessMs({ PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: caFile }));
    for (const scenario of scenarios) {
      const floorJob = { bundle: floorBundle, event: scenario.floorEvent, functionName: 'floor' };
      const floor = await runChild('cold', floorJob, scenario.floorEnv);
      expectSuccess(`${scenario.key} floor`, floorSucceeded, floor.output);
      add(`${scenario.key}/floor`, floor.elapsedMs);
      for (const row of scenario.rows) {
        const event = FUNCTIONS[row.name].event(nextEventId());
        const job = { bundle: packaged[row.name].bundle, event, functionName: row.name };
        const { elapsedMs, output } = await runChild('cold', job, row.env);
        expectSuccess(`${row.label} (${scenario.key})`, FUNCTIONS[row.name].succeeded, output);
        add(`${scenario.key}/${row.label}`, elapsedMs);
        loadedFiles.set(`${scenario.key}/${row.label}`, output.loadedAtLoad as string[]);
      }
    }
  }
  return { samples, loadedFiles };
}

type WarmFigures = { overheadP50: number; overheadP99: number };

/**
 * Function and floor alternate in one process, request by request; the overhead is their difference. The stand-in
 * is emptied after each function, and the TLS connections each deployed run opened show whether keep-alive held.
 */
async function measureWarmOverhead(scenarios: Scenario[], { packaged, floorBundle, standIn, tls }: Bench) {
  const figures = new Map<string, WarmFigures>();
  const deployedTlsConnections: Record<string, number> = {};
  for (const scenario of scenarios) {
    for (const row of scenario.rows.filter((r) => r.measureWarm)) {
      const events = Array.from({ length: WARMUP + WARM_REQUESTS }, () => FUNCTIONS[row.name].event(nextEventId()));
      const connectionsBefore = tls.connections;
      const job = { bundle: packaged[row.name].bundle, functionName: row.name, events, warmup: WARMUP };
      const { output } = await runChild('warm', { ...job, floorBundle, floorEvent: scenario.floorEvent }, row.env);
      expectSuccess(`${row.label} (${scenario.key}, warm)`, FUNCTIONS[row.name].succeeded, output.last as Outcome);
      expectSuccess(`${scenario.key} floor (warm)`, floorSucceeded, output.lastFloor as Outcome);
      figures.set(`${scenario.key}/${row.label}`, output as WarmFigures);
      if (scenario.key === 'deployed') deployedTlsConnections[row.name] = tls.connections - connectionsBefore;
      standIn.reset();
    }
  }
  return { figures, deployedTlsConnections };
}

/** A queue batch and a schedule run against a slow upstream: done at once, they take about one round-trip. */
async function measureBatches({ packaged, standIn }: Bench, env: (name: string) => Env) {
  standIn.setLatency(SLOW_UPSTREAM_MS);
  const queueJob = {
    bundle: packaged.createBackupFromQueue.bundle,
    functionName: 'createBackupFromQueue',
    timeoutMs: 60_000,
    warmupEvent: FUNCTIONS.createBackupFromQueue.event(nextEventId()),
    event: sqsEvent(...Array.from({ length: 10 }, () => sqsRecord({ body: request(nextEventId()) }))),
  };
  const queueBatch = await runChild('timed', queueJob, env('createBackupFromQueue'));
  expectSuccess('createBackupFromQueue batch', FUNCTIONS.createBackupFromQueue.succeeded, queueBatch.output);
  standIn.reset();
  const scheduleJob = {
    bundle: packaged.scheduledBackups.bundle,
    functionName: 'scheduledBackups',
    timeoutMs: 300_000,
    warmupEvent: scheduledEvent(),
    event: scheduledEvent(),
  };
  const scheduleEnv = { ...env('scheduledBackups'), BACKUP_SCHEDULE_TARGETS: scheduleTargets(20) };
  const scheduleRun = await runChild('timed', scheduleJob, scheduleEnv);
  expectSuccess('scheduledBackups run', FUNCTIONS.scheduledBackups.succeeded, scheduleRun.output);
  standIn.setLatency(0);
  standIn.reset();
  const figures = (batch: string, run: ChildRun, upstreamCalls: number) => {
    const wallMs = round(run.output.wallMs as number, 0);
    const oneByOneMs = upstreamCalls * SLOW_UPSTREAM_MS;
    return { batch, wallMs, floorMs: SLOW_UPSTREAM_MS, oneByOneMs, ratio: round(wallMs / SLOW_UPSTREAM_MS) };
  };
  return [figures('queue batch of 10 records', queueBatch, 10), figures('schedule of 20 targets', scheduleRun, 20)];
}

/** 500 signed HTTP requests, 50 at a time, through one warm createBackup: every one creates exactly one backup. */
async function measureLoad({ packaged, standIn }: Bench, env: Env) {
  const requests = 500;
  const concurrency = 50;
  const events = Array.from({ length: requests }, () => FUNCTIONS.createBackup.event(nextEventId()));
  const job = { bundle: packaged.createBackup.bundle, events, concurrency, functionName: 'createBackup' };
  const { output } = await runChild('load', job, env);
  const created = standIn.backups();
  const statuses = output.statuses as Record<string, number>;
  return {
    requests,
    concurrency,
    answered: output.answered as number,
    created: created.length,
    duplicates: created.length - new Set(created.map((b) => b.instanceId)).size,
    failures: requests - (statuses['202'] ?? 0),
    throughputPerSecond: round((requests / (output.wallMs as number)) * 1000, 0),
    p50Ms: round(output.p50 as number),
    p99Ms: round(output.p99 as number),
  };
}

interface FunctionRow {
  function: string;
  zipKB: number;
  handlerKB: number;
  loadedAtColdStartKB: number;
  coldMedianMs: number;
  coldP90Ms: number;
  coldRatio: number;
  warmOverheadP50Ms?: number;
  warmOverheadP99Ms?: number;
}

interface ScenarioTable {
  scenario: Scenario['key'];
  description: string;
  floor: { coldMedianMs: number; coldP90Ms: number };
  functions: FunctionRow[];
}

const markdownRow = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;

function functionTable(table: ScenarioTable): string[] {
  return [
    markdownRow([
      'function',
      'zip KB',
      'handler.js KB',
      `JS loaded at cold start KB (≤ ${TARGETS.loadedKB})`,
      'cold median / p90 ms',
      `cold vs floor (≤ ${TARGETS.coldRatio}×)`,
      `warm overhead p50 (≤ ${TARGETS.warmP50Ms} ms) / p99 ms`,
    ]),
    '|---|---|---|---|---|---|---|',
    markdownRow(['floor', '—', '—', '—', `${table.floor.coldMedianMs} / ${table.floor.coldP90Ms}`, '1.00×', '—']),
    ...table.functions.map((r) =>
      markdownRow([
        r.function,
        r.zipKB,
        r.handlerKB,
        `${r.loadedAtColdStartKB} ${mark(r.loadedAtColdStartKB <= TARGETS.loadedKB)}`,
        `${r.coldMedianMs} / ${r.coldP90Ms}`,
        `${r.coldRatio}× ${mark(r.coldRatio <= TARGETS.coldRatio)}`,
        r.warmOverheadP50Ms === undefined
          ? '—'
          : `${r.warmOverheadP50Ms} ${mark(r.warmOverheadP50Ms <= TARGETS.warmP50Ms)} / ${r.warmOverheadP99Ms}`,
      ]),
    ),
  ];
}

async function main(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  console.error('packaging the functions as a deploy does…');
  const packaged = packageFunctions();
  const floorBundle = await bundleFloor();
  const names = Object.keys(packaged);
  const unknown = names.filter((name) => !FUNCTIONS[name]);
  if (unknown.length > 0) throw new Error(`no benchmark event for ${unknown.join(', ')}`);

  // Backups never complete during the run, and none is refused for another in progress: every request creates one.
  const standIn = await startHuaweiStandIn({
    ...TEST_KEYS,
    refuseConcurrentBackups: false,
    completeAfterMs: 3_600_000,
  });
  const dynamo = await startLocalDynamo();
  const secretsManager = await startFakeSecretsManager({
    [SECRETS.huaweiCredentials.name]: JSON.stringify(SECRETS.huaweiCredentials.value),
    [SECRETS.signingSecrets.name]: JSON.stringify(SECRETS.signingSecrets.value),
  });
  const certificate = selfSignedCertificate(WORK);
  const huaweiOverTls = await startTlsProxy(standIn.url, certificate);
  const bench: Bench = { packaged, floorBundle, standIn, tls: huaweiOverTls, caFile: certificate.certFile };

  const plainEnv: Env = { PATH: process.env.PATH, ...standInEnvironment(standIn) };
  const deployedEnv = deployedEnvironment(huaweiOverTls.url, secretsManager.url, dynamo, certificate.certFile);
  const withOwnEnv = (name: string, env: Env): Env => ({ ...env, ...FUNCTIONS[name].env });
  const plainWithTable = (name: string): Env => withOwnEnv(name, { ...plainEnv, ...dynamo.env });
  const scenarios: Scenario[] = [
    {
      key: 'deployed',
      description: DEPLOYED_DESCRIPTION,
      floorEnv: deployedEnv,
      floorEvent: floorEventFor(huaweiOverTls.url),
      rows: names.map((name) => ({ label: name, name, env: withOwnEnv(name, deployedEnv), measureWarm: true })),
    },
    {
      key: 'plain',
      description: PLAIN_DESCRIPTION,
      floorEnv: plainEnv,
      floorEvent: floorEventFor(standIn.url),
      rows: [
        ...names.map((name) => ({ label: name, name, env: withOwnEnv(name, plainEnv), measureWarm: true })),
        // What the idempotency table alone adds to a cold start, without secrets or TLS (every queue record has a key).
        {
          label: 'createBackupFromQueue + idempotency table',
          name: 'createBackupFromQueue',
          env: plainWithTable('createBackupFromQueue'),
          measureWarm: false,
        },
      ],
    },
  ];

  console.error(`cold starts: ${COLD_RUNS} fresh processes per row…`);
  const cold = await measureColdStarts(scenarios, bench);
  // The deployed rows must have measured what they claim to: secrets read from Secrets Manager, Huawei over TLS.
  const secretsRead = new Set(
    secretsManager.calls.filter((call) => call.target === 'secretsmanager.GetSecretValue').map((call) => call.secretId),
  );
  const unread = Object.values(SECRETS).filter((secret) => !secretsRead.has(secret.name));
  if (unread.length > 0) {
    throw new Error(`the deployed functions never read ${unread.map((secret) => secret.name).join(', ')}`);
  }
  if (huaweiOverTls.connections === 0) throw new Error('the deployed functions never reached Huawei over TLS');
  // The stand-in keeps every backup it created and may look through them on each request: each phase starts empty.
  standIn.reset();

  console.error(`warm overhead: ${WARM_REQUESTS} requests per function and configuration…`);
  const warm = await measureWarmOverhead(scenarios, bench);

  console.error(`batches against an upstream that answers after ${SLOW_UPSTREAM_MS} ms…`);
  const batches = await measureBatches(bench, plainWithTable);

  console.error('load: 500 HTTP requests, 50 at a time…');
  const load = await measureLoad(bench, withOwnEnv('createBackup', plainEnv));
  await Promise.all([huaweiOverTls.close(), standIn.close(), dynamo.close(), secretsManager.close()]);

  const loadedBytes = (files: string[]) => files.reduce((total, file) => total + statSync(file).size, 0);
  const tables: ScenarioTable[] = scenarios.map((scenario) => {
    const floorSamples = cold.samples.get(`${scenario.key}/floor`) ?? [];
    const functions = scenario.rows.map((row): FunctionRow => {
      const key = `${scenario.key}/${row.label}`;
      const samples = cold.samples.get(key) ?? [];
      const warmFigures = warm.figures.get(key);
      return {
        function: row.label,
        zipKB: kilobytes(packaged[row.name].zipBytes),
        handlerKB: kilobytes(packaged[row.name].handlerBytes),
        loadedAtColdStartKB: kilobytes(loadedBytes(cold.loadedFiles.get(key) ?? [])),
        coldMedianMs: round(median(samples), 1),
        coldP90Ms: round(percentile(samples, 90), 1),
        coldRatio: round(median(samples) / median(floorSamples)),
        ...(warmFigures && {
          warmOverheadP50Ms: round(warmFigures.overheadP50, 3),
          warmOverheadP99Ms: round(warmFigures.overheadP99, 3),
        }),
      };
    });
    const floor = { coldMedianMs: round(median(floorSamples), 1), coldP90Ms: round(percentile(floorSamples, 90), 1) };
    return { scenario: scenario.key, description: scenario.description, floor, functions };
  });
  const [deployed, ...secondary] = tables;
  const medianOf = (key: string) => median(cold.samples.get(key) ?? []);
  const extraCaStartupMs = round(medianOf(EMPTY_PROCESS_WITH_CA) - medianOf(EMPTY_PROCESS), 1);
  const deployedCreateBackup = deployed.functions.find((row) => row.function === 'createBackup');
  // createBackup against the floor once the start-up cost of the bench's own CA file is taken from both.
  const withoutExtraCa = (ms: number) => ms - extraCaStartupMs;
  const createBackupRatioWithoutExtraCa =
    deployedCreateBackup &&
    round(withoutExtraCa(deployedCreateBackup.coldMedianMs) / withoutExtraCa(deployed.floor.coldMedianMs));

  const results = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length },
    runs: { cold: COLD_RUNS, warmRequests: WARM_REQUESTS, warmup: WARMUP },
    targets: TARGETS,
    configurations: tables,
    deployedNotes: {
      warmTlsConnections: warm.deployedTlsConnections,
      extraCaStartupMs,
      createBackupRatioWithoutExtraCa,
    },
    batches,
    load,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

  const loadOk =
    load.answered === load.requests && load.created === load.requests && load.duplicates === 0 && load.failures === 0;
  const tlsConnections = Object.entries(warm.deployedTlsConnections).map(([name, count]) => `${count} (${name})`);
  console.log(
    [
      `Node ${process.version}, ${cpus().length} CPUs. ` +
        `Cold start: spawn → first answer, ${COLD_RUNS} fresh processes per row, the floor measured in the same run. ` +
        `Warm overhead: function − floor, ${WARM_REQUESTS} requests after ${WARMUP} of warm-up.`,
      '',
      deployed.description,
      '',
      ...functionTable(deployed),
      '',
      `- Keep-alive: the ${2 * (WARMUP + WARM_REQUESTS)} warm requests to Huawei per function (function and floor) ` +
        `went over ${tlsConnections.join(', ')} TLS connections.`,
      '- Warm overhead here includes the idempotency claim and record (two DynamoDB calls, to dynalite) of every ' +
        'request with a key: createBackup (`Idempotency-Key`), createBackupFromQueue (message id), scheduledBackups ' +
        '(tick id). Slash commands carry no key.',
      `- \`NODE_EXTRA_CA_CERTS\` alone adds ${extraCaStartupMs} ms to every Node start here (Node ${process.version} ` +
        'reads its CA store at start-up when it is set), to the floor and the functions alike; a function that calls ' +
        'public endpoints has no such variable. ' +
        `Without it, createBackup would be ${createBackupRatioWithoutExtraCa}× the floor.`,
      ...secondary.flatMap((table) => ['', table.description, '', ...functionTable(table)]),
      '',
      markdownRow([
        `batch, upstream answers after ${SLOW_UPSTREAM_MS} ms`,
        'wall ms',
        'floor: one round-trip',
        'one by one',
        `vs floor (≤ ${TARGETS.batchRatio}×)`,
      ]),
      '|---|---|---|---|---|',
      ...batches.map((b) =>
        markdownRow([b.batch, b.wallMs, b.floorMs, b.oneByOneMs, `${b.ratio}× ${mark(b.ratio <= TARGETS.batchRatio)}`]),
      ),
      '',
      markdownRow([
        `load: ${load.requests} requests, ${load.concurrency} at a time, one process`,
        'answered',
        'backups created',
        'duplicates',
        'failures',
        'throughput',
        'p50 / p99 ms',
      ]),
      '|---|---|---|---|---|---|---|',
      markdownRow([
        'createBackup',
        load.answered,
        load.created,
        load.duplicates,
        `${load.failures} ${mark(loadOk)}`,
        `${load.throughputPerSecond}/s`,
        `${load.p50Ms} / ${load.p99Ms}`,
      ]),
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
