import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { httpEvent, lambdaContext, slackCommandEvent, startStandInForHandlers } from './support/fixtures';
import { expectDocumentedResponse } from './support/openapi';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let standIn: HuaweiStandIn;
let createBackup: Handler;
let slackCommand: Handler;

const REQUEST = { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02', name: 'body-01' };
const KIB = 1024;

beforeAll(async () => {
  standIn = await startStandInForHandlers();
  ({ handler: createBackup } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
  ({ handler: slackCommand } = (await import('../functions/slackCommand/handler')) as unknown as { handler: Handler });
});
afterAll(() => standIn.close());
beforeEach(() => standIn.reset());

async function post(event: APIGatewayProxyEventV2) {
  const response = await createBackup(event, lambdaContext());
  expectDocumentedResponse(response);
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(String(response.body)) };
}

/** A request padded with a description-less filler field to exactly `bytes` bytes of JSON. */
const bodyOfSize = (bytes: number): string => {
  const start = JSON.stringify({ ...REQUEST, padding: '' });
  return `${start.slice(0, -2)}${'p'.repeat(bytes - start.length)}"}`;
};

describe('POST /backups: the size of the body', () => {
  it.each([
    ['signed', {}],
    ['base64-encoded', { isBase64Encoded: true }],
    ['unsigned (the size is checked first)', { signing: false as const }],
  ])('refuses a %s body over 64 KiB with 413 before reading it', async (_, options) => {
    const { status, headers, body } = await post(httpEvent({ body: bodyOfSize(64 * KIB + 1), ...options }));

    expect(status).toBe(413);
    expect(headers['Content-Type']).toBe('application/problem+json');
    expect(body).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(body.detail).toBe('The body is larger than 64 KiB, the most the gateway reads; no backup was requested.');
    expect(standIn.requests).toHaveLength(0);
  });

  it('reads a body of exactly 64 KiB', async () => {
    const { status, body } = await post(httpEvent({ body: bodyOfSize(64 * KIB) }));

    expect(status).toBe(400);
    expect(body.errors).toEqual([{ field: 'padding', message: 'is not a known field' }]);
  });

  it('counts bytes, not characters', async () => {
    const request = JSON.stringify({ ...REQUEST, description: 'é'.repeat(33 * KIB) });
    expect(request.length).toBeLessThan(64 * KIB);
    expect((await post(httpEvent({ body: request }))).status).toBe(413);
  });

  it('refuses a Slack command over 64 KiB with 413 too', async () => {
    const response = await slackCommand(slackCommandEvent({ text: `dds ${'x'.repeat(64 * KIB)}` }), lambdaContext());

    expect(response.statusCode).toBe(413);
    expect(JSON.parse(String(response.body))).toMatchObject({ code: 'payload_too_large' });
    expect(standIn.requests).toHaveLength(0);
  });
});

describe('POST /backups: an empty or missing body', () => {
  it.each([
    ['null, as serverless-offline sends an empty body', '', null],
    ['blank', ' \n', ' \n'],
  ])('answers a signed body that is %s with 400, not 500', async (_, signed, body) => {
    const event = { ...httpEvent({ body: signed }), body } as unknown as APIGatewayProxyEventV2;
    const { status, body: problem } = await post(event);

    expect(status).toBe(400);
    expect(problem.errors).toEqual([{ field: '', message: 'the body is empty; send a JSON object' }]);
  });

  it('answers the JSON literal null with 400: not an object', async () => {
    const { status, body } = await post(httpEvent({ body: 'null' }));

    expect(status).toBe(400);
    expect(body.errors).toEqual([{ field: '', message: 'the body must be a JSON object' }]);
  });
});

describe('POST /backups: the media type', () => {
  it.each([
    ['content-type', 'APPLICATION/JSON'],
    ['content-type', 'application/json; charset=utf-8'],
    ['content-type', 'Application/Json;Charset=UTF-8'],
    ['content-type', 'application/vnd.backup+json'],
    ['Content-Type', 'application/json'],
    ['CONTENT-TYPE', 'application/json'],
  ])('takes %s: %s as JSON', async (name, value) => {
    const event = httpEvent({ body: REQUEST, headers: { [name]: value } });
    if (name !== 'content-type') delete event.headers['content-type'];

    expect((await post(event)).status).toBe(202);
    expect(standIn.backups()).toHaveLength(1);
  });

  it.each(['text/plain', 'application/jsonp', 'application/x-www-form-urlencoded', ''])(
    'refuses "%s" with 415',
    async (contentType) => {
      const { status, body } = await post(httpEvent({ body: REQUEST, headers: { 'content-type': contentType } }));

      expect(status).toBe(415);
      expect(body.code).toBe('unsupported_media_type');
      expect(standIn.requests).toHaveLength(0);
    },
  );
});
