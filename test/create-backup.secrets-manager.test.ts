import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { startFakeSecretsManager } from './support/fake-secrets-manager';
import { httpEvent, lambdaContext, logLinesOf, startStandInForHandlers, TEST_KEYS } from './support/fixtures';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
const SECRET_ID = 'backup-gateway/test/huaweicloud';
const NOT_JSON_SECRET_ID = 'backup-gateway/test/not-json';
/** A secret stored as bare text, as an operator might by mistake: JSON.parse's message would quote it. */
const NOT_JSON_VALUE = 'deadbeefcafefacefeedc0ffeebad5eed';
let standIn: HuaweiStandIn;
let secrets: Awaited<ReturnType<typeof startFakeSecretsManager>>;
let handler: Handler;
const savedEnv = { ...process.env };

beforeAll(async () => {
  standIn = await startStandInForHandlers({ securityToken: 'temporary-security-token' });
  secrets = await startFakeSecretsManager({
    [SECRET_ID]: JSON.stringify({
      HUAWEICLOUD_SDK_AK: TEST_KEYS.accessKey,
      HUAWEICLOUD_SDK_SK: TEST_KEYS.secretKey,
      HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temporary-security-token',
    }),
    [NOT_JSON_SECRET_ID]: NOT_JSON_VALUE,
  });
  delete process.env.HUAWEICLOUD_SDK_AK;
  delete process.env.HUAWEICLOUD_SDK_SK;
  Object.assign(process.env, {
    HUAWEICLOUD_CREDENTIALS_SECRET: SECRET_ID,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFORTESTS',
    AWS_SECRET_ACCESS_KEY: 'fake-aws-secret-for-tests',
  });
  ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
});
afterAll(async () => {
  process.env = savedEnv;
  await standIn.close();
  await secrets.close();
});
// Each test stands alone: run by itself (vitest -t) or after the other, it sees only its own requests.
beforeEach(() => {
  standIn.reset();
  secrets.calls.length = 0;
});

it('signs with the keys and token read from Secrets Manager, read once and then cached', async () => {
  for (const instanceId of ['i-1', 'i-2']) {
    const response = await handler(httpEvent({ body: { engine: 'dds', instanceId } }), lambdaContext());
    expect(response.statusCode).toBe(202);
  }
  expect(standIn.requests.map((r) => r.refusal)).toEqual([undefined, undefined]);
  expect(standIn.requests[0].headers['x-security-token']).toBe('temporary-security-token');
  expect(secrets.calls).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: SECRET_ID }]);
});

/** A handler cold-started with another Huawei credentials secret. */
async function handlerReading(secretId: string): Promise<Handler> {
  process.env.HUAWEICLOUD_CREDENTIALS_SECRET = secretId;
  vi.resetModules();
  try {
    return ((await import('../functions/createBackup/handler')) as unknown as { handler: Handler }).handler;
  } finally {
    process.env.HUAWEICLOUD_CREDENTIALS_SECRET = SECRET_ID;
  }
}

it('answers 500 "not configured" and logs why when the secret cannot be read', async () => {
  const fresh = await handlerReading('backup-gateway/test/missing');
  let response!: APIGatewayProxyStructuredResultV2;
  const logs = await logLinesOf(async () => {
    response = await fresh(httpEvent({ body: { engine: 'dds', instanceId: 'i-3' } }), lambdaContext());
  });
  expect(response.statusCode).toBe(500);
  expect(JSON.parse(String(response.body))).toMatchObject({ code: 'not_configured' });
  expect(logs).toEqual([
    expect.objectContaining({
      level: 'ERROR',
      message: 'gateway not configured',
      detail:
        "Secret backup-gateway/test/missing could not be read: ResourceNotFoundException (Secrets Manager can't find the specified secret.)",
    }),
  ]);
  expect(standIn.requests).toHaveLength(0);
});

it('never repeats any part of a secret that is not JSON, in the log or the answer', async () => {
  const fresh = await handlerReading(NOT_JSON_SECRET_ID);
  let response!: APIGatewayProxyStructuredResultV2;
  const logs = await logLinesOf(async () => {
    response = await fresh(httpEvent({ body: { engine: 'dds', instanceId: 'i-4' } }), lambdaContext());
  });
  expect(response.statusCode).toBe(500);
  expect(logs).toEqual([
    expect.objectContaining({
      message: 'gateway not configured',
      detail: `Secret ${NOT_JSON_SECRET_ID} must hold a JSON object (its value is not shown)`,
    }),
  ]);
  const everything = JSON.stringify(logs) + String(response.body);
  for (let start = 0; start + 8 <= NOT_JSON_VALUE.length; start++)
    expect(everything).not.toContain(NOT_JSON_VALUE.slice(start, start + 8));
  expect(standIn.requests).toHaveLength(0);
});
