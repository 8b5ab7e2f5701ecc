import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRequestedEvent, sqsEvent, sqsRecord } from '../local/events';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { startLocalSlack, type LocalSlack } from '../local/slack';
import { startLocalSqs, type LocalSqs } from '../local/sqs';
import { SLACK_SIGNATURE, signedHeaders } from '../shared/auth/hmac';
import { parseCommandText } from '../shared/slack/command-text';
import { anyJson, brokenRequest, validDescription, validName, validRequest } from './support/arbitraries';
import { coldStart } from './support/cold-start';
import {
  httpEvent,
  lambdaContext,
  slackCommandEvent,
  startStandInForHandlers,
  TEST_SIGNING_SECRETS,
} from './support/fixtures';

/**
 * Properties of the queue and Slack entry points: whatever arrives, the function answers in its documented way,
 * and Huawei Cloud (the stand-in, which checks every documented rule) only ever sees requests it accepts.
 */
type QueueHandler = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;
let standIn: HuaweiStandIn;
let queueHandler: QueueHandler;
let slack: Awaited<ReturnType<typeof coldStartSlack>>;
let sqs: LocalSqs;
let slackStandIn: LocalSlack;

const coldStartSlack = (env: Record<string, string>) =>
  coldStart(() => import('../functions/slackCommand/handler'), env);
const POOL = [
  'a89dab5e39394eccbdb77b19d57b0180in02',
  '44b277eb-39be-4921-be31-3d61b43651d7',
  'c2aac04b4b44460aa75674fc0fd878b2no04',
];

beforeAll(async () => {
  // Any instance may be named with databases here (arbitrary bodies and command lines), so the stand-in takes
  // unknown instances for SQL Server.
  standIn = await startStandInForHandlers({ defaultRdsEngine: 'SQLServer' });
  [sqs, slackStandIn] = await Promise.all([startLocalSqs(), startLocalSlack()]);
  process.env.SLACK_RESPONSE_URL_PREFIX = `${slackStandIn.url}/`;
  ({ handler: queueHandler } = (await import('../functions/createBackupFromQueue/handler')) as unknown as {
    handler: QueueHandler;
  });
  slack = await coldStartSlack({
    AWS_ENDPOINT_URL_SQS: sqs.url,
    BACKUP_REQUESTS_QUEUE_URL: sqs.queueUrl('backup-requests'),
    SLACK_RESPONSE_URL_PREFIX: `${slackStandIn.url}/`,
  });
});
afterAll(() => Promise.all([standIn.close(), sqs.close(), slackStandIn.close()]));

/** Delivers one batch and returns the failed message ids with the upstream requests it caused. */
async function deliver(event: SQSEvent) {
  standIn.reset();
  const response = await queueHandler(
    event,
    lambdaContext({ functionName: 'backup-gateway-dev-createBackupFromQueue' }),
  );
  return {
    failed: response.batchItemFailures.map((failure) => failure.itemIdentifier).sort(),
    upstream: [...standIn.requests],
    backups: standIn.backups(),
  };
}

/** One message: it fails without reaching upstream, or it succeeds with exactly one request upstream accepted. */
async function expectAnsweredAsDocumented(body: string) {
  const { failed, upstream, backups } = await deliver(sqsEvent(sqsRecord({ body, messageId: 'only' })));
  expect(failed.length === 0 || failed.join() === 'only', `failures: ${failed.join()}`).toBe(true);
  for (const request of upstream) expect(request.refusal).toBeUndefined();
  if (failed.length > 0) expect(upstream).toHaveLength(0);
  else {
    expect(upstream).toHaveLength(1);
    expect(backups).toHaveLength(1);
  }
  return { failed: failed.length > 0 };
}

const enveloped = (detail: unknown) => JSON.stringify(backupRequestedEvent(detail));

