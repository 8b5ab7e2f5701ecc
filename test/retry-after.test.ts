import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { retryAfterMs } from '../shared/huawei/client';
import { httpEvent, lambdaContext, startStandInForHandlers } from './support/fixtures';

const NOW = Date.UTC(2026, 10, 24, 22, 15, 0);
const HOUR_MS = 3_600_000;

describe('Retry-After from Huawei Cloud', () => {
  it.each([
    ['a huge number of seconds', '99999999999999999999', HOUR_MS],
    ['two hours in seconds', '7200', HOUR_MS],
    ['an HTTP date a year ahead', new Date(NOW + 365 * 24 * HOUR_MS).toUTCString(), HOUR_MS],
    ['exactly an hour', '3600', HOUR_MS],
    ['a minute, with spaces around it', ' 60 ', 60_000],
  ])('takes %s as at most an hour', (_, value, expected) => {
    expect(retryAfterMs(value, NOW)).toBe(expected);
  });

  describe('through POST /backups', () => {
    let standIn: HuaweiStandIn;
    beforeAll(async () => {
      standIn = await startStandInForHandlers();
    });
    afterAll(() => standIn.close());

    it('passes a capped Retry-After on to the caller, in whole seconds', async () => {
      const { handler } = (await import('../functions/createBackup/handler')) as unknown as {
        handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
      };
      const body = JSON.stringify({ error_code: 'APIGW.0308', error_msg: 'Throttled' });
      standIn.script({ kind: 'answer', status: 429, headers: { 'Retry-After': '99999999999999999999' }, body });

      const response = await handler(httpEvent({ body: { engine: 'dds', instanceId: 'i-1' } }), lambdaContext());

      expect(response.statusCode).toBe(429);
      expect(response.headers).toMatchObject({ 'Retry-After': '3600' });
      expect(standIn.requests).toHaveLength(1);
    });
  });
});
