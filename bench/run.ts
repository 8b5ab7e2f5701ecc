import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamodb';
import { startLocalEventBridge } from '../local/eventbridge';
import { scheduledEvent, sqsEvent, sqsRecord } from '../local/events';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { startLocalSlack, type LocalSlack } from '../local/slack';
import { startLocalSqs, type LocalSqs } from '../local/sqs';
import { FUNCTION_NAMES } from '../shared/config';
import { dynamoDbLedger, type Ledger } from '../shared/aws/ledger';
import { STALE_AFTER_MS } from '../shared/backup-status';
import { PAGE_SIZE } from '../shared/huawei/backup-list';
import type { TrackingRun } from '../shared/lifecycle';
import { startFakeSecretsManager } from '../test/support/fake-secrets-manager';
import {
  httpEvent,
  slackCommandEvent,
  standInEnvironment,
  TEST_KEYS,
  TEST_SIGNING_SECRETS,
  TEST_SLACK_ALLOWED,
} from '../test/support/fixtures';
import { getEvent } from '../test/support/get-request';
import type { FloorEvent } from './floor-handler';
import { selfSignedCertificate, startTlsProxy, type TlsProxy } from './tls';

/**
 * `npm run bench`: packages the functions as a deploy does, then measures, per function, the handler's size, the
 * JavaScript loaded at cold start, the cold start against a bare floor and the warm overhead — first in the
 * deployed configuration (the headline), then in the plain one — then slackCommand's acknowledgement, batch
 * throughput, load, and one tracking run over 500 pending backups. It prints Markdown tables beside the targets;
 * bench/results/latest.json holds the same figures.
 */
const ROOT = resolve(__dirname, '..');
const WORK = join(ROOT, '.bench');
const RESULTS = join(ROOT, 'bench', 'results');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? 2_000);
const WARMUP = 200;
const SLOW_UPSTREAM_MS = 300;
/** The tracking run: this many BUILDING backups, spread evenly over this many instances (half DDS, half MySQL). */
const TRACKED_BACKUPS = 500;
const TRACKED_INSTANCES = 50;
/** trackBackups' own timeout in serverless.yml: the child's context gives it as much. */
const TRACKER_TIMEOUT_MS = 50_000;
/** Reported with ✅/❌, not asserted: the machine is shared, and one noisy run must not fail anything. */
const TARGETS = {
  loadedKB: 100,
  coldRatio: 1.5,
  warmP50Ms: 0.3,
  batchRatio: 2,
  /** slackCommand's answer, spawn → answer of a cold start in the deployed configuration (judged on the p90). */
  slackAcknowledgementMs: 1_000,
  /** One trackBackups run over 500 due backups on 50 instances, upstream answering after 300 ms: spawn → answer. */
  trackerWallMs: 30_000,
};

/** Functions that cannot run without the ledger: the plain configuration gives them the table (and only them). */
const LEDGER_READERS = ['getBackup', 'trackBackups'];

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
  'stand-in on loopback (one `GetSecretValue` per secret; neither is in the environment), the idempotency table and ' +
  'the ledger are on (dynalite; HTTP requests carry an `Idempotency-Key`), state changes go to an EventBridge ' +
  'stand-in, slackCommand hands creates to an SQS stand-in, and the Huawei stand-in (DDS and RDS endpoints) is ' +
  'reached over HTTPS through TLS-terminating proxies whose self-signed certificate is trusted through ' +
  '`NODE_EXTRA_CA_CERTS`. ' +
  '**Floor:** the same signed DDS call over HTTPS through the same proxy, trusting the same certificate ' +
  '(bare `node:https` with a keep-alive agent; no secrets, no DynamoDB, no framework).';
const PLAIN_DESCRIPTION =
  '**Plain configuration.** Keys and signing secrets in variables, no idempotency table (unless the row says so), ' +
  'no ledger except for getBackup and trackBackups, which cannot run without it; Huawei stand-in over plain HTTP. ' +
  '**Floor:** the same signed DDS call over HTTP (bare `node:http` with a keep-alive agent).';

type Env = NodeJS.ProcessEnv;
type Outcome = { result?: unknown; error?: string };
interface FunctionBench {
  /** The packaged function it runs. */
  functionName: string;
  /** A fresh event; `id` keeps instances, messages and idempotency keys apart across every phase of the run. */
  event: (id: number) => unknown;
  /** What a successful answer looks like. */
  succeeded: (outcome: Outcome) => boolean;
  env?: Record<string, string>;
  /** Something each invocation must do, counted where it lands (a list call upstream, a queued message). */
  effect?: { what: string; count: () => number; perInvocation: number };
}

const request = (id: number, prefix = 'bench-instance') => ({
  engine: 'dds',
  instanceId: `${prefix}-${id}`,
  name: 'bench-backup',
});
const scheduleTargets = (count: number, prefix = 'bench-target') =>
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      engine: i % 2 ? 'mysql' : 'dds',
      instanceId: `${prefix}-${i}`,
      namePrefix: 'bench',
    })),
  );
const statusIs =
  (status: number) =>
  ({ result }: Outcome) =>
    (result as { statusCode?: number } | undefined)?.statusCode === status;
