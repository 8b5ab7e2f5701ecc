import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupRequestedEvent, snsNotification, sqsEvent, sqsRecord } from '../local/events';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { lambdaContext, logLinesOf, startBackends } from './support/fixtures';

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let handler: typeof import('../functions/createBackupFromQueue/handler')['handler'];

const deliver = (event: SQSEvent) =>
  handler(event, lambdaContext({ functionName: 'backup-gateway-dev-createBackupFromQueue' }));
type Request = Record<string, string>;
const asText = (request: Request) => JSON.stringify(request);
/** A request of its own for each test: the idempotency store outlives a test. */
const requestFor = (test: string) => ({ engine: 'dds', instanceId: `shape-${test}-00000000000000000in02` });

/** Delivers one message and returns whether it failed, with what the log says about it. */
async function deliverOne(body: unknown) {
  const record = sqsRecord({ body });
  let failed: string[] = [];
  const lines = await logLinesOf(async () => {
    failed = (await deliver(sqsEvent(record))).batchItemFailures.map((failure) => failure.itemIdentifier);
  });
  const refusal = lines.find((line) => line.messageId === record.messageId && line.message === 'request refused');
  return { failed: failed.includes(record.messageId), refusal };
}

beforeAll(async () => {
  ({ standIn, close: closeBackends } = await startBackends());
  ({ handler } = await import('../functions/createBackupFromQueue/handler'));
});
afterAll(() => closeBackends());
beforeEach(() => standIn.reset());

describe('createBackupFromQueue: message shapes', () => {
  it.each([
    ['an SNS notification of a request (SNS → SQS, not raw)', (request: Request) => snsNotification(request)],
    [
      'an SNS notification of an EventBridge event (EventBridge → SNS → SQS)',
      (request: Request) => snsNotification(backupRequestedEvent(request)),
    ],
    ['an EventBridge event whose detail is JSON text', (request: Request) => backupRequestedEvent(asText(request))],
    [
      'an SNS notification of an EventBridge event whose detail is JSON text',
      (request: Request) => snsNotification(backupRequestedEvent(asText(request))),
    ],
  ])('accepts %s', async (shape, wrap) => {
    const request = requestFor(shape.replace(/\W+/g, '').slice(0, 20));
    const { failed } = await deliverOne(wrap(request));

    expect(failed).toBe(false);
    expect(standIn.backups()).toEqual([expect.objectContaining({ instanceId: request.instanceId })]);
  });

  it('creates one backup when SNS delivers one notification twice (two SQS messages)', async () => {
    const notification = snsNotification(requestFor('sns-twice'));

    await deliver(sqsEvent(sqsRecord({ body: notification })));
    await deliver(sqsEvent(sqsRecord({ body: notification })));

    expect(standIn.requests).toHaveLength(1);
  });

  it('creates one backup when EventBridge sends one event twice through SNS (two notifications)', async () => {
    const event = backupRequestedEvent(requestFor('eb-sns-twice'));

    await deliver(sqsEvent(sqsRecord({ body: snsNotification(event) })));
    await deliver(sqsEvent(sqsRecord({ body: snsNotification(event) })));

    expect(standIn.requests).toHaveLength(1);
  });

  it.each([
    [
      'a base64-encoded body',
      () => Buffer.from(JSON.stringify(requestFor('base64'))).toString('base64'),
      'the message body is base64-encoded JSON; send the JSON itself',
    ],
    [
      'an SNS notification whose Message is base64-encoded',
      () => snsNotification(Buffer.from(JSON.stringify(requestFor('sns-base64'))).toString('base64')),
      'the SNS Message is base64-encoded JSON; send the JSON itself',
    ],
    [
      'an SNS notification whose Message is not JSON',
      () => snsNotification('back up a89d please'),
      'the SNS Message is not valid JSON',
    ],
    [
      'an SNS subscription confirmation',
      () => ({ ...snsNotification('You have chosen to subscribe'), Type: 'SubscriptionConfirmation' }),
      'the message body is an SNS message, but only a Notification with a Message carries a request',
    ],
    [
      'an EventBridge detail that is text but not JSON',
      () => backupRequestedEvent('dds a89d'),
      "the event's detail is not valid JSON",
    ],
    ['a body that is not JSON', () => 'engine=dds', 'the message body is not valid JSON'],
  ])('refuses %s with the reason, and sends nothing upstream', async (_, body, reason) => {
    const { failed, refusal } = await deliverOne(body());

    expect(failed).toBe(true);
    expect(refusal).toMatchObject({
      code: 'invalid_request',
      errors: [{ field: '', message: expect.stringContaining(reason) }],
    });
    expect(standIn.requests).toHaveLength(0);
  });

  it('refuses a message over 64 KiB as payload_too_large, without reading it', async () => {
    const { failed, refusal } = await deliverOne({ ...requestFor('large'), description: 'x'.repeat(64 * 1024) });

    expect(failed).toBe(true);
    expect(refusal).toMatchObject({
      code: 'payload_too_large',
      detail: 'The message body is larger than 64 KiB, the most the gateway reads; no backup was requested.',
    });
    expect(standIn.requests).toHaveLength(0);
  });
});
