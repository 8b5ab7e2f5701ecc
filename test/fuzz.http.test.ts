import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { anyJson, brokenRequest, validRequest } from './support/arbitraries';
import { httpEvent, lambdaContext, startStandInForHandlers } from './support/fixtures';

/**
 * Hostile bodies through the real `POST /backups` handler (signed, its whole middleware chain, in process), with
 * the stand-in as Huawei Cloud: whatever is sent, the gateway answers in its own words (never a 5xx of its own),
 * sends nothing upstream for input it refuses, and answers in at most 16 KiB.
 */
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let standIn: HuaweiStandIn;
let handler: Handler;

const KIB = 1024;
const MAX_ANSWER_BYTES = 16 * KIB;
/** The codes by which the gateway refuses input itself: none of them may have called Huawei Cloud. */
const REFUSALS = ['invalid_request', 'payload_too_large', 'unsupported_media_type', 'unauthorized'];

beforeAll(async () => {
  // Any instance may be named with databases here, so the stand-in takes unknown instances for SQL Server.
  standIn = await startStandInForHandlers({ defaultRdsEngine: 'SQLServer' });
  ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
});
afterAll(() => standIn.close());

interface Sent {
  /** The raw body, exactly as signed and sent. */
  text: string;
  /** What the generator knows the answer to a body declared as JSON must be, when it knows. */
  expected?: { status: number; code: string };
}

/** What the answer must be, whatever the generator knew: the size is checked first, the media type next. */
function expectedAnswer(sent: Sent, contentType: string): Sent['expected'] {
  if (Buffer.byteLength(sent.text) > 64 * KIB) return { status: 413, code: 'payload_too_large' };
  if (contentType === 'text/plain') return { status: 415, code: 'unsupported_media_type' };
  return sent.expected;
}

const REQUEST = { engine: 'sqlserver', instanceId: 'c2aac04b4b44460aa75674fc0fd878b2no04' };
const json = (value: unknown): Sent => ({ text: JSON.stringify(value) });
/** A body the rules refuse by construction. */
const refused = (text: string): Sent => ({ text, expected: { status: 400, code: 'invalid_request' } });
/** Half of a surrogate pair, alone: a JavaScript string and JSON (escaped) can hold it, UTF-8 cannot. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const oddCharacter = fc.oneof(loneSurrogate, fc.constantFrom('\u0000', '\n', '"', '\\', 'ä', '😀', '\u202e'));
const anyText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.array(oddCharacter, { maxLength }).map((parts) => parts.join('')),
  );

const oversized = fc
  .tuple(fc.integer({ min: 64 * KIB + 1, max: 72 * KIB }), fc.constantFrom('x', 'é', '😀'))
  .map(([bytes, filler]): Sent => {
    const start = JSON.stringify({ ...REQUEST, description: '' }).slice(0, -2);
    return { text: `${start}${filler.repeat(Math.ceil(bytes / Buffer.byteLength(filler)))}"}` };
  });

const deeplyNested = fc
  .tuple(
    fc.integer({ min: 100, max: 3_000 }),
    fc.constantFrom('[]', '{}'),
    fc.constantFrom('body', 'databases', 'extra', 'name'),
  )
  .map(([depth, brackets, where]) => {
    const open = brackets === '[]' ? '[' : '{"a":';
    const close = brackets === '[]' ? ']' : '}';
    const nested = `${open.repeat(depth)}${brackets === '[]' ? '' : '1'}${close.repeat(depth)}`;
    if (where === 'body') return refused(nested);
    return refused(`{"engine":"sqlserver","instanceId":"i-1","${where}":${nested}}`);
  });

/** `__proto__`, `constructor` or `prototype` as an own key of a request that is valid without it. */
const prototypeKeys = fc
  .tuple(
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
    validRequest,
    fc.jsonValue({ maxDepth: 2 }),
    fc.boolean(),
  )
  .map(([key, request, value, first]) => {
    const rest = JSON.stringify(request).slice(1, -1);
    const injected = `"${key}":${JSON.stringify(value ?? null)}`;
    return refused(`{${first ? `${injected},${rest}` : `${rest},${injected}`}}`);
  });

const hugeArrays = fc
  .oneof(
    fc.integer({ min: 101, max: 3_000 }).map((count) => Array.from({ length: count }, (_, i) => `d${i}`)),
    fc.integer({ min: 101, max: 5_000 }).map((count) => Array<string>(count).fill('')),
  )
  .map((databases) => ({ ...REQUEST, databases }))
  .chain((request) => fc.constantFrom(request, Array(request.databases.length).fill(REQUEST.engine)))
  .map((value) => refused(JSON.stringify(value)));

