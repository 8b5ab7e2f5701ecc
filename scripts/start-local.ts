import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamodb';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';

/**
 * `npm start`: the whole gateway on this machine. Without Huawei Cloud keys in the environment it starts the
 * built-in stand-in of the DDS and RDS endpoints and points the functions at it; with real keys
 * (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_REGION) it talks to Huawei Cloud.
 * An in-memory DynamoDB (dynalite) holds the idempotency records; local signing secrets and a Slack allow-list
 * are set unless the environment has its own.
 */
const LOCAL_KEYS = {
  accessKey: 'LOCALSTANDINACCESSKEY',
  secretKey: 'local-stand-in-secret-key',
  projectId: '0123456789abcdef0123456789abcdef',
};
const SQLSERVER_EXAMPLE_INSTANCE = 'c2aac04b4b44460aa75674fc0fd878b2no04';
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
const httpPort = Number(process.env.BACKUP_GATEWAY_PORT ?? 3000);
const lambdaPort = Number(process.env.BACKUP_GATEWAY_LAMBDA_PORT ?? 3002);
/** The stand-in's DDS endpoint; its RDS endpoint listens on the next port. */
const standInPort = Number(process.env.HUAWEICLOUD_STAND_IN_PORT ?? 4010);
const gatewayUrl = `http://localhost:${httpPort}`;

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
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

function banner(env: NodeJS.ProcessEnv, upstream: string): string {
  const invoke = (name: string) => `http://localhost:${lambdaPort}/2015-03-31/functions/backup-gateway-local-${name}/invocations`;
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
  npx tsx local/send-event.ts queue '{"engine":"sqlserver","instanceId":"c2aac04b4b44460aa75674fc0fd878b2no04"}' --eventbridge --print \\
    | curl -sS -X POST ${invoke('createBackupFromQueue')} --data-binary @-

Run the schedule once (targets from BACKUP_SCHEDULE_TARGETS):
  npx tsx local/send-event.ts schedule --print | curl -sS -X POST ${invoke('scheduledBackups')} --data-binary @-

Slack: POST ${gatewayUrl}/slack/commands, signed with SLACK_SIGNING_SECRET=${env.SLACK_SIGNING_SECRET}; allowed user ${env.SLACK_ALLOWED_USERS}.
${upstream.includes('stand-in') ? `Backups the stand-in holds: curl -sS ${env.HUAWEICLOUD_DDS_ENDPOINT}/_stand-in/backups\n` : ''}
Press Ctrl+C to stop.
`;
}

async function main(): Promise<void> {
  const useRealCloud = Boolean(process.env.HUAWEICLOUD_SDK_AK);
  let standIn: HuaweiStandIn | undefined;
  const dynamo: LocalDynamo = await startLocalDynamo();
  const env: NodeJS.ProcessEnv = {
    ...LOCAL_DEFAULTS,
    ...process.env,
    ...dynamo.env,
    BACKUP_GATEWAY_PORT: String(httpPort),
    BACKUP_GATEWAY_LAMBDA_PORT: String(lambdaPort),
  };
  if (!useRealCloud) {
    const ports = { port: standInPort, rdsPort: standInPort + 1 };
    standIn = await startHuaweiStandIn({ ...LOCAL_KEYS, ...ports, completeAfterMs: 10_000 });
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

  const offline = spawn('npx', ['serverless', 'offline', 'start', '--stage', 'local', '--localEnvironment'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async (code: number) => {
    offline.kill('SIGTERM');
    await Promise.all([standIn?.close(), dynamo.close()]);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  offline.once('exit', (code) => {
    console.error(`serverless offline exited (${code ?? 'signal'})`);
    void stop(code ?? 1);
  });

  await waitForPort(httpPort, 60_000);
  const upstream = standIn
    ? `the built-in Huawei Cloud stand-in (DDS ${standIn.ddsUrl}, RDS ${standIn.rdsUrl})`
    : `Huawei Cloud, region ${process.env.HUAWEICLOUD_REGION}`;
  const rdsApiVersion = env.HUAWEICLOUD_RDS_API_VERSION?.trim() || 'v1';
  console.log(banner(env, `${upstream}, RDS API ${rdsApiVersion}`));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
