import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { captureOutput, httpEvent, lambdaContext, startBackends } from './support/fixtures';
import { expectDocumentedResponse } from './support/openapi';

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

/** A request of its own for each test: the idempotency store outlives a test, and the clock may not move on. */
const requestFor = (test: string) => ({ engine: 'dds', instanceId: `replay-${test}-0000000000000000in02` });

/** Sends an event; the handler parses the body in place, so a replay must be a copy of what was captured. */
async function send(event: APIGatewayProxyEventV2) {
  const response = await handler(event, lambdaContext());
  expectDocumentedResponse(response);
  return { status: response.statusCode, body: String(response.body) };
}

beforeAll(async () => {
  ({ standIn, close: closeBackends } = await startBackends());
  ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: typeof handler });
});
afterAll(() => closeBackends());
beforeEach(() => standIn.reset());

describe('POST /backups: a replayed signed request', () => {
  it('creates one backup for a request and three replays of it, and answers each with the first answer', async () => {
    const captured = httpEvent({ body: requestFor('three') });

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send(structuredClone(captured)));

    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
    expect(JSON.parse(answers[0].body)).toMatchObject({ backupId: standIn.backups()[0].id });
    expect(standIn.requests).toHaveLength(1);
  });

  it('takes a replay whose signature is spelt in capitals for the same request', async () => {
    const captured = httpEvent({ body: requestFor('capitals') });
    const capitalised = { ...captured, headers: { ...captured.headers } };
    const hex = captured.headers['x-backup-signature']!.slice('sha256='.length);
    capitalised.headers['x-backup-signature'] = `sha256=${hex.toUpperCase()}`;

    const first = await send(structuredClone(captured));
    const replay = await send(capitalised);

    expect(replay).toEqual(first);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('still creates a backup for the same body signed again at another time: that is a new request', async () => {
    const request = requestFor('resigned');
    await send(httpEvent({ body: request, signing: { at: new Date(Date.now() - 2_000) } }));
    await send(httpEvent({ body: request }));

    expect(standIn.backups()).toHaveLength(2);
  });

  it('keys a request by its own idempotency key when it has one', async () => {
    const request = { body: requestFor('own-key'), headers: { 'Idempotency-Key': 'replay-own-key' } };
    await send(httpEvent(request));
    const again = await send(httpEvent({ ...request, signing: { at: new Date(Date.now() - 2_000) } }));

    expect(again.status).toBe(202);
    expect(standIn.backups()).toHaveLength(1);
  });

  it('never writes the signature into the log', async () => {
    const captured = httpEvent({ body: requestFor('log') });
    const output = captureOutput();
    try {
      await send(structuredClone(captured));
      await send(structuredClone(captured));
    } finally {
      output.restore();
    }

    expect(output.text()).toContain('repeated request answered with the first result');
    expect(output.text().toLowerCase()).not.toContain(captured.headers['x-backup-signature']!.slice(7));
  });
});
