import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { httpEvent, lambdaContext, logLinesOf, startStandInForHandlers } from './support/fixtures';

let standIn: HuaweiStandIn;
let handler: typeof import('../functions/createBackup/handler')['handler'];
let coldStartLog: Array<Record<string, unknown>>;

beforeAll(async () => {
  standIn = await startStandInForHandlers();
  delete process.env.IDEMPOTENCY_TABLE;
  delete process.env.DYNAMODB_ENDPOINT;
  coldStartLog = await logLinesOf(async () => ({ handler } = await import('../functions/createBackup/handler')));
});
afterAll(() => standIn.close());

describe('without IDEMPOTENCY_TABLE', () => {
  it('warns at cold start that idempotency is off', () => {
    expect(coldStartLog).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: expect.stringContaining('idempotency is off because IDEMPOTENCY_TABLE is not set'),
      }),
    ]);
  });

  it('still creates backups, one per request even with the same key', async () => {
    const event = () =>
      httpEvent({
        body: { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02' },
        headers: { 'Idempotency-Key': 'k-1' },
      });
    const responses = [
      await handler(event(), lambdaContext()),
      await handler(event(), lambdaContext()),
    ] as APIGatewayProxyStructuredResultV2[];

    expect(responses.map((response) => response.statusCode)).toEqual([202, 202]);
    expect(standIn.backups()).toHaveLength(2);
  });
});
