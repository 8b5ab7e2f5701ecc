import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamodb';
import { startLocalEventBridge, type LocalEventBridge } from '../local/eventbridge';
import { scheduledEvent, sqsEvent, sqsRecord } from '../local/events';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';
import { passOfflineOutput } from '../local/offline-output';
import { startLocalSlack, type LocalSlack } from '../local/slack';
import { startLocalSqs, type LocalSqs } from '../local/sqs';
import { clockTime, stateChangeLine } from '../local/state-change-line';
import { briefError, invokeLambda, invokePath, startTrackerLoop, type TrackerLoop } from '../local/tracker-loop';
import { CONFIGURATION } from '../shared/config';
import type { TrackingRun } from '../shared/lifecycle';

/**
 * `npm start`: the whole gateway on this machine. Without Huawei Cloud keys in the environment it starts the
 * built-in stand-in of the DDS and RDS endpoints and points the functions at it; with real keys
 * (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_REGION) it talks to Huawei Cloud.
 * An in-memory DynamoDB (dynalite) holds the idempotency records and the ledger; an EventBridge stand-in prints
 * each "Backup State Change" event as it arrives; `trackBackups` runs every 10 s, invoked by a timer of its own
 * (serverless-offline runs its `rate(1 minute)` schedule too, but a minute is long to watch a backup for). Local
 * signing secrets and a Slack allow-list are set unless the environment has its own. Ctrl+C, SIGTERM or SIGHUP, or
 * the death of its parent (npm), stops everything it started.
 */
const LOCAL_KEYS = {
  accessKey: 'LOCALSTANDINACCESSKEY',
  secretKey: 'local-stand-in-secret-key',
  projectId: '0123456789abcdef0123456789abcdef',
};
const POSTGRESQL_EXAMPLE_INSTANCE = '6b1e3c5a9d2f4e7b8a0c1d2e3f4a5b6cin03';
const LOCAL_DEFAULTS = {
  WEBHOOK_SIGNING_SECRET: 'local-webhook-signing-secret',
  SLACK_SIGNING_SECRET: 'local-slack-signing-secret',
  SLACK_ALLOWED_USERS: 'U0LOCAL001',
  // Backups complete on the stand-in after about 20 s; the tracker runs every 10 s and asks about a backup once its
  // last check is 5 s old, so a backup is seen COMPLETED within about half a minute.
  BACKUP_TRACKING_INTERVAL_SECONDS: '5',
  BACKUP_SCHEDULE_TARGETS: JSON.stringify([
    { engine: 'dds', instanceId: 'b71f0c2d3e4a4b5c8d9e0f1a2b3c4d5ein02', namePrefix: 'nightly' },
    { engine: 'postgresql', instanceId: POSTGRESQL_EXAMPLE_INSTANCE },
  ]),
};
const SQLSERVER_EXAMPLE_INSTANCE = 'c2aac04b4b44460aa75674fc0fd878b2no04';
const DDS_EXAMPLE_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';
const DDS_EXAMPLE_REQUEST = `{"engine":"dds","instanceId":"${DDS_EXAMPLE_INSTANCE}"}`;
/** Instances of the stand-in that show the failure paths (the README lists them too). */
const FAILING_BACKUPS_INSTANCE = 'mysql-backups-fail-in01';
const ANSWERS_500_INSTANCE = 'dds-answers-500-after-creating-in02';
/** How long the stand-in keeps a backup BUILDING. */
const COMPLETE_AFTER_MS = 20_000;
const TRACK_BACKUPS = 'backup-gateway-local-trackBackups';
const CREATE_FROM_QUEUE = 'backup-gateway-local-createBackupFromQueue';
/** Everything listens on loopback only: the stand-in's keys and the local secrets are no secrets. */
const HOST = '127.0.0.1';
const ROOT = join(__dirname, '..');
/** How long serverless-offline gets to stop its servers and Lambda workers before its process group is killed. */
const STOP_GRACE_MS = 5_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface PortSetting {
  variable: string;
  role: string;
  port: number;
}