const jsonBodyOf = (result: unknown): Record<string, unknown> => {
  try {
    return JSON.parse(String((result as { body?: unknown }).body));
  } catch {
    return {};
  }
};
const noFailedRecords = ({ result }: Outcome) =>
  (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures?.length === 0;
/** slackCommand's acknowledgement: the ephemeral "requesting" line (the create itself is queued). */
const acknowledged = ({ result }: Outcome) => {
  const body = jsonBodyOf(result);
  return (
    statusIs(200)({ result }) &&
    body.response_type === 'ephemeral' &&
    String(body.text).startsWith(':hourglass_flowing_sand: Requesting a backup')
  );
};
const answeredBackupIn =
  (status: string) =>
  ({ result }: Outcome) =>
    statusIs(200)({ result }) && jsonBodyOf(result).status === status;
const trackedNothing = ({ result, error }: Outcome) =>
  error === undefined && (result as TrackingRun | undefined)?.checked === 0;
const upstreamGets = (standIn: HuaweiStandIn) => standIn.requests.filter((r) => r.method === 'GET').length;
/** Forgets the requests the stand-in recorded (they pile up otherwise); the backups it holds stay listed. */
const forgetRequests = (standIn: HuaweiStandIn) => void standIn.requests.splice(0);

interface BenchContext {
  standIn: HuaweiStandIn;
  sqs: LocalSqs;
  slack: LocalSlack;
  /** BUILDING backups, in the ledger and the stand-in, last checked more than 10 s ago: one per GET. */
  staleBackups: string[];
  /** A COMPLETED backup in the ledger: a GET answers it from the ledger alone. */
  finishedBackupId: string;
  /** A ledger with nothing due, for trackBackups' cold and warm rows. */
  idleLedger: LocalDynamo;
}

function functionBenches({
  standIn,
  sqs,
  slack,
  staleBackups,
  finishedBackupId,
  idleLedger,
}: BenchContext): Record<string, FunctionBench> {
  const listCalls = { what: 'Huawei list calls', count: () => upstreamGets(standIn) };
  return {
    // A webhook client that retries sends a key; with the table on, that is what puts DynamoDB on the HTTP path.
    createBackup: {
      functionName: 'createBackup',
      event: (id) => httpEvent({ body: request(id), headers: { 'idempotency-key': `bench-${id}` } }),
      succeeded: statusIs(202),
    },
    createBackupFromQueue: {
      functionName: 'createBackupFromQueue',
      event: (id) => sqsEvent(sqsRecord({ body: request(id) })),
      succeeded: noFailedRecords,
    },
    scheduledBackups: {
      functionName: 'scheduledBackups',
      event: () => scheduledEvent(),
      succeeded: ({ error }) => error === undefined,
      env: { BACKUP_SCHEDULE_TARGETS: scheduleTargets(1) },
    },
    slackCommand: {
      functionName: 'slackCommand',
      event: (id) =>
        slackCommandEvent({
          text: `dds bench-instance-${id} bench-backup`,
          responseUrl: slack.responseUrl(`bench-${id}`),
        }),
      succeeded: acknowledged,
      // serverless.yml sets it on this function alone.
      env: { BACKUP_REQUESTS_QUEUE_URL: sqs.queueUrl('backup-requests') },
      effect: { what: 'queued creates', count: () => sqs.messages.length, perInvocation: 1 },
    },
    // What a client polling every 10 s (`--wait`) finds: a BUILDING backup checked more than 10 s ago, so the read
    // asks Huawei Cloud first (ledger read, one list call, ledger update).
    getBackup: {
      functionName: 'getBackup',
      event: () => {
        const backupId = staleBackups.shift();
        if (backupId === undefined) throw new Error('no seeded backup left for getBackup');
        return getEvent({ path: `/backups/${backupId}` });
      },
      // `startedAt` comes only from Huawei's listing: the list call found the backup.
      succeeded: (outcome) =>
        answeredBackupIn('BUILDING')(outcome) && jsonBodyOf(outcome.result).startedAt !== undefined,
      effect: { ...listCalls, perInvocation: 1 },
    },
    getBackupFinished: {
      functionName: 'getBackup',
      event: () => getEvent({ path: `/backups/${finishedBackupId}` }),
      succeeded: answeredBackupIn('COMPLETED'),
      effect: { ...listCalls, perInvocation: 0 },
    },
    // A tick with nothing due, on a ledger of its own (the same table names on another dynalite): the tracker's
    // common minute. The run over 500 due backups is measured on its own below.
    trackBackups: {
      functionName: 'trackBackups',
      event: () => scheduledEvent(),
      succeeded: trackedNothing,
      env: { AWS_ENDPOINT_URL_DYNAMODB: idleLedger.endpoint },
      effect: { ...listCalls, perInvocation: 0 },
    },
  };
}
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
  /** Its key in the function benches: the function, and how it is invoked. */
  bench: string;
  env: Env;
  /** Whether warm overhead is measured too (once per function and scenario). */
  measureWarm: boolean;
}

/** One way of running the functions: an environment per row, and the floor they are compared with. */
interface Scenario {
  key: 'deployed' | 'plain';
  description: string;
  floorEnv: Env;
  /** The Huawei endpoint the floor calls. */
  floorUrl: string;
  rows: ScenarioRow[];
}

