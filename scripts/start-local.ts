import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamodb';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';

/**
 * `npm start`: the whole gateway on this machine. Without Huawei Cloud keys in the environment it starts the
 * built-in stand-in of the DDS and RDS endpoints and points the functions at it; with real keys
 * (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_REGION) it talks to Huawei Cloud.
 * An in-memory DynamoDB (dynalite) holds the idempotency records; local signing secrets and a Slack allow-list
 * are set unless the environment has its own. Ctrl+C, SIGTERM or SIGHUP, or the death of its parent (npm),
 * stops everything it started.
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
  BACKUP_SCHEDULE_TARGETS: JSON.stringify([
    { engine: 'dds', instanceId: 'b71f0c2d3e4a4b5c8d9e0f1a2b3c4d5ein02', namePrefix: 'nightly' },
    { engine: 'postgresql', instanceId: POSTGRESQL_EXAMPLE_INSTANCE },
  ]),
};
const SQLSERVER_EXAMPLE_INSTANCE = 'c2aac04b4b44460aa75674fc0fd878b2no04';
const DDS_EXAMPLE_REQUEST = '{"engine":"dds","instanceId":"a89dab5e39394eccbdb77b19d57b0180in02"}';
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

type Ports = Record<'gateway' | 'lambda' | 'standIn' | 'standInRds' | 'dynamo', PortSetting>;

function portsFromEnvironment(): Ports {
  return {
    gateway: portSetting('BACKUP_GATEWAY_PORT', 3000, "the gateway's HTTP API"),
    lambda: portSetting('BACKUP_GATEWAY_LAMBDA_PORT', 3002, "serverless-offline's Lambda invoke endpoint"),
    standIn: portSetting('HUAWEICLOUD_STAND_IN_PORT', 4010, "the Huawei Cloud stand-in's DDS endpoint"),
    standInRds: portSetting('HUAWEICLOUD_STAND_IN_RDS_PORT', 4011, "the Huawei Cloud stand-in's RDS endpoint"),
    dynamo: portSetting('LOCAL_DYNAMODB_PORT', 8000, 'the in-memory DynamoDB'),
  };
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
  return spawn(process.execPath, ['--require', join(ROOT, 'local', 'exit-with-parent.cjs'), serverless, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
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

function banner(env: NodeJS.ProcessEnv, ports: Ports, upstream: string, standIn: HuaweiStandIn | undefined): string {
  const gatewayUrl = `http://${HOST}:${ports.gateway.port}`;
  const invoke = (name: string) =>
    `http://${HOST}:${ports.lambda.port}/2015-03-31/functions/backup-gateway-local-${name}/invocations`;
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
    'AWS_ENDPOINT_URL_DYNAMODB',
  ].map((name) => `${name}=${env[name]}`);
  const inShell = standIn
    ? `
To run a handler in this shell against the same stand-in and DynamoDB (serverless invoke local, or
local/send-event.ts without --print), export first:
  export ${shellEnvironment.join(' \\\n    ')}
then e.g.
  npx serverless invoke local --stage local -f createBackupFromQueue \\
    --data "$(npx tsx local/send-event.ts queue '${DDS_EXAMPLE_REQUEST}' --print)"
  npx tsx local/send-event.ts queue '${DDS_EXAMPLE_REQUEST}' --message-id m-1

Backups the stand-in holds: curl -sS ${standIn.ddsUrl}/_stand-in/backups
`
    : '';
  return `
backup-gateway is running at ${gatewayUrl}, talking to ${upstream}.
Idempotency records live in an in-memory DynamoDB at ${env.AWS_ENDPOINT_URL_DYNAMODB} (table ${env.IDEMPOTENCY_TABLE}).

Create a backup with the CLI (it signs the request):
  WEBHOOK_SIGNING_SECRET=${env.WEBHOOK_SIGNING_SECRET} npm run backup -- --engine mysql --instance 44b277eb-39be-4921-be31-3d61b43651d7 --description "before the migration" --url ${gatewayUrl}

or with curl, signed with openssl:
  body='{"engine":"dds","instanceId":"a89dab5e39394eccbdb77b19d57b0180in02","name":"before-upgrade"}'
  ts=$(date +%s); sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac '${env.WEBHOOK_SIGNING_SECRET}' | sed 's/^.*= //')
  curl -sS -X POST ${gatewayUrl}/backups -H 'Content-Type: application/json' \\
    -H "X-Backup-Timestamp: $ts" -H "X-Backup-Signature: sha256=$sig" --data-binary "$body"

Send a queue message (here wrapped in a "Backup Requested" EventBridge event) to createBackupFromQueue:
  npx tsx local/send-event.ts queue '{"engine":"sqlserver","instanceId":"${SQLSERVER_EXAMPLE_INSTANCE}"}' --eventbridge --print \\
    | curl -sS -X POST ${invoke('createBackupFromQueue')} --data-binary @-

Run the schedule once (targets from BACKUP_SCHEDULE_TARGETS):
  npx tsx local/send-event.ts schedule --print | curl -sS -X POST ${invoke('scheduledBackups')} --data-binary @-

Slack: POST ${gatewayUrl}/slack/commands, signed with SLACK_SIGNING_SECRET=${env.SLACK_SIGNING_SECRET}; allowed user ${env.SLACK_ALLOWED_USERS}.
${inShell}
Press Ctrl+C (or kill ${process.pid}) to stop.
`;
}

/** What has been started so far, so that a stop at any moment stops exactly that. */
const started: { dynamo?: LocalDynamo; standIn?: HuaweiStandIn; offline?: ChildProcess } = {};
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (started.offline) await stopProcessGroup(started.offline);
  await Promise.all([started.standIn?.close(), started.dynamo?.close()]);
  process.exit(code);
}