/** The ports `npm start` listens on, each with the variable that moves it. */
function portSetting(variable: string, fallback: number, role: string): PortSetting {
  const text = process.env[variable];
  const port = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${variable} must be a port number from 1 to 65535 (it is ${JSON.stringify(text)})`);
  }
  return { variable, role, port };
}

type Ports = Record<
  'sqs' | 'slack' | 'gateway' | 'lambda' | 'standIn' | 'standInRds' | 'dynamo' | 'eventBridge',
  PortSetting
>;

function portsFromEnvironment(): Ports {
  return {
    gateway: portSetting('BACKUP_GATEWAY_PORT', 3000, "the gateway's HTTP API"),
    lambda: portSetting('BACKUP_GATEWAY_LAMBDA_PORT', 3002, "serverless-offline's Lambda invoke endpoint"),
    standIn: portSetting('HUAWEICLOUD_STAND_IN_PORT', 4010, "the Huawei Cloud stand-in's DDS endpoint"),
    standInRds: portSetting('HUAWEICLOUD_STAND_IN_RDS_PORT', 4011, "the Huawei Cloud stand-in's RDS endpoint"),
    dynamo: portSetting('LOCAL_DYNAMODB_PORT', 8000, 'the in-memory DynamoDB'),
    eventBridge: portSetting('LOCAL_EVENTBRIDGE_PORT', 4020, 'the EventBridge stand-in that prints the events'),
    sqs: portSetting('LOCAL_SQS_PORT', 4021, 'the SQS stand-in that hands Slack creates to createBackupFromQueue'),
    slack: portSetting(
      'LOCAL_SLACK_PORT',
      4022,
      "the Slack stand-in that prints what the gateway posts to a command's response_url",
    ),
  };
}

/** How often npm start runs trackBackups itself (LOCAL_TRACKER_INTERVAL_SECONDS, default 10; 0: only the schedule). */
function trackerIntervalSeconds(): number {
  const text = process.env.LOCAL_TRACKER_INTERVAL_SECONDS;
  const seconds = text === undefined || text.trim() === '' ? 10 : Number(text);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3_600) {
    const rule = 'must be a whole number of seconds from 0 (off) to 3600';
    throw new Error(`LOCAL_TRACKER_INTERVAL_SECONDS ${rule} (it is ${JSON.stringify(text)})`);
  }
  return seconds;
}

/** Whether something already listens on the port: binding it is the one test that cannot be fooled. */
function isInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(true) : reject(error),
    );
    probe.listen(port, HOST, () => probe.close(() => resolve(false)));
  });
}

/** Refuses to start, naming each busy port and the variable that moves it, rather than print "running". */
async function ensurePortsAreFree(needed: PortSetting[]): Promise<void> {
  const busy: PortSetting[] = [];
  for (const setting of needed) if (await isInUse(setting.port)) busy.push(setting);
  if (busy.length === 0) return;
  const lines = busy.map(({ variable, role, port }) => `  port ${port} (${role}): set ${variable} to a free port`);
  const example = busy.map(({ variable, port }) => `${variable}=${port + 100}`).join(' ');
  throw new Error([`cannot start: ports already in use on ${HOST}`, ...lines, `e.g. ${example} npm start`].join('\n'));
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, HOST);
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > giveUpAt) reject(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/**
 * serverless-offline, run by node itself rather than through npx (whose npm and shell layers do not pass
 * signals on), in a process group of its own so that stopping it reaches every process it started.
 */
function startServerlessOffline(env: NodeJS.ProcessEnv): ChildProcess {
  const serverless = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  const args = ['offline', 'start', '--stage', 'local', '--localEnvironment', '--host', HOST];
  // serverless-offline 13 reuses a function's worker thread after a timeout has terminated it, so every later
  // request to that function hangs until its own timeout (serverless-offline #1896; fixed only in 14, which
  // needs serverless 4). A fresh worker per request (as Lambda gives after a timeout) avoids it; finished
  // workers are never reused then, so they are let go after a second instead of after a minute each.
  args.push('--reloadHandler', '--terminateIdleLambdaTime', '1');
  // Its output comes through a filter (the tracker's idle runs left out), so its colours are asked for by name.
  const wantsColours = process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined;
  const colours = wantsColours ? { FORCE_COLOR: '1' } : {};
  const preload = ['--require', join(ROOT, 'local', 'exit-with-parent.cjs')];
  const child = spawn(process.execPath, [...preload, serverless, ...args], {
    cwd: ROOT,
    env: { ...env, ...colours },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  passOfflineOutput(child.stdout as Readable, process.stdout);
  passOfflineOutput(child.stderr as Readable, process.stderr);
  return child;
}

/** SIGTERM to the whole group, then SIGKILL to whatever is left of it once the leader is gone or the grace is up. */
async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch (error) {
      // ESRCH: nothing of the group is left to stop.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
  signalGroup('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
  signalGroup('SIGKILL');
}

interface BannerFacts {
  env: NodeJS.ProcessEnv;
  ports: Ports;
  upstream: string;
  standIn: HuaweiStandIn | undefined;
  eventBridge: LocalEventBridge;
  slack: LocalSlack;
  trackerEverySeconds: number;
}

function banner({ env, ports, upstream, standIn, eventBridge, slack, trackerEverySeconds }: BannerFacts): string {
  const gatewayUrl = `http://${HOST}:${ports.gateway.port}`;
  const invoke = (name: string) => `http://${HOST}:${ports.lambda.port}${invokePath(`backup-gateway-local-${name}`)}`;
  const secret = env.WEBHOOK_SIGNING_SECRET;
  const cli = `WEBHOOK_SIGNING_SECRET=${secret} npm run backup --`;
  // Tools that run a handler in this shell (serverless invoke local, local/send-event.ts) need what the
  // functions get from npm start: printed only for the stand-in, whose keys are no secret.
  const shellEnvironment = [
    'HUAWEICLOUD_SDK_AK',
    'HUAWEICLOUD_SDK_SK',
    'HUAWEICLOUD_SDK_PROJECT_ID',
    'HUAWEICLOUD_REGION',
    'HUAWEICLOUD_DDS_ENDPOINT',
    'HUAWEICLOUD_RDS_ENDPOINT',
    'IDEMPOTENCY_TABLE',
    'BACKUPS_TABLE',
    'AWS_ENDPOINT_URL_DYNAMODB',
    'AWS_ENDPOINT_URL_EVENTBRIDGE',
  ].map((name) => `${name}=${env[name]}`);
  const inShell = standIn
    ? `
To run a handler in this shell against the same stand-in, DynamoDB and EventBridge (serverless invoke local, or
local/send-event.ts without --print), export first:
  export ${shellEnvironment.join(' \\\n    ')}
then e.g.
  npx serverless invoke local --stage local -f createBackupFromQueue \\
    --data "$(npx tsx local/send-event.ts queue '${DDS_EXAMPLE_REQUEST}' --print)"
  npx tsx local/send-event.ts queue '${DDS_EXAMPLE_REQUEST}' --message-id m-1

Backups the stand-in holds: curl -sS ${standIn.ddsUrl}/_stand-in/backups
`
    : '';
  const failurePaths = standIn
    ? `
Failure paths (stand-in instances that misbehave for good):
  ${FAILING_BACKUPS_INSTANCE} (mysql): every backup ends FAILED; --wait exits 1
    ${cli} --engine mysql --instance ${FAILING_BACKUPS_INSTANCE} --wait --url ${gatewayUrl}
  ${ANSWERS_500_INSTANCE} (dds): the create makes the backup, then answers 500; the gateway looks,
    finds it and answers 202 all the same
    ${cli} --engine dds --instance ${ANSWERS_500_INSTANCE} --url ${gatewayUrl}
`
    : '';
  const tracker =
    trackerEverySeconds > 0
      ? `trackBackups runs every ${trackerEverySeconds} s (LOCAL_TRACKER_INTERVAL_SECONDS)`
      : 'trackBackups runs only on its schedule, at every full minute (LOCAL_TRACKER_INTERVAL_SECONDS=0)';
  const waitTime = standIn ? `about ${COMPLETE_AFTER_MS / 1000} s here; ` : '';
  const tables = `tables ${env.IDEMPOTENCY_TABLE}, ${env.BACKUPS_TABLE}`;
  return `
backup-gateway is running at ${gatewayUrl}, talking to ${upstream}.
Idempotency records and the ledger live in an in-memory DynamoDB at ${env.AWS_ENDPOINT_URL_DYNAMODB} (${tables}).
"Backup State Change" events go to an EventBridge stand-in at ${eventBridge.url} and are printed here, one line
each, starting with [event]. ${tracker}.

Create a DDS backup and wait until it is COMPLETED (${waitTime}exit 0 completed, 1 failed or refused, 3 timed out):
  ${cli} --engine dds --instance ${DDS_EXAMPLE_INSTANCE} --name before-upgrade --wait --url ${gatewayUrl}
Ask about one backup, or list the most recent ones:
  ${cli} status <backupId> [--wait] --url ${gatewayUrl}
  ${cli} list [--instance <id>] --url ${gatewayUrl}

Create one without waiting:
  ${cli} --engine mysql --instance 44b277eb-39be-4921-be31-3d61b43651d7 --description "before the migration" --url ${gatewayUrl}

or with curl, signed with openssl (a GET signs "<timestamp>.GET <path>"):
  body='{"engine":"dds","instanceId":"${DDS_EXAMPLE_INSTANCE}","name":"before-upgrade"}'
  ts=$(date +%s); sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac '${secret}' | sed 's/^.*= //')
  curl -sS -X POST ${gatewayUrl}/backups -H 'Content-Type: application/json' \\
    -H "X-Backup-Timestamp: $ts" -H "X-Backup-Signature: sha256=$sig" --data-binary "$body"
  path=/backups/<backupId>; ts=$(date +%s); sig=$(printf '%s.GET %s' "$ts" "$path" | openssl dgst -sha256 -hmac '${secret}' | sed 's/^.*= //')
  curl -sS ${gatewayUrl}$path -H "X-Backup-Timestamp: $ts" -H "X-Backup-Signature: sha256=$sig"
${failurePaths}
Send a queue message (here wrapped in a "Backup Requested" EventBridge event) to createBackupFromQueue:
  npx tsx local/send-event.ts queue '{"engine":"sqlserver","instanceId":"${SQLSERVER_EXAMPLE_INSTANCE}"}' --eventbridge --print \\
    | curl -sS -X POST ${invoke('createBackupFromQueue')} --data-binary @-

Run the schedule once (targets from BACKUP_SCHEDULE_TARGETS):
  npx tsx local/send-event.ts schedule --print | curl -sS -X POST ${invoke('scheduledBackups')} --data-binary @-

Slack: a signed /backup command as Slack sends it, from the allowed user ${env.SLACK_ALLOWED_USERS}; its response_url is the Slack
stand-in at ${slack.url}, which prints what the gateway posts there ([slack] lines: requesting, created, completed):
  form="command=%2Fbackup&text=dds+${DDS_EXAMPLE_INSTANCE}+from-slack&user_id=${env.SLACK_ALLOWED_USERS}&channel_id=C0LOCAL001&team_id=T0LOCAL001&response_url=${encodeURIComponent(slack.responseUrl('1'))}"
  ts=$(date +%s); sig=$(printf 'v0:%s:%s' "$ts" "$form" | openssl dgst -sha256 -hmac '${env.SLACK_SIGNING_SECRET}' | sed 's/^.*= //')
  curl -sS -X POST ${gatewayUrl}/slack/commands -H 'Content-Type: application/x-www-form-urlencoded' \
    -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: v0=$sig" --data-binary "$form"
(text=status+<backupId> or text=list ask the ledger; text=help shows the grammar.)
${inShell}
Press Ctrl+C (or kill ${process.pid}) to stop.
`;
}

