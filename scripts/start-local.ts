import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { startHuaweiStandIn, type HuaweiStandIn } from '../local/huawei-stand-in';

/**
 * `npm start`: the whole gateway on this machine. Without Huawei Cloud keys in the environment it starts the
 * built-in stand-in of the DDS and RDS endpoints and points the functions at it; with real keys
 * (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_REGION) it talks to Huawei Cloud.
 */
const LOCAL_KEYS = {
  accessKey: 'LOCALSTANDINACCESSKEY',
  secretKey: 'local-stand-in-secret-key',
  projectId: '0123456789abcdef0123456789abcdef',
};
const httpPort = Number(process.env.BACKUP_GATEWAY_PORT ?? 3000);
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

async function main(): Promise<void> {
  const useRealCloud = Boolean(process.env.HUAWEICLOUD_SDK_AK);
  let standIn: HuaweiStandIn | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, BACKUP_GATEWAY_PORT: String(httpPort) };
  if (!useRealCloud) {
    standIn = await startHuaweiStandIn({ ...LOCAL_KEYS, port: standInPort, completeAfterMs: 10_000 });
    Object.assign(env, {
      HUAWEICLOUD_SDK_AK: LOCAL_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: LOCAL_KEYS.secretKey,
      HUAWEICLOUD_SDK_PROJECT_ID: LOCAL_KEYS.projectId,
      HUAWEICLOUD_REGION: 'cn-north-4',
      HUAWEICLOUD_DDS_ENDPOINT: standIn.url,
      HUAWEICLOUD_RDS_ENDPOINT: standIn.url,
    });
  }

  const offline = spawn('npx', ['serverless', 'offline', 'start', '--stage', 'local', '--localEnvironment'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async (code: number) => {
    offline.kill('SIGTERM');
    await standIn?.close();
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
    ? `the built-in Huawei Cloud stand-in at ${standIn.url} (backups it holds: ${standIn.url}/_stand-in/backups)`
    : `Huawei Cloud, region ${process.env.HUAWEICLOUD_REGION}`;
  console.log(`
backup-gateway is running at ${gatewayUrl}, talking to ${upstream}.

Create a backup:
  curl -sS -X POST ${gatewayUrl}/backups -H 'Content-Type: application/json' \\
    -d '{"engine":"mysql","instanceId":"44b277eb-39be-4921-be31-3d61b43651d7","description":"before the migration"}'

Press Ctrl+C to stop.
`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