const manyUnknownFields = fc.tuple(fc.integer({ min: 21, max: 300 }), anyText(40)).map(([count, stem]) => {
  const unknown = Object.fromEntries(Array.from({ length: count }, (_, i) => [`${stem}${i}`, i]));
  return refused(JSON.stringify({ ...REQUEST, ...unknown }));
});

/** Every known field wrong in its most wordy way, with unknown fields named in long unusual text. */
const wordyProblems = fc
  .record({
    engine: anyText(200),
    instanceId: anyText(300),
    instance: anyText(300),
    instance_id: anyText(300),
    name: anyText(500),
    description: anyText(500).map((text) => `${text}>!<"&'=${'x'.repeat(300)}`),
    idempotencyKey: anyText(500),
    databases: fc.array(anyText(200), { maxLength: 100 }),
    unknown: fc.array(anyText(300), { maxLength: 40 }),
  })
  .map(({ unknown, ...fields }) => {
    const unknownFields = Object.fromEntries(unknown.map((field, i) => [`${field}${i}`, 0]));
    return json({ ...fields, ...unknownFields });
  });

const unicodeFields = fc
  .record(
    {
      engine: fc.constantFrom('dds', 'MySQL', 'sqlserver'),
      instanceId: anyText(80),
      name: anyText(80),
      description: anyText(300),
    },
    { requiredKeys: ['engine'] },
  )
  .map(json);

const arbitraryBytes = fc
  .uint8Array({ maxLength: 2_000 })
  .map((bytes): Sent => ({ text: Buffer.from(bytes).toString('latin1') }));

const broken = brokenRequest.map(({ body: request }) => refused(JSON.stringify(request)));
const body: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 2, arbitrary: validRequest.map(json) },
  { weight: 6, arbitrary: broken },
  { weight: 6, arbitrary: anyJson.map(json) },
  { weight: 3, arbitrary: oversized },
  { weight: 3, arbitrary: deeplyNested },
  { weight: 4, arbitrary: prototypeKeys },
  { weight: 2, arbitrary: hugeArrays },
  { weight: 2, arbitrary: manyUnknownFields },
  { weight: 3, arbitrary: wordyProblems },
  { weight: 3, arbitrary: unicodeFields },
  { weight: 2, arbitrary: arbitraryBytes },
);

const contentType = fc.constantFrom(
  'application/json',
  'APPLICATION/JSON; charset=UTF-8',
  'application/problem+json',
  'text/plain',
);

describe('POST /backups under fuzzing', () => {
  it('answers 10,000 bodies in its own words, in at most 16 KiB, calling upstream only for valid input', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (sent, type, base64) => {
        runs++;
        const upstreamBefore = standIn.requests.length;
        const event = httpEvent({ body: sent.text, isBase64Encoded: base64, headers: { 'content-type': type } });
        const response = await handler(event, lambdaContext());
        const status = response.statusCode ?? 0;
        const answer = String(response.body);
        const calledUpstream = standIn.requests.length - upstreamBefore;

        expect(Buffer.byteLength(answer), `answer of ${status}`).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
        expect(status, answer.slice(0, 300)).toBeLessThan(500);
        if (status === 202) {
          expect(calledUpstream).toBe(1);
          expect(standIn.requests.at(-1)?.refusal).toBeUndefined();
          return;
        }
        const { code } = JSON.parse(answer) as { code: string };
        if (REFUSALS.includes(code)) expect(calledUpstream, code).toBe(0);
        const expected = expectedAnswer(sent, type);
        if (expected) expect({ status, code }).toEqual(expected);
      }),
      { numRuns: 10_000 },
    );
    expect(runs).toBeGreaterThanOrEqual(10_000);
    standIn.reset();
  }, 300_000);

  it('answers the wordiest refusal the rules can give in well under 16 KiB', async () => {
    const lone = (count: number, from = 0) =>
      Array.from({ length: count }, (_, i) => String.fromCharCode(0xd800 + from + i)).join('');
    const request: Record<string, unknown> = {
      engine: lone(100),
      instanceId: ` ${lone(100)} `,
      instance: lone(70),
      name: `1${lone(100)}`,
      description: `${'>!<"&\'='.repeat(50)}${lone(300)}`,
      idempotencyKey: lone(200),
      databases: Array(101).fill(''),
    };
    for (let i = 0; i < 30; i++) request[`${lone(40, i * 41)}${i}`] = i;

    const response = await handler(httpEvent({ body: JSON.stringify(request) }), lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body)).errors).toHaveLength(21);
    expect(Buffer.byteLength(String(response.body))).toBeLessThan(MAX_ANSWER_BYTES / 2);
  });
});