/**
 * The tracker's timer: each run invokes trackBackups as its schedule would; a failed run is one line, never the end
 * of npm start.
 */
function startTracker(lambdaPort: number, everySeconds: number): TrackerLoop {
  const endpoint = `http://${HOST}:${lambdaPort}`;
  const rule = `arn:aws:events:eu-west-1:123456789012:rule/${TRACK_BACKUPS}`;
  return startTrackerLoop({
    everyMs: everySeconds * 1000,
    // trackBackups has 50 s (serverless.yml); a little more before this side gives up on the answer.
    tick: async (signal) => {
      const event = { ...scheduledEvent(), resources: [rule] };
      const answer = await invokeLambda(endpoint, TRACK_BACKUPS, event, { signal, timeoutMs: 60_000 });
      const run = answer as TrackingRun | undefined;
      if (run?.failedInstances) {
        const instances = `${run.failedInstances} instance${run.failedInstances === 1 ? '' : 's'}`;
        console.log(`[tracker] ${clockTime(new Date())} could not ask Huawei Cloud about ${instances}`);
      }
    },
    onError: (error) => console.log(`[tracker] ${clockTime(new Date())} trackBackups run failed: ${briefError(error)}`),
  });
}

/** One line per message the gateway posts to Slack, as a person in the channel would read it. */
function slackLine(message: { response_type?: string; text?: string }, at: Date): string {
  const audience = message.response_type === 'in_channel' ? 'channel' : 'only you';
  return `[slack] ${clockTime(at)} (${audience}) ${(message.text ?? '').replace(/\n/g, ' / ')}`;
}

