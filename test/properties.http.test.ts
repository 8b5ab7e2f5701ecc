import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { anyJson, validRequest } from './support/arbitraries';
import { httpEvent, lambdaContext, startStandInForHandlers } from './support/fixtures';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let standIn: HuaweiStandIn;
let handler: Handler;

beforeAll(async () => {
  // Any instance may be named with databases here, so the stand-in takes unknown instances for SQL Server.
  standIn = await startStandInForHandlers({ defaultRdsEngine: 'SQLServer' });
  ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
});
afterAll(() => standIn.close());

/** Sends one body and returns the answer with the upstream requests it caused. */
async function exchange(event: ReturnType<typeof httpEvent>) {
  standIn.reset();
  const response = await handler(event, lambdaContext());
  return { status: response.statusCode ?? 0, body: String(response.body), upstream: [...standIn.requests] };
}

describe('POST /backups properties', () => {
  it('answers any JSON with a documented 2xx or 4xx, and calls upstream only with a body the service accepts', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (input) => {
        const { status, upstream } = await exchange(httpEvent({ body: JSON.stringify(input) }));
        expect([202, 400]).toContain(status);
        if (status === 400) expect(upstream).toHaveLength(0);
        for (const request of upstream) expect(request.refusal).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary bytes with a 4xx and never calls upstream', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.boolean(), async (bytes, declaredJson) => {
        const event = httpEvent({ headers: declaredJson ? {} : { 'content-type': 'application/octet-stream' } });
        Object.assign(event, { body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true });
        const { status, upstream } = await exchange(event);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(upstream).toHaveLength(0);
      }),
      { numRuns: 200 },
    );
  });

  it("sends every valid request upstream with the caller's values exactly, in its engine's spelling", async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, fc.boolean(), async (request, base64) => {
        const { status, body, upstream } = await exchange(httpEvent({ body: request, isBase64Encoded: base64 }));
        expect(status, body).toBe(202);
        expect(upstream).toHaveLength(1);
        expect(upstream[0].refusal).toBeUndefined();
        const sent = JSON.parse(upstream[0].body).backup;
        const given = request as Record<string, unknown>;
        const instanceId = given.instanceId ?? given.instance ?? given.instance_id;
        expect(sent[request.engine.toLowerCase() === 'dds' ? 'instance_id' : 'instance']).toBe(instanceId);
        if (given.name !== undefined) expect(sent.name).toBe(given.name);
        expect(sent.description).toBe(given.description);
        expect(sent.databases).toEqual((given.databases as string[] | undefined)?.map((name) => ({ name })));
        expect(JSON.parse(body)).toMatchObject({ instanceId, name: sent.name, backupId: standIn.backups()[0].id });
      }),
      { numRuns: 200 },
    );
  });
});