describe('createBackupFromQueue properties', () => {
  it('answers any JSON body (or EventBridge detail) record by record, and sends upstream only what the service accepts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyJson,
          validRequest,
          brokenRequest.map(({ body }) => body),
        ),
        fc.boolean(),
        async (input, asEvent) => {
          await expectAnsweredAsDocumented(asEvent ? enveloped(input) : JSON.stringify(input));
        },
      ),
      { numRuns: 250 },
    );
  });

  it('reports arbitrary strings and bytes as failed records and never calls upstream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
        ),
        async (body) => {
          const { failed } = await expectAnsweredAsDocumented(body);
          expect(failed).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lists exactly the broken records of a mixed batch as failures; every valid one is sent once and accepted', async () => {
    const entry = fc.oneof(
      {
        weight: 3,
        arbitrary: validRequest.map((body) => ({ valid: true as const, body: body as unknown, rule: 'valid' })),
      },
      { weight: 3, arbitrary: brokenRequest.map(({ rule, body }) => ({ valid: false as const, body, rule })) },
      {
        weight: 1,
        arbitrary: fc.string().map((text) => ({
          valid: false as const,
          body: `{"engine":"dds",${JSON.stringify(text)}`,
          rule: 'not JSON',
        })),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(entry, fc.boolean()), { minLength: 1, maxLength: 10 }), async (entries) => {
        const records = entries.map(([{ body, rule }, asEvent], i) =>
          sqsRecord({
            messageId: `m-${i}`,
            body: rule === 'not JSON' ? body : asEvent ? enveloped(body) : JSON.stringify(body),
          }),
        );
        const { failed, upstream, backups } = await deliver(sqsEvent(...records));

        const broken = entries.flatMap(([{ valid }], i) => (valid ? [] : [`m-${i}`])).sort();
        const rules = entries.map(([{ rule }], i) => `m-${i}: ${rule}`).join(', ');
        expect(failed, rules).toEqual(broken);
        const validCount = entries.length - broken.length;
        expect(upstream).toHaveLength(validCount);
        for (const request of upstream) expect(request.refusal).toBeUndefined();
        expect(backups).toHaveLength(validCount);
      }),
      { numRuns: 120 },
    );
  });

  it("sends every valid request upstream with the caller's values exactly, in its engine's spelling", async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, fc.boolean(), async (request, asEvent) => {
        const body = asEvent ? enveloped(request) : JSON.stringify(request);
        const { failed, upstream, backups } = await deliver(sqsEvent(sqsRecord({ body })));
        expect(failed).toEqual([]);
        expect(upstream).toHaveLength(1);
        expect(upstream[0].refusal).toBeUndefined();
        const engine = request.engine.toLowerCase();
        expect(upstream[0].service).toBe(engine === 'dds' ? 'dds' : 'rds');
        const sent = JSON.parse(upstream[0].body).backup;
        const given = request as Record<string, unknown>;
        const instanceId = given.instanceId ?? given.instance ?? given.instance_id;
        expect(sent[engine === 'dds' ? 'instance_id' : 'instance']).toBe(instanceId);
        if (given.name !== undefined) expect(sent.name).toBe(given.name);
        // Every queued request has a key (its delivery's id), and a keyed request's name comes from its key.
        else expect(sent.name).toMatch(new RegExp(`^${engine}-k-[0-9a-f]{16}$`));
        expect(sent.description).toBe(given.description);
        expect(sent.databases).toEqual((given.databases as string[] | undefined)?.map((name) => ({ name })));
        expect(backups).toHaveLength(1);
        expect(backups[0]).toMatchObject({ instanceId, name: sent.name });
        expect(backups[0].description).toBe(given.description);
      }),
      { numRuns: 150 },
    );
  });
});

/** Words a slash command is made of: engines, instance ids, names, flags, quotes (straight and typographic). */
const word = fc.oneof(
  fc.constantFrom('dds', 'MySQL', 'postgresql', 'sqlserver', 'SQLSERVER', 'oracle', 'help'),
  fc.constantFrom(...POOL),
  validName,
  fc.constantFrom('--desc', '--db', '--force', '--', '-', '--DESC'),
  validDescription.map((text) => `"${text}"`),
  validDescription.map((text) => `“${text}”`),
  fc.constantFrom('"', '“', '”', 'sales,hr', 'sales,,hr', '&lt;', '&amp;', '<@U0ALLOWED1>', '=', '\u0000'),
  fc.string({ maxLength: 12 }),
);
const commandLine = fc
  .tuple(fc.array(word, { maxLength: 7 }), fc.constantFrom(' ', '  ', '\t', '\u00a0', '\n'))
  .map(([words, space]) => words.join(space));
