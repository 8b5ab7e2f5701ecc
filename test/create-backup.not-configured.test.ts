import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOutput, httpEvent, lambdaContext } from './support/fixtures';
import { expectDocumentedResponse } from './support/openapi';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
const saved = { ...process.env };
let handler: Handler;
let coldStartLog: string;

beforeAll(async () => {
  for (const name of Object.keys(process.env)) if (name.startsWith('HUAWEICLOUD_')) delete process.env[name];
  process.env.HUAWEICLOUD_SDK_SK = 'sk-that-must-not-leak';
  const output = captureOutput();
  try {
    ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
  } finally {
    output.restore();
  }
  coldStartLog = output.text();
});
afterAll(() => {
  process.env = saved;
});

it('says at cold start which variables are missing, without their values', () => {
  expect(coldStartLog).toContain('cold start failed');
  for (const name of ['HUAWEICLOUD_SDK_PROJECT_ID', 'HUAWEICLOUD_REGION', 'HUAWEICLOUD_SDK_AK'])
    expect(coldStartLog).toContain(name);
  expect(coldStartLog).not.toContain('sk-that-must-not-leak');
});

it('answers every valid request with 500 "not configured", without internals', async () => {
  const response = await handler(httpEvent({ body: { engine: 'dds', instanceId: 'i-1' } }), lambdaContext());
  expectDocumentedResponse(response);
  const problem = JSON.parse(String(response.body));
  expect(problem).toMatchObject({ status: 500, code: 'not_configured', title: 'The backup gateway is not configured' });
  expect(problem.detail).not.toContain('HUAWEICLOUD');
});
