import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDynamoFaults } from './support/dynamo-faults';
import { captureOutput, httpEvent, lambdaContext, startBackends } from './support/fixtures';

/**
 * Store faults after Huawei Cloud made the backup: the caller still gets its backup, and no fault of the
 * idempotency store — throttling, a 500, a slow answer, a write that never lands — buys a second backup.
 */
let backends: Awaited<ReturnType<typeof startBackends>>;
let faults: Awaited<ReturnType<typeof startDynamoFaults>>;
let handler: typeof import('../functions/createBackup/handler')['handler'];

beforeAll(async () => {
  backends = await startBackends();
  faults = await startDynamoFaults(backends.dynamo.endpoint);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = faults.url;
  ({ handler } = await import('../functions/createBackup/handler'));
});
afterAll(async () => {
  await faults.close();
  await backends.close();
});
beforeEach(() => backends.standIn.reset());

const request = { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02' };
async function post(key: string, remainingMs?: number) {
  const response = (await handler(
    httpEvent({ body: request, headers: { 'Idempotency-Key': key } }),
    lambdaContext({ remainingMs }),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) };
}
const creates = () => backends.standIn.requests.filter((sent) => sent.method === 'POST');

describe('store faults after the backup was made', () => {
  it('absorbs a throttled or failed record write by retrying it: a repeat is answered from the record', async () => {
    faults.fail('UpdateItem', 1, { status: 400, type: 'ProvisionedThroughputExceededException' });
    faults.fail('UpdateItem', 1, { status: 500, type: 'InternalServerError' });
    const first = await post('store-throttled');
    const repeat = await post('store-throttled');

    expect(first.status).toBe(202);
    expect(repeat.body).toEqual(first.body);
    expect(creates()).toHaveLength(1);
  });

  it('answers 202 with the backup when the record cannot be written at all, and a later retry gets the same backup', async () => {
    faults.fail('UpdateItem', 3, { status: 500, type: 'InternalServerError' });
    const output = captureOutput();
    const first = await post('store-down').finally(output.restore);
    expect(first.status).toBe(202);
    expect(output.text()).toContain('idempotency record could not be updated after the upstream call');

    // The key is left "in progress" until that invocation's end; a retry after it looks before it creates.
    // Ten minutes on: the invocation has surely ended, and the stand-in's 15-minute signature window still holds.
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ['Date'] });
    try {
      const retry = await post('store-down');
      expect(retry.status).toBe(202);
      expect(retry.body.backupId).toBe(first.body.backupId);
    } finally {
      vi.useRealTimers();
    }
    expect(creates()).toHaveLength(1);
    expect(backends.standIn.backups()).toHaveLength(1);
  });

  it('keeps time back for a slow record write when little time is left', async () => {
    faults.fail('UpdateItem', 1, { status: 0, type: '', delayMs: 1_000 });
    const first = await post('store-slow', 4_000);
    const repeat = await post('store-slow');

    expect(first.status).toBe(202);
    expect(repeat.body).toEqual(first.body);
    expect(creates()).toHaveLength(1);
  });
});