/** Lines that follow the grammar, so that the in_channel branch is reached often. */
const wellFormedLine = fc
  .record(
    {
      engine: fc.constantFrom('dds', 'mysql', 'PostgreSQL', 'sqlserver'),
      instance: fc.constantFrom(...POOL),
      name: validName,
      description: validDescription.filter((text) => !/[“”]/.test(text)),
      databases: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,9}$/), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['engine', 'instance'] },
  )
  .map(({ engine, instance, name, description, databases }) =>
    [
      engine,
      instance,
      name ?? '',
      description !== undefined ? `--desc "${description}"` : '',
      databases && engine === 'sqlserver' ? `--db ${databases.join(',')}` : '',
    ]
      .filter(Boolean)
      .join(' '),
  );

describe('slackCommand properties', () => {
  /** Sends a verified slash command and returns the reply with the upstream requests and queue messages it caused. */
  async function command(text: string, caller: { userId?: string; channelId?: string } = {}) {
    standIn.reset();
    const queued = sqs.messages.length;
    const response = await slack(
      slackCommandEvent({ text, responseUrl: slackStandIn.responseUrl('property'), ...caller }),
    );
    return { response, upstream: [...standIn.requests], queued: sqs.messages.slice(queued) };
  }
  const isRequesting = (text: string) => text.startsWith(':hourglass_flowing_sand: Requesting a backup');

  it('answers any text from an allowed user with a Slack message at once, never calls upstream, queues only a create', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.string({ unit: 'grapheme', maxLength: 80 }),
          fc.string({ unit: 'binary', maxLength: 80 }),
          commandLine,
          wellFormedLine,
        ),
        async (text) => {
          const { response, upstream, queued } = await command(text);
          expect(response.statusCode).toBe(200);
          expect(response.headers).toMatchObject({ 'Content-Type': 'application/json' });
          expect(Object.keys(response.json).sort()).toEqual(['response_type', 'text']);
          expect(response.json.response_type).toBe('ephemeral');
          expect(typeof response.json.text).toBe('string');
          expect(response.json.text).not.toBe('');
          expect(upstream).toHaveLength(0);
          expect(queued, response.json.text).toHaveLength(isRequesting(response.json.text) ? 1 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('queues the backup the well-formed line asks for, and the queue creates it with its values exactly', async () => {
    await fc.assert(
      fc.asyncProperty(wellFormedLine, async (text) => {
        const { response, queued } = await command(text);
        expect(isRequesting(response.json.text), response.json.text).toBe(true);
        const { failed, backups } = await deliver(
          sqsEvent(sqsRecord({ messageId: queued[0].messageId, body: JSON.parse(queued[0].body) })),
        );
        expect(failed).toEqual([]);
        const asked = parseCommandText(text);
        expect(backups).toHaveLength(1);
        expect(backups[0].instanceId).toBe(asked.instanceId);
        if (asked.name !== undefined) expect(backups[0].name).toBe(asked.name);
        expect(backups[0].description).toBe(asked.description);
        expect(backups[0].databases).toEqual(asked.databases);
      }),
      { numRuns: 100 },
    );
  });

  it('answers arbitrary signed bytes as the form body with a Slack message and never calls upstream', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        standIn.reset();
        const body = Buffer.from(bytes);
        const event = httpEvent({
          path: '/slack/commands',
          signing: false,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...signedHeaders(SLACK_SIGNATURE, TEST_SIGNING_SECRETS.slack, body, new Date()),
          },
        });
        Object.assign(event, { body: body.toString('base64'), isBase64Encoded: true });
        const response = await slack(event);
        expect(response.statusCode).toBe(200);
        expect(response.json.response_type).toBe('ephemeral');
        expect(standIn.requests).toHaveLength(0);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses any text from a caller not on the allow-list without reading it, calling upstream or queueing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(commandLine, wellFormedLine), async (text) => {
        const { response, upstream, queued } = await command(text, { userId: 'U0STRANGER', channelId: 'C0ELSEWHER' });
        expect(response.statusCode).toBe(200);
        expect(response.json.response_type).toBe('ephemeral');
        if (!['', 'help'].includes(text.trim().toLowerCase()))
          expect(response.json.text).toContain('You may not create backups');
        expect(upstream).toHaveLength(0);
        expect(queued).toHaveLength(0);
      }),
      { numRuns: 100 },
    );
  });
});