/**
 * The floor's create, on an instance of its own: the stand-in looks through an instance's backups on every create,
 * so each warm run's floor starts on a fresh instance, as each function's own events do.
 */
const floorEventFor = (url: string, instanceId = 'floor'): FloorEvent => ({
  url,
  path: `/v3/${TEST_KEYS.projectId}/backups`,
  body: JSON.stringify({ backup: { instance_id: instanceId, name: 'floor-backup' } }),
  ...TEST_KEYS,
});

/** Endpoints of the stand-ins every function may call, as a deployed function would find the real services. */
interface AwsStandIns {
  dynamo: LocalDynamo;
  eventBridgeUrl: string;
  sqsUrl: string;
  slackUrl: string;
}

/** The environment of a deployed function, as serverless.yml and the Lambda runtime set it, endpoints on loopback. */
function deployedEnvironment(
  huawei: { dds: string; rds: string },
  secretsManagerUrl: string,
  { dynamo, eventBridgeUrl, sqsUrl, slackUrl }: AwsStandIns,
  caFile: string,
): Env {
  const env: Env = {
    PATH: process.env.PATH,
    HUAWEICLOUD_SDK_PROJECT_ID: TEST_KEYS.projectId,
    HUAWEICLOUD_REGION: 'cn-north-4',
    HUAWEICLOUD_DDS_ENDPOINT: huawei.dds,
    HUAWEICLOUD_RDS_ENDPOINT: huawei.rds,
    HUAWEICLOUD_CREDENTIALS_SECRET: SECRETS.huaweiCredentials.name,
    SIGNING_SECRETS_SECRET: SECRETS.signingSecrets.name,
    SLACK_ALLOWED_USERS: TEST_SLACK_ALLOWED.user,
    SLACK_ALLOWED_CHANNELS: TEST_SLACK_ALLOWED.channel,
    SLACK_RESPONSE_URL_PREFIX: `${slackUrl}/`,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...dynamo.env,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManagerUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
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

/** Keys and secrets in variables, Huawei over plain HTTP, no tables; the AWS stand-ins for what is called anyway. */
function plainEnvironment(standIn: HuaweiStandIn, { eventBridgeUrl, sqsUrl, slackUrl }: AwsStandIns): Env {
  return {
    PATH: process.env.PATH,
    ...standInEnvironment(standIn),
    SLACK_RESPONSE_URL_PREFIX: `${slackUrl}/`,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridgeUrl,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
  };
}

/** The ledger alone (no idempotency table). */
const ledgerEnvironment = (dynamo: LocalDynamo): Env => ({
  BACKUPS_TABLE: dynamo.backupsTableName,
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
});

/** What every measurement runs against. */
interface Bench {
  packaged: Record<string, PackagedFunction>;
  floorBundle: string;
  functions: Record<string, FunctionBench>;
  standIn: HuaweiStandIn;
  /** The Huawei stand-in behind TLS: its DDS and its RDS endpoint. */
  tls: TlsProxy[];
  caFile: string;
}

const tlsConnections = (proxies: TlsProxy[]) => proxies.reduce((total, proxy) => total + proxy.connections, 0);

const EMPTY_PROCESS = 'empty process';
const EMPTY_PROCESS_WITH_CA = 'empty process with NODE_EXTRA_CA_CERTS';

/** Runs one invocation of a row and checks it: its answer, and what it must have done where that lands. */
async function runChecked(
  what: string,
  fn: FunctionBench,
  run: () => Promise<ChildRun>,
  invocations = 1,
): Promise<ChildRun> {
  const before = fn.effect?.count() ?? 0;
  const outcome = await run();
  if (fn.effect) {
    const made = fn.effect.count() - before;
    if (made !== fn.effect.perInvocation * invocations) {
      throw new Error(
        `${what}: ${made} ${fn.effect.what} for ${invocations} invocations, not ${fn.effect.perInvocation} each`,
      );
    }
  }
  return outcome;
}

/**
 * Spawn → first answer, `COLD_RUNS` times per row; each run measures every scenario's floor beside its rows, so
 * that a noisy moment lands on both. Each run also starts two empty processes, with and without
 * `NODE_EXTRA_CA_CERTS`: Node 20 reads its whole CA store at start-up when that variable is set, a cost the
 * deployed rows and their floor pay but a function that calls public endpoints does not.
 */
async function measureColdStarts(scenarios: Scenario[], { packaged, floorBundle, functions, caFile }: Bench) {
  const samples = new Map<string, number[]>();
  const loadedFiles = new Map<string, string[]>();
  const add = (key: string, ms: number) => samples.set(key, [...(samples.get(key) ?? []), ms]);
  for (let run = 0; run < COLD_RUNS; run++) {
    add(EMPTY_PROCESS, await emptyProcessMs({ PATH: process.env.PATH }));
    add(EMPTY_PROCESS_WITH_CA, await emptyProcessMs({ PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: caFile }));
    for (const scenario of scenarios) {
      const floorJob = { bundle: floorBundle, event: floorEventFor(scenario.floorUrl), functionName: 'floor' };
      const floor = await runChild('cold', floorJob, scenario.floorEnv);
      expectSuccess(`${scenario.key} floor`, floorSucceeded, floor.output);
      add(`${scenario.key}/floor`, floor.elapsedMs);
      for (const row of scenario.rows) {
        const fn = functions[row.bench];
        const event = fn.event(nextEventId());
        const job = { bundle: packaged[fn.functionName].bundle, event, functionName: fn.functionName };
        const what = `${row.label} (${scenario.key})`;
        const { elapsedMs, output } = await runChecked(what, fn, () => runChild('cold', job, row.env));
        expectSuccess(what, fn.succeeded, output);
        add(`${scenario.key}/${row.label}`, elapsedMs);
        loadedFiles.set(`${scenario.key}/${row.label}`, output.loadedAtLoad as string[]);
      }
    }
  }
  return { samples, loadedFiles };
}

type WarmFigures = { overheadP50: number; overheadP99: number };

/**
 * Function and floor alternate in one process, request by request; the overhead is their difference. The TLS
 * connections each deployed run opened show whether keep-alive held.
 */
async function measureWarmOverhead(scenarios: Scenario[], { packaged, floorBundle, functions, standIn, tls }: Bench) {
  const figures = new Map<string, WarmFigures>();
  const deployedTlsConnections: Record<string, number> = {};
  for (const scenario of scenarios) {
    for (const row of scenario.rows.filter((r) => r.measureWarm)) {
      const fn = functions[row.bench];
      const events = Array.from({ length: WARMUP + WARM_REQUESTS }, () => fn.event(nextEventId()));
      const connectionsBefore = tlsConnections(tls);
      const job = { bundle: packaged[fn.functionName].bundle, functionName: fn.functionName, events, warmup: WARMUP };
      const what = `${row.label} (${scenario.key}, warm)`;
      const floorEvent = floorEventFor(scenario.floorUrl, `floor-${scenario.key}-${row.label}`);
      const warmJob = { ...job, floorBundle, floorEvent };
      const { output } = await runChecked(what, fn, () => runChild('warm', warmJob, row.env), events.length);
      expectSuccess(what, fn.succeeded, output.last as Outcome);
      expectSuccess(`${scenario.key} floor (warm)`, floorSucceeded, output.lastFloor as Outcome);
      figures.set(`${scenario.key}/${row.label}`, output as WarmFigures);
      if (scenario.key === 'deployed') deployedTlsConnections[row.label] = tlsConnections(tls) - connectionsBefore;
      forgetRequests(standIn);
    }
  }
  return { figures, deployedTlsConnections };
}

/** A queue batch and a schedule run against a slow upstream: done at once, they take about one round-trip. */
async function measureBatches({ packaged, functions, standIn }: Bench, env: (name: string) => Env) {
  standIn.setLatency(SLOW_UPSTREAM_MS);
  const queueJob = {
    bundle: packaged.createBackupFromQueue.bundle,
    functionName: 'createBackupFromQueue',
    timeoutMs: 60_000,
    warmupEvent: functions.createBackupFromQueue.event(nextEventId()),
    event: sqsEvent(...Array.from({ length: 10 }, () => sqsRecord({ body: request(nextEventId()) }))),
  };
  const queueBatch = await runChild('timed', queueJob, env('createBackupFromQueue'));
  expectSuccess('createBackupFromQueue batch', functions.createBackupFromQueue.succeeded, queueBatch.output);
  const scheduleJob = {
    bundle: packaged.scheduledBackups.bundle,
    functionName: 'scheduledBackups',
    timeoutMs: 300_000,
    warmupEvent: scheduledEvent(),
    event: scheduledEvent(),
  };
  const scheduleEnv = { ...env('scheduledBackups'), BACKUP_SCHEDULE_TARGETS: scheduleTargets(20) };
  const scheduleRun = await runChild('timed', scheduleJob, scheduleEnv);
  expectSuccess('scheduledBackups run', functions.scheduledBackups.succeeded, scheduleRun.output);
  standIn.setLatency(0);
  forgetRequests(standIn);
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
  const prefix = 'bench-load';
  const events = Array.from({ length: requests }, () => {
    const id = nextEventId();
    return httpEvent({ body: request(id, prefix), headers: { 'idempotency-key': `bench-${id}` } });
  });
  const job = { bundle: packaged.createBackup.bundle, events, concurrency, functionName: 'createBackup' };
  const { output } = await runChild('load', job, env);
  const created = standIn.backups().filter((backup) => backup.instanceId.startsWith(`${prefix}-`));
  forgetRequests(standIn);
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

/** Creates backups through the real createBackup handler (one warm process, 50 at a time); every one must be 202. */
async function createThroughGateway({ packaged }: Pick<Bench, 'packaged'>, bodies: object[], env: Env): Promise<void> {
  const events = bodies.map((body) => httpEvent({ body }));
  const job = { bundle: packaged.createBackup.bundle, events, concurrency: 50, functionName: 'createBackup' };
  const { output } = await runChild('load', job, env);
  const statuses = output.statuses as Record<string, number>;
  if ((statuses['202'] ?? 0) !== bodies.length) {
    throw new Error(`creating ${bodies.length} backups through createBackup answered ${JSON.stringify(statuses)}`);
  }
}

const ledgerOf = (dynamo: LocalDynamo): Ledger => dynamoDbLedger(dynamo.aws, dynamo.backupsTableName, 90);

/**
 * The backups getBackup reads: `stale` BUILDING ones created through createBackup (so the ledger and the stand-in
 * both hold them), one per GET, and one COMPLETED backup written to the ledger. The stale ones are more than 10 s
 * old when this returns, so that every GET of one asks Huawei Cloud, as a client polling every 10 s makes it.
 */
async function seedGetBackups(
  bench: Pick<Bench, 'packaged' | 'standIn'>,
  stale: number,
  env: Env,
  dynamo: LocalDynamo,
) {
  const prefix = 'bench-get';
  await createThroughGateway(
    bench,
    Array.from({ length: stale }, () => request(nextEventId(), prefix)),
    env,
  );
  const createdAt = Date.now();
  const staleBackups = bench.standIn
    .backups()
    .filter((backup) => backup.instanceId.startsWith(`${prefix}-`))
    .map((backup) => backup.id);
  if (staleBackups.length !== stale)
    throw new Error(`seeded ${staleBackups.length} backups for getBackup, not ${stale}`);
  const finishedBackupId = `${randomBytes(16).toString('hex')}br02`;
  const minutesAgo = (minutes: number) => new Date(createdAt - minutes * 60_000).toISOString();
  await ledgerOf(dynamo).create({
    backupId: finishedBackupId,
    engine: 'dds',
    service: 'dds',
    instanceId: 'bench-get-finished',
    name: 'bench-backup',
    status: 'COMPLETED',
    requestedAt: minutesAgo(60),
    requestedBy: { via: 'http', sourceIp: '203.0.113.7' },
    upstreamRequestId: randomBytes(16).toString('hex'),
    checkedAt: minutesAgo(40),
    startedAt: minutesAgo(60),
    completedAt: minutesAgo(45),
    sizeKB: 2048,
  });
  forgetRequests(bench.standIn);
  await sleep(Math.max(0, createdAt + STALE_AFTER_MS + 500 - Date.now()));
  return { staleBackups, finishedBackupId };
}

/**
 * One trackBackups run over `TRACKED_BACKUPS` due backups on `TRACKED_INSTANCES` instances, in a fresh process,
 * against an upstream that answers after 300 ms. The backups are created through createBackup (upstream at once) on
 * a ledger of their own, made due (`BACKUP_TRACKING_INTERVAL_SECONDS=1`, a second and a half later), then the run
 * is timed from spawn to answer. The stand-in counts the list calls; the ledger shows whether every backup was
 * checked.
 */
async function measureTracker(bench: Bench, env: (dynamo: LocalDynamo) => Env, seedEnv: (dynamo: LocalDynamo) => Env) {
  const { standIn, packaged } = bench;
  const dynamo = await startLocalDynamo();
  try {
    const bodies = Array.from({ length: TRACKED_BACKUPS }, (_, i) => {
      const instance = i % TRACKED_INSTANCES;
      return {
        engine: instance % 2 ? 'mysql' : 'dds',
        instanceId: `bench-track-${instance}`,
        name: `bench-track-${i}`,
      };
    });
    standIn.setLatency(0);
    await createThroughGateway(bench, bodies, seedEnv(dynamo));
    const ledger = ledgerOf(dynamo);
    const seeded = (await ledger.dueForCheck(new Date(Date.now() + 60_000).toISOString(), 2 * TRACKED_BACKUPS)).backups;
    if (seeded.length !== TRACKED_BACKUPS)
      throw new Error(`the tracker's ledger holds ${seeded.length} BUILDING backups`);
    const perInstance = new Map<string, number>();
    for (const backup of seeded) perInstance.set(backup.instanceId, (perInstance.get(backup.instanceId) ?? 0) + 1);
    // One list call per instance and page: the most a run may make.
    const listCallBound = [...perInstance.values()].reduce((total, count) => total + Math.ceil(count / PAGE_SIZE), 0);
    await sleep(1_500);

    standIn.setLatency(SLOW_UPSTREAM_MS);
    forgetRequests(standIn);
    const startedAt = new Date().toISOString();
    const job = {
      bundle: packaged.trackBackups.bundle,
      functionName: 'trackBackups',
      timeoutMs: TRACKER_TIMEOUT_MS,
      event: scheduledEvent(),
    };
    const { elapsedMs, output } = await runChild('once', job, {
      ...env(dynamo),
      BACKUP_TRACKING_INTERVAL_SECONDS: '1',
    });
    standIn.setLatency(0);
    if (output.error !== undefined) throw new Error(`trackBackups failed: ${output.error}`);
    const summary = output.result as TrackingRun;
    const listCalls = upstreamGets(standIn);
    const otherUpstreamRequests = standIn.requests.length - listCalls;
    forgetRequests(standIn);

    // Checked by this run: `checkedAt` since it began; found upstream: `startedAt`, which only Huawei's listing gives.
    let checkedInLedger = 0;
    let foundUpstream = 0;
    for (let i = 0; i < seeded.length; i += 50) {
      const records = await Promise.all(seeded.slice(i, i + 50).map((backup) => ledger.get(backup.backupId)));
      for (const record of records) {
        if (record && record.checkedAt >= startedAt) checkedInLedger++;
        if (record?.startedAt !== undefined) foundUpstream++;
      }
    }
    return {
      backups: TRACKED_BACKUPS,
      instances: perInstance.size,
      upstreamLatencyMs: SLOW_UPSTREAM_MS,
      spawnToAnswerMs: round(elapsedMs, 0),
      invocationMs: round(output.wallMs as number, 0),
      /** Every list call made one after another. */
      oneByOneMs: listCalls * SLOW_UPSTREAM_MS,
      summary,
      listCalls,
      listCallBound,
      otherUpstreamRequests,
      checkedInLedger,
      foundUpstream,
    };
  } finally {
    await dynamo.close();
  }
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
  const packagedNames = Object.keys(packaged);
  const unbenched = packagedNames.filter((name) => !(FUNCTION_NAMES as readonly string[]).includes(name));
  if (unbenched.length > 0) throw new Error(`no benchmark for ${unbenched.join(', ')}`);
  const unpackaged = FUNCTION_NAMES.filter((name) => !packaged[name]);
  if (unpackaged.length > 0) throw new Error(`serverless package made no zip for ${unpackaged.join(', ')}`);

  // Backups never complete during the run, and none is refused for another in progress: every request creates one.
  const standIn = await startHuaweiStandIn({
    ...TEST_KEYS,
    refuseConcurrentBackups: false,
    completeAfterMs: 3_600_000,
  });
  const [dynamo, idleLedger, eventBridge, sqs, slack] = await Promise.all([
    startLocalDynamo(),
    startLocalDynamo(),
    startLocalEventBridge(),
    startLocalSqs(),
    startLocalSlack(),
  ]);
  const secretsManager = await startFakeSecretsManager({
    [SECRETS.huaweiCredentials.name]: JSON.stringify(SECRETS.huaweiCredentials.value),
    [SECRETS.signingSecrets.name]: JSON.stringify(SECRETS.signingSecrets.value),
  });
  const certificate = selfSignedCertificate(WORK);
  const [ddsOverTls, rdsOverTls] = await Promise.all([
    startTlsProxy(standIn.ddsUrl, certificate),
    startTlsProxy(standIn.rdsUrl, certificate),
  ]);
  const awsStandIns: AwsStandIns = { dynamo, eventBridgeUrl: eventBridge.url, sqsUrl: sqs.url, slackUrl: slack.url };
  const plainEnv = plainEnvironment(standIn, awsStandIns);
  const deployedEnv = deployedEnvironment(
    { dds: ddsOverTls.url, rds: rdsOverTls.url },
    secretsManager.url,
    awsStandIns,
    certificate.certFile,
  );
  const withLedger = (env: Env, ledger: LocalDynamo = dynamo): Env => ({ ...env, ...ledgerEnvironment(ledger) });

  const getBackupScenarios = 2;
  const getBackupRuns = getBackupScenarios * (COLD_RUNS + WARMUP + WARM_REQUESTS);
  const partial: Omit<Bench, 'functions'> = {
    packaged,
    floorBundle,
    standIn,
    tls: [ddsOverTls, rdsOverTls],
    caFile: certificate.certFile,
  };
  console.error(`seeding ${getBackupRuns} backups for getBackup through createBackup…`);
  const seeds = await seedGetBackups(partial, getBackupRuns, withLedger(plainEnv), dynamo);
  const functions = functionBenches({ standIn, sqs, slack, idleLedger, ...seeds });
  const bench: Bench = { ...partial, functions };

  // Each configuration's schedule backs up an instance of its own, which holds only that configuration's backups.
  const scheduleOf = (key: Scenario['key']) => ({ BACKUP_SCHEDULE_TARGETS: scheduleTargets(1, `bench-target-${key}`) });
  const row = (key: Scenario['key'], label: string, benchKey: string, env: Env, measureWarm = true): ScenarioRow => ({
    label,
    bench: benchKey,
    env: { ...env, ...functions[benchKey].env, ...(benchKey === 'scheduledBackups' ? scheduleOf(key) : {}) },
    measureWarm,
  });
  const plainRowEnv = (name: string) => (LEDGER_READERS.includes(name) ? withLedger(plainEnv) : plainEnv);
  const scenarios: Scenario[] = [
    {
      key: 'deployed',
      description: DEPLOYED_DESCRIPTION,
      floorEnv: deployedEnv,
      floorUrl: ddsOverTls.url,
      rows: [
        ...FUNCTION_NAMES.map((name) => row('deployed', name, name, deployedEnv)),
        row('deployed', 'getBackup, finished backup (ledger only)', 'getBackupFinished', deployedEnv),
      ],
    },
    {
      key: 'plain',
      description: PLAIN_DESCRIPTION,
      floorEnv: plainEnv,
      floorUrl: standIn.ddsUrl,
      rows: [
        ...FUNCTION_NAMES.map((name) => row('plain', name, name, plainRowEnv(name))),
        // What the idempotency table alone adds to a cold start, without secrets or TLS (every queue record has a key).
        row(
          'plain',
          'createBackupFromQueue + idempotency table',
          'createBackupFromQueue',
          { ...plainEnv, IDEMPOTENCY_TABLE: dynamo.tableName, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
          false,
        ),
      ],
    },
  ];

  console.error(`cold starts: ${COLD_RUNS} fresh processes per row…`);
  const queuedBefore = sqs.messages.length;
  const cold = await measureColdStarts(scenarios, bench);
  const queuedByColdCommands = sqs.messages.length - queuedBefore;
  // The deployed rows must have measured what they claim to: secrets read from Secrets Manager, Huawei over TLS.
  const secretsRead = new Set(
    secretsManager.calls.filter((call) => call.target === 'secretsmanager.GetSecretValue').map((call) => call.secretId),
  );
  const unread = Object.values(SECRETS).filter((secret) => !secretsRead.has(secret.name));
  if (unread.length > 0) {
    throw new Error(`the deployed functions never read ${unread.map((secret) => secret.name).join(', ')}`);
  }
  if (ddsOverTls.connections === 0) throw new Error('the deployed functions never reached Huawei over TLS');
  forgetRequests(standIn);

  console.error(`warm overhead: ${WARM_REQUESTS} requests per function and configuration…`);
  const warm = await measureWarmOverhead(scenarios, bench);

  console.error(`batches against an upstream that answers after ${SLOW_UPSTREAM_MS} ms…`);
  const batches = await measureBatches(bench, (name) => ({ ...plainEnv, ...dynamo.env, ...functions[name].env }));

  console.error('load: 500 HTTP requests, 50 at a time…');
  const load = await measureLoad(bench, plainEnv);

  console.error(
    `tracking: one trackBackups run over ${TRACKED_BACKUPS} due backups on ${TRACKED_INSTANCES} instances, ` +
      `upstream answering after ${SLOW_UPSTREAM_MS} ms…`,
  );
  const tracker = await measureTracker(
    bench,
    (ledger) => ({ ...deployedEnv, AWS_ENDPOINT_URL_DYNAMODB: ledger.endpoint }),
    (ledger) => withLedger(plainEnv, ledger),
  );
  // Its MySQL instances are the bench's only RDS calls in the deployed configuration.
  if (rdsOverTls.connections === 0) throw new Error('the tracking run never reached the RDS endpoint over TLS');
  await Promise.all([
    ddsOverTls.close(),
    rdsOverTls.close(),
    standIn.close(),
    dynamo.close(),
    idleLedger.close(),
    eventBridge.close(),
    sqs.close(),
    slack.close(),
    secretsManager.close(),
  ]);

  const loadedBytes = (files: string[]) => files.reduce((total, file) => total + statSync(file).size, 0);
  const tables: ScenarioTable[] = scenarios.map((scenario) => {
    const floorSamples = cold.samples.get(`${scenario.key}/floor`) ?? [];
    const floorMedianMs = median(floorSamples);
    const rows = scenario.rows.map((row): FunctionRow => {
      const key = `${scenario.key}/${row.label}`;
      const samples = cold.samples.get(key) ?? [];
      const warmFigures = warm.figures.get(key);
      const fn = packaged[functions[row.bench].functionName];
      const coldMedianMs = median(samples);
      return {
        function: row.label,
        zipKB: kilobytes(fn.zipBytes),
        handlerKB: kilobytes(fn.handlerBytes),
        loadedAtColdStartKB: kilobytes(loadedBytes(cold.loadedFiles.get(key) ?? [])),
        coldMedianMs: round(coldMedianMs, 1),
        coldP90Ms: round(percentile(samples, 90), 1),
        coldRatio: round(coldMedianMs / floorMedianMs),
        ...(warmFigures && {
          warmOverheadP50Ms: round(warmFigures.overheadP50, 3),
          warmOverheadP99Ms: round(warmFigures.overheadP99, 3),
        }),
      };
    });
    const floor = { coldMedianMs: round(floorMedianMs, 1), coldP90Ms: round(percentile(floorSamples, 90), 1) };
    return { scenario: scenario.key, description: scenario.description, floor, functions: rows };
  });
  const [deployed, ...secondary] = tables;
  const medianOf = (key: string) => median(cold.samples.get(key) ?? []);
  const extraCaStartupMs = round(medianOf(EMPTY_PROCESS_WITH_CA) - medianOf(EMPTY_PROCESS), 1);
  const deployedCreateBackup = deployed.functions.find((r) => r.function === 'createBackup');
  // createBackup against the floor once the start-up cost of the bench's own CA file is taken from both.
  const withoutExtraCa = (ms: number) => ms - extraCaStartupMs;
  const createBackupRatioWithoutExtraCa =
    deployedCreateBackup &&
    round(withoutExtraCa(deployedCreateBackup.coldMedianMs) / withoutExtraCa(deployed.floor.coldMedianMs));

  // slackCommand's acknowledgement: its deployed cold starts, each checked to answer "Requesting…" and queue one create.
  const ackSamples = cold.samples.get('deployed/slackCommand') ?? [];
  const slackAcknowledgement = {
    runs: ackSamples.length,
    medianMs: round(median(ackSamples), 1),
    p90Ms: round(percentile(ackSamples, 90), 1),
    maxMs: round(Math.max(...ackSamples), 1),
    floorMedianMs: deployed.floor.coldMedianMs,
    ratio: round(median(ackSamples) / medianOf('deployed/floor')),
    queuedCreates: queuedByColdCommands,
  };
  const ackOk = slackAcknowledgement.p90Ms < TARGETS.slackAcknowledgementMs;

  const trackerOk =
    tracker.spawnToAnswerMs < TARGETS.trackerWallMs &&
    tracker.listCalls <= tracker.listCallBound &&
    tracker.summary.checked === tracker.backups &&
    tracker.checkedInLedger === tracker.backups &&
    tracker.foundUpstream === tracker.backups &&
    tracker.summary.failedInstances === 0;

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
    slackAcknowledgement,
    batches,
    load,
    tracker,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

  const loadOk =
    load.answered === load.requests && load.created === load.requests && load.duplicates === 0 && load.failures === 0;
  const connections = Object.entries(warm.deployedTlsConnections).map(([label, count]) => `${count} (${label})`);
  const warmCalls = 2 * (WARMUP + WARM_REQUESTS);
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
      `- Keep-alive: the ${warmCalls} warm invocations per row (function and floor) went over ` +
        `${connections.join(', ')} TLS connections.`,
      '- Warm overhead here includes the idempotency claim and record (two DynamoDB calls, to dynalite) of every ' +
        'request with a key — createBackup (`Idempotency-Key`), createBackupFromQueue (message id), scheduledBackups ' +
        "(tick id) — and each new backup's ledger record and creation event (DynamoDB, EventBridge). Slash commands " +
        'carry no key: slackCommand verifies, authorises and queues the create (SQS), nothing more.',
      '- getBackup: `GET /backups/{id}` of a BUILDING backup last checked more than 10 s ago, as a client polling ' +
        'every 10 s finds it: ledger read, one Huawei list call, ledger update (every invocation checked to make ' +
        'exactly one list call). "Finished backup": a COMPLETED one, answered from the ledger alone. trackBackups: ' +
        'a tick with nothing due (its run over 500 due backups is below). A negative warm overhead means the ' +
        "function's own calls (SQS for slackCommand, DynamoDB alone for the finished backup and the idle tick) cost " +
        "less than the floor's Huawei round-trip.",
      `- \`NODE_EXTRA_CA_CERTS\` alone adds ${extraCaStartupMs} ms to every Node start here (Node ${process.version} ` +
        'reads its CA store at start-up when it is set), to the floor and the functions alike; a function that calls ' +
        'public endpoints has no such variable. ' +
        `Without it, createBackup would be ${createBackupRatioWithoutExtraCa}× the floor.`,
      '',
      markdownRow([
        'slackCommand acknowledgement, deployed, cold',
        'median / p90 / max ms',
        'floor median ms',
        'vs floor',
        `p90 < ${TARGETS.slackAcknowledgementMs} ms`,
      ]),
      '|---|---|---|---|---|',
      markdownRow([
        `spawn → ephemeral "Requesting a backup…" (${slackAcknowledgement.runs} fresh processes, ` +
          `${slackAcknowledgement.queuedCreates} creates queued by the cold commands of both configurations)`,
        `${slackAcknowledgement.medianMs} / ${slackAcknowledgement.p90Ms} / ${slackAcknowledgement.maxMs}`,
        slackAcknowledgement.floorMedianMs,
        `${slackAcknowledgement.ratio}×`,
        mark(ackOk),
      ]),
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
      '',
      markdownRow([
        `tracking: one trackBackups run, deployed configuration, upstream answers after ${SLOW_UPSTREAM_MS} ms`,
        `spawn → answer ms (< ${TARGETS.trackerWallMs})`,
        'invocation ms',
        'one by one ms',
        'checked (summary / ledger / listed upstream)',
        'changed',
        `list calls (≤ ${tracker.listCallBound}: one per instance and page)`,
        'other upstream requests',
        'failed instances',
      ]),
      '|---|---|---|---|---|---|---|---|---|',
      markdownRow([
        `${tracker.backups} BUILDING backups on ${tracker.instances} instances (half DDS, half MySQL), all due`,
        `${tracker.spawnToAnswerMs} ${mark(tracker.spawnToAnswerMs < TARGETS.trackerWallMs)}`,
        tracker.invocationMs,
        tracker.oneByOneMs,
        `${tracker.summary.checked} / ${tracker.checkedInLedger} / ${tracker.foundUpstream} of ${tracker.backups} ` +
          mark(
            [tracker.summary.checked, tracker.checkedInLedger, tracker.foundUpstream].every(
              (n) => n === tracker.backups,
            ),
          ),
        tracker.summary.changed,
        `${tracker.listCalls} (the handler counted ${tracker.summary.upstreamCalls}) ` +
          mark(tracker.listCalls <= tracker.listCallBound),
        tracker.otherUpstreamRequests,
        `${tracker.summary.failedInstances} ${mark(trackerOk)}`,
      ]),
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