/** What has been started so far, so that a stop at any moment stops exactly that. */
const started: {
  dynamo?: LocalDynamo;
  standIn?: HuaweiStandIn;
  eventBridge?: LocalEventBridge;
  sqs?: LocalSqs;
  slack?: LocalSlack;
  offline?: ChildProcess;
  tracker?: TrackerLoop;
} = {};
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The tracker first: its run in flight is aborted rather than cut off by serverless-offline going away.
  await started.tracker?.stop();
  if (started.offline) await stopProcessGroup(started.offline);
  await Promise.all([
    started.standIn?.close(),
    started.dynamo?.close(),
    started.eventBridge?.close(),
    started.sqs?.close(),
    started.slack?.close(),
  ]);
  process.exit(code);
}

async function main(): Promise<void> {
  // A second signal while stopping finds no handler left and ends this process at once.
  for (const signal of STOP_SIGNALS) process.once(signal, () => void stop(0));
  const useRealCloud = Boolean(process.env.HUAWEICLOUD_SDK_AK);
  const ports = portsFromEnvironment();
  const trackerEverySeconds = trackerIntervalSeconds();
  // With real keys there is no Huawei Cloud stand-in; everything else runs all the same.
  const needed = useRealCloud
    ? [ports.gateway, ports.lambda, ports.dynamo, ports.eventBridge, ports.sqs, ports.slack]
    : Object.values(ports);
  await ensurePortsAreFree(needed);

  const dynamo = await startLocalDynamo({ port: ports.dynamo.port });
  started.dynamo = dynamo;
  const eventBridge = await startLocalEventBridge({
    port: ports.eventBridge.port,
    print: (entry) => console.log(stateChangeLine(entry, new Date())),
  });
  started.eventBridge = eventBridge;
  // SQS as the Slack command's queue: each message is handed to createBackupFromQueue, as the event source mapping would.
  const sqs = await startLocalSqs({
    port: ports.sqs.port,
    deliver: (message) =>
      invokeLambda(
        `http://${HOST}:${ports.lambda.port}`,
        CREATE_FROM_QUEUE,
        sqsEvent(sqsRecord({ messageId: message.messageId, body: JSON.parse(message.body) })),
      ).catch((error: unknown) =>
        console.log(`[sqs] ${clockTime(new Date())} createBackupFromQueue failed: ${briefError(error)}`),
      ),
  });
  started.sqs = sqs;
  const slack = await startLocalSlack({
    port: ports.slack.port,
    print: (post) => console.log(slackLine(post.message, new Date())),
  });
  started.slack = slack;
  const env: NodeJS.ProcessEnv = {
    ...LOCAL_DEFAULTS,
    ...process.env,
    ...dynamo.env,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    BACKUP_REQUESTS_QUEUE_URL: sqs.queueUrl('backup-gateway-local-backup-requests'),
    SLACK_RESPONSE_URL_PREFIX: `${slack.url}/`,
    BACKUP_GATEWAY_PORT: String(ports.gateway.port),
    BACKUP_GATEWAY_LAMBDA_PORT: String(ports.lambda.port),
  };
  let standIn: HuaweiStandIn | undefined;
  if (!useRealCloud) {
    const standInPorts = { port: ports.standIn.port, rdsPort: ports.standInRds.port };
    const behaviour = { completeAfterMs: COMPLETE_AFTER_MS };
    standIn = await startHuaweiStandIn({ ...LOCAL_KEYS, ...standInPorts, ...behaviour });
    started.standIn = standIn;
    // The stand-in takes RDS instances for MySQL unless told otherwise: the README's partial-backup examples use these.
    standIn.addRdsInstance(SQLSERVER_EXAMPLE_INSTANCE, 'SQLServer');
    standIn.addRdsInstance(POSTGRESQL_EXAMPLE_INSTANCE, 'PostgreSQL');
    standIn.addRdsInstance(FAILING_BACKUPS_INSTANCE, 'MySQL');
    standIn.setInstanceBehaviour(FAILING_BACKUPS_INSTANCE, 'backups-fail');
    standIn.setInstanceBehaviour(ANSWERS_500_INSTANCE, 'answers-500-after-creating');
    Object.assign(env, {
      HUAWEICLOUD_SDK_AK: LOCAL_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: LOCAL_KEYS.secretKey,
      HUAWEICLOUD_SDK_PROJECT_ID: LOCAL_KEYS.projectId,
      HUAWEICLOUD_REGION: 'cn-north-4',
      HUAWEICLOUD_DDS_ENDPOINT: standIn.ddsUrl,
      HUAWEICLOUD_RDS_ENDPOINT: standIn.rdsUrl,
    });
  }

  // A signal during the start-up above stops what was started; nothing more is to be started then.
  if (stopping) return;
  const offline = startServerlessOffline(env);
  started.offline = offline;
  offline.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`serverless offline exited (${code ?? signal}); stopping`);
    void stop(code || 1);
  });

  await Promise.all([waitForPort(ports.gateway.port, 60_000), waitForPort(ports.lambda.port, 60_000)]);
  if (stopping) return;
  if (trackerEverySeconds > 0) started.tracker = startTracker(ports.lambda.port, trackerEverySeconds);
  const upstream = standIn
    ? `the built-in Huawei Cloud stand-in (DDS ${standIn.ddsUrl}, RDS ${standIn.rdsUrl})`
    : `Huawei Cloud, region ${process.env.HUAWEICLOUD_REGION}`;
  const rdsApiVersion = env.HUAWEICLOUD_RDS_API_VERSION?.trim() || CONFIGURATION.HUAWEICLOUD_RDS_API_VERSION.default;
  const talkingTo = `${upstream}, RDS API ${rdsApiVersion}`;
  console.log(banner({ env, ports, upstream: talkingTo, standIn, eventBridge, slack, trackerEverySeconds }));
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});