async function main(): Promise<void> {
  // A second signal while stopping finds no handler left and ends this process at once.
  for (const signal of STOP_SIGNALS) process.once(signal, () => void stop(0));
  const useRealCloud = Boolean(process.env.HUAWEICLOUD_SDK_AK);
  const ports = portsFromEnvironment();
  await ensurePortsAreFree(useRealCloud ? [ports.gateway, ports.lambda, ports.dynamo] : Object.values(ports));

  const dynamo = await startLocalDynamo({ port: ports.dynamo.port, host: HOST });
  started.dynamo = dynamo;
  const env: NodeJS.ProcessEnv = {
    ...LOCAL_DEFAULTS,
    ...process.env,
    ...dynamo.env,
    BACKUP_GATEWAY_PORT: String(ports.gateway.port),
    BACKUP_GATEWAY_LAMBDA_PORT: String(ports.lambda.port),
  };
  let standIn: HuaweiStandIn | undefined;
  if (!useRealCloud) {
    const standInPorts = { port: ports.standIn.port, rdsPort: ports.standInRds.port };
    standIn = await startHuaweiStandIn({ ...LOCAL_KEYS, host: HOST, ...standInPorts, completeAfterMs: 10_000 });
    started.standIn = standIn;
    // The stand-in takes RDS instances for MySQL unless told otherwise: the README's partial-backup examples use these.
    standIn.addRdsInstance(SQLSERVER_EXAMPLE_INSTANCE, 'SQLServer');
    standIn.addRdsInstance(POSTGRESQL_EXAMPLE_INSTANCE, 'PostgreSQL');
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

  await waitForPort(ports.gateway.port, 60_000);
  if (stopping) return;
  const upstream = standIn
    ? `the built-in Huawei Cloud stand-in (DDS ${standIn.ddsUrl}, RDS ${standIn.rdsUrl})`
    : `Huawei Cloud, region ${process.env.HUAWEICLOUD_REGION}`;
  const rdsApiVersion = env.HUAWEICLOUD_RDS_API_VERSION?.trim() || 'v1';
  console.log(banner(env, ports, `${upstream}, RDS API ${rdsApiVersion}`, standIn));
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});
