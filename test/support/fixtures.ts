import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb';
export { lambdaContext } from '../../local/events';
import { startHuaweiStandIn, type HuaweiStandIn, type StandInOptions } from '../../local/huawei-stand-in';
import { logger } from '../../shared/logger';

/** Test keys: the secret key is long and unique so a leak into a log or an answer is easy to find. */
export const TEST_KEYS = {
  accessKey: 'TESTAK7Q2W3E4R5T6Y7U',
  secretKey: 'test-secret-key-9f8e7d6c5b4a-never-to-be-logged',
  projectId: '0123456789abcdef0123456789abcdef',
} as const;

/** Starts the stand-in and points the gateway's environment at it; call before importing a handler. */
export async function startStandInForHandlers(options: Partial<StandInOptions> = {}): Promise<HuaweiStandIn> {
  const standIn = await startHuaweiStandIn({ ...TEST_KEYS, completeAfterMs: 60_000, refuseConcurrentBackups: false, ...options });
  Object.assign(process.env, {
    HUAWEICLOUD_SDK_AK: TEST_KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: TEST_KEYS.secretKey,
    HUAWEICLOUD_SDK_PROJECT_ID: TEST_KEYS.projectId,
    HUAWEICLOUD_REGION: 'cn-north-4',
    HUAWEICLOUD_DDS_ENDPOINT: standIn.url,
    HUAWEICLOUD_RDS_ENDPOINT: standIn.url,
    // Quiet by default; captureOutput() turns the logger up while it listens.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  return standIn;
}

/**
 * Starts the stand-in and an in-memory DynamoDB with the idempotency table, and points the gateway's environment
 * at both; call before importing a handler.
 */
export async function startBackends(options: Partial<StandInOptions> = {}): Promise<{ standIn: HuaweiStandIn; dynamo: LocalDynamo; close: () => Promise<void> }> {
  const [standIn, dynamo] = await Promise.all([startStandInForHandlers(options), startLocalDynamo()]);
  Object.assign(process.env, dynamo.env);
  return { standIn, dynamo, close: async () => void (await Promise.all([standIn.close(), dynamo.close()])) };
}

/** The JSON log lines written while `action` ran. */
export async function logLinesOf(action: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const output = captureOutput();
  try {
    await action();
  } finally {
    output.restore();
  }
  return output
    .text()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface HttpEventOptions {
  body?: string | unknown;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  path?: string;
  sourceIp?: string;
}

/** An API Gateway HTTP API (payload 2.0) event; a non-string body is sent as JSON. */
export function httpEvent({ body, headers, isBase64Encoded = false, path = '/backups', sourceIp = '203.0.113.7' }: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const rawBody = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp, userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '24/Nov/2026:22:15:00 +0000',
      timeEpoch: 1795558500000,
    },
    ...(rawBody !== undefined && { body: isBase64Encoded ? Buffer.from(rawBody, 'utf8').toString('base64') : rawBody }),
    isBase64Encoded,
  };
}

/**
 * Captures everything written to stdout and stderr (where the Powertools logger writes) until restored, with the
 * logger at INFO meanwhile.
 */
export function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const level = logger.getLevelName();
  logger.setLogLevel('INFO');
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      logger.setLogLevel(level);
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}
