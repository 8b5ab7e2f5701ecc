import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamodb';
import { startLocalEventBridge, type LocalEventBridge } from '../../local/eventbridge';
import { lambdaContext } from '../../local/events';
import { startHuaweiStandIn, type HuaweiStandIn, type StandInOptions } from '../../local/huawei-stand-in';
import { SLACK_SIGNATURE, WEBHOOK_SIGNATURE, signedHeaders, type SignatureScheme } from '../../shared/auth/hmac';

export { lambdaContext };

/** Test keys: the secret key is long and unique so a leak into a log or an answer is easy to find. */
export const TEST_KEYS = {
  accessKey: 'TESTAK7Q2W3E4R5T6Y7U',
  secretKey: 'test-secret-key-9f8e7d6c5b4a-never-to-be-logged',
  projectId: '0123456789abcdef0123456789abcdef',
} as const;

/** Signing secrets of the test environment; long and unique, like the keys, so a leak is easy to find. */
export const TEST_SIGNING_SECRETS = {
  webhook: 'test-webhook-secret-5e4d3c2b1a-never-to-be-logged',
  slack: 'test-slack-secret-0a1b2c3d4e-never-to-be-logged',
} as const;

/** Slack IDs the test environment allows: one user, one channel. */
export const TEST_SLACK_ALLOWED = { user: 'U0ALLOWED1', channel: 'C0ALLOWED1' } as const;

/** Who may call the gateway in tests: the signing secrets and the Slack allow-list. */
export const TEST_AUTH_ENVIRONMENT = {
  SIGNING_SECRETS_SECRET: '',
  WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook,
  SLACK_SIGNING_SECRET: TEST_SIGNING_SECRETS.slack,
  SLACK_ALLOWED_USERS: TEST_SLACK_ALLOWED.user,
  SLACK_ALLOWED_CHANNELS: TEST_SLACK_ALLOWED.channel,
  // Refused at once (port 9, discard): tests that hand creates to a queue point this at their SQS stand-in.
  BACKUP_REQUESTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/backup-requests',
  // Never Slack itself: tests that follow a command through point this (and its response URL) at a Slack stand-in.
  SLACK_RESPONSE_URL_PREFIX: 'http://127.0.0.1:9/',
};

/** The environment that points the gateway at a stand-in, with the test keys, signing secrets and allow-list. */
export function standInEnvironment(standIn: Pick<HuaweiStandIn, 'ddsUrl' | 'rdsUrl'>): Record<string, string> {
  return {
    HUAWEICLOUD_SDK_AK: TEST_KEYS.accessKey,
    HUAWEICLOUD_SDK_SK: TEST_KEYS.secretKey,
    HUAWEICLOUD_SDK_PROJECT_ID: TEST_KEYS.projectId,
    HUAWEICLOUD_REGION: 'cn-north-4',
    HUAWEICLOUD_DDS_ENDPOINT: standIn.ddsUrl,
    HUAWEICLOUD_RDS_ENDPOINT: standIn.rdsUrl,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...TEST_AUTH_ENVIRONMENT,
  };
}

/** Starts the stand-in and points the gateway's environment at it; call before importing a handler. */
export async function startStandInForHandlers(options: Partial<StandInOptions> = {}): Promise<HuaweiStandIn> {
  const standIn = await startHuaweiStandIn({
    ...TEST_KEYS,
    completeAfterMs: 60_000,
    refuseConcurrentBackups: false,
    ...options,
  });
  Object.assign(process.env, standInEnvironment(standIn));
  return standIn;
}

/**
 * Starts the stand-in and an in-memory DynamoDB with the idempotency table, and points the gateway's environment
 * at both; call before importing a handler.
 */
export async function startBackends(
  options: Partial<StandInOptions> = {},
): Promise<{ standIn: HuaweiStandIn; dynamo: LocalDynamo; bus: LocalEventBridge; close: () => Promise<void> }> {
  const [standIn, dynamo, bus] = await Promise.all([
    startStandInForHandlers(options),
    startLocalDynamo(),
    startLocalEventBridge(),
  ]);
  Object.assign(process.env, dynamo.env, { AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url });
  return {
    standIn,
    dynamo,
    bus,
    close: async () => void (await Promise.all([standIn.close(), dynamo.close(), bus.close()])),
  };
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

/** How a fixture is signed: with a secret, at a time, by a scheme; `false` sends it unsigned. */
export type Signing = false | { scheme?: SignatureScheme; secret?: string; at?: Date };

interface HttpEventOptions {
  body?: string | unknown;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  path?: string;
  sourceIp?: string;
  /** By default the webhook signature with the test secret, now. */
  signing?: Signing;
  /** When API Gateway took the request (`requestContext.timeEpoch`). */
  arrivedAt?: number;
}

/**
 * An API Gateway HTTP API (payload 2.0) event; a non-string body is sent as JSON. It is signed as a webhook with
 * the test secret unless `signing` says otherwise; `headers` are applied last, so a test can spoil a signature.
 */
export function httpEvent({
  body,
  headers,
  isBase64Encoded = false,
  path = '/backups',
  sourceIp = '203.0.113.7',
  signing = {},
  arrivedAt = 1795558500000,
}: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const rawBody = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const signature =
    signing === false
      ? {}
      : signedHeaders(
          signing.scheme ?? WEBHOOK_SIGNATURE,
          signing.secret ?? TEST_SIGNING_SECRETS.webhook,
          Buffer.from(rawBody ?? '', 'utf8'),
          signing.at ?? new Date(),
        );
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...signature, ...headers },
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
      timeEpoch: arrivedAt,
    },
    ...(rawBody !== undefined && { body: isBase64Encoded ? Buffer.from(rawBody, 'utf8').toString('base64') : rawBody }),
    isBase64Encoded,
  };
}

interface SlackCommandOptions {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  teamId?: string;
  /** Where the follow-up goes; by default a URL under the test prefix that nothing serves. */
  responseUrl?: string;
  /** By default Slack's signature with the test secret, now. */
  signing?: Signing;
  /** API Gateway base64-encodes form bodies; `false` sends the form as text. */
  isBase64Encoded?: boolean;
  arrivedAt?: number;
}

/** A slash command as Slack posts it through API Gateway: a signed form, arrived now, from the allowed user. */
export function slackCommandEvent({
  text,
  userId = TEST_SLACK_ALLOWED.user,
  userName = 'alice',
  channelId = 'C0OTHERCH1',
  teamId = 'T0TEAM0001',
  responseUrl = `${TEST_AUTH_ENVIRONMENT.SLACK_RESPONSE_URL_PREFIX}commands/T0TEAM0001/1/abc`,
  signing = {},
  isBase64Encoded = true,
  arrivedAt = Date.now(),
}: SlackCommandOptions): APIGatewayProxyEventV2 {
  const form = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: teamId,
    team_domain: 'example',
    channel_id: channelId,
    channel_name: 'ops',
    user_id: userId,
    user_name: userName,
    command: '/backup',
    text,
    api_app_id: 'A0APP00001',
    response_url: responseUrl,
    trigger_id: '1.2.abc',
  });
  return httpEvent({
    body: form.toString(),
    path: '/slack/commands',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    isBase64Encoded,
    signing: signing && { scheme: SLACK_SIGNATURE, secret: TEST_SIGNING_SECRETS.slack, ...signing },
    arrivedAt,
  });
}

/** Captures everything written to stdout and stderr (where the Powertools logger writes) until restored. */
export function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
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
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}
