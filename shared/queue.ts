import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { concurrencyLimit } from './concurrency';
import { deadlineOf } from './create-backup';
import {
  isIdempotencyKey,
  MAX_REQUEST_BYTES,
  notJsonProblem,
  validateBackupRequest,
  type BackupRequest,
} from './domain/backup-request';
import { InvalidRequestError, PayloadTooLargeError } from './errors';
import { logFailure } from './failure-log';
import { isRecord } from './objects';
import type { RequestBackup } from './request-backup';
import {
  slackFollowUpOf,
  slackOrigin,
  type SlackAnnouncer,
  type SlackFollowUp,
  type SlackOrigin,
} from './slack/follow-up';

/**
 * The queue adapter: each SQS message is one backup request, on its own. Failed records are reported in
 * `batchItemFailures` so that SQS redelivers only those, and parks them in the dead-letter queue in the end.
 */

/** Upstream calls one invocation makes at once: a full batch of 10 in one round-trip, a larger one in waves. */
export const MAX_CONCURRENT_RECORDS = 10;

interface EventBridgeEnvelope {
  id?: unknown;
  'detail-type': unknown;
  detail: unknown;
}

/** What SNS puts on a subscribed queue without raw message delivery: the published message as text, wrapped. */
interface SnsEnvelope {
  Type: unknown;
  TopicArn: unknown;
  MessageId?: unknown;
  Message?: unknown;
}

const isEventBridgeEnvelope = (body: unknown): body is EventBridgeEnvelope =>
  isRecord(body) && 'detail-type' in body && 'detail' in body;

const isSnsEnvelope = (body: unknown): body is SnsEnvelope => isRecord(body) && 'Type' in body && 'TopicArn' in body;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether text that is not JSON is JSON encoded as base64: a producer's mistake worth naming. */
function isBase64Json(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length % 4 !== 0 || !BASE64.test(trimmed)) return false;
  return Buffer.from(trimmed, 'base64').toString('utf8').trimStart().startsWith('{');
}

/** Parses one layer of a message; `what` names the layer in the refusal. */
function parseLayer(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (isBase64Json(text)) {
      throw new InvalidRequestError({
        errors: [{ field: '', message: `${what} is base64-encoded JSON; send the JSON itself` }],
      });
    }
    throw new InvalidRequestError({ errors: [notJsonProblem(what, (error as Error).message)] });
  }
}

/**
 * A unified request, or an EventBridge event carrying one in `detail` (an object, or the same as JSON text, as
 * some producers send it). The event's id keys the request: EventBridge can deliver one event twice (two SQS
 * messages, or two SNS notifications), and only the event id is the same in both.
 */
function requestFromContent(content: unknown, deliveryKey: string): QueuedRequest {
  if (!isEventBridgeEnvelope(content)) return slackOrPlain(content, deliveryKey);
  // An id that could not be a key (not from EventBridge itself) must not fail a request that never named one.
  const eventId = isIdempotencyKey(content.id) ? content.id : deliveryKey;
  const { detail } = content;
  const request = typeof detail === 'string' ? parseLayer(detail, "the event's detail") : detail;
  return { request: validateBackupRequest(request, { idempotencyKey: eventId }) };
}

/** A request handed over by the Slack command carries what its follow-up needs in `slack`; others do not. */
function slackOrPlain(content: unknown, deliveryKey: string): QueuedRequest {
  if (!isRecord(content) || !('slack' in content))
    return { request: validateBackupRequest(content, { idempotencyKey: deliveryKey }) };
  const { slack, ...rest } = content;
  const followUp = slackFollowUpOf(slack);
  if (!followUp)
    throw new InvalidRequestError({
      errors: [{ field: 'slack', message: 'must be {"responseUrl", "userId", "channelId", "commandText", "teamId"?}' }],
    });
  return { request: validateBackupRequest(rest, { idempotencyKey: deliveryKey }), slack: followUp };
}

/** A queued request, and its Slack follow-up when the Slack command put it there. */
export interface QueuedRequest {
  request: BackupRequest;
  slack?: SlackFollowUp;
}

/**
 * Reads a message body: a unified request, an EventBridge event carrying one, or either of these as the `Message`
 * of an SNS notification (SNS → SQS without raw message delivery, also EventBridge → SNS → SQS). Anything else,
 * such as a base64 body or an SNS message other than a notification, is refused with the reason. Without a key
 * of its own, a request is keyed by what stays the same when it arrives again: the EventBridge event id; else the
 * SNS message id, the same when SNS retries a delivery (which makes a new SQS message); else the SQS message id,
 * the same on every SQS redelivery.
 *
 * @example
 * requestFromMessage(sqsRecord({ body: { engine: 'dds', instanceId: 'a89d…in02' }, messageId: 'm-1' }))
 * // → { request: { engine: 'dds', instanceId: 'a89d…in02', idempotencyKey: 'm-1' } }
 */
export function requestFromMessage(record: SQSRecord): QueuedRequest {
  if (Buffer.byteLength(record.body, 'utf8') > MAX_REQUEST_BYTES) {
    throw new PayloadTooLargeError({ what: 'The message body', limitBytes: MAX_REQUEST_BYTES });
  }
  const body = parseLayer(record.body, 'the message body');
  if (!isSnsEnvelope(body)) return requestFromContent(body, record.messageId);
  if (body.Type !== 'Notification' || typeof body.Message !== 'string') {
    const message = 'the message body is an SNS message, but only a Notification with a Message carries a request';
    throw new InvalidRequestError({ errors: [{ field: '', message }] });
  }
  const snsMessageId = isIdempotencyKey(body.MessageId) ? body.MessageId : record.messageId;
  return requestFromContent(parseLayer(body.Message, 'the SNS Message'), snsMessageId);
}

/**
 * Processes a batch through Powertools batch. Powertools runs all records in parallel without a bound, so each
 * record waits for a slot of {@link concurrencyLimit} first. A failure is logged once, with its message id.
 * A request from the Slack command has its outcome posted to Slack, and is then done: the person who asked
 * decides whether to ask again, so it is not redelivered.
 *
 * @example
 * export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event, context) => processBackupQueue(event, context, requestBackup, slack));
 */
export async function processBackupQueue(
  event: SQSEvent,
  context: Context,
  requestBackup: RequestBackup,
  slack?: SlackAnnouncer,
): Promise<SQSBatchResponse> {
  const deadline = deadlineOf(context);
  const limit = concurrencyLimit(MAX_CONCURRENT_RECORDS);
  const backUp = async (record: SQSRecord) => {
    const logContext = { messageId: record.messageId };
    let queued: QueuedRequest | undefined;
    let fromSlack: SlackOrigin | undefined;
    try {
      queued = requestFromMessage(record);
      fromSlack = queued.slack && slackOrigin(queued.slack);
      const result = await requestBackup(
        queued.request,
        deadline,
        fromSlack ?? { via: 'queue', messageId: record.messageId },
      );
      if (fromSlack) await slack?.requestOutcome(fromSlack, queued.request, { result });
      return result;
    } catch (error) {
      logFailure(error, logContext);
      if (!queued || !fromSlack || !slack) throw error;
      await slack.requestOutcome(fromSlack, queued.request, { error });
      return undefined;
    }
  };
  return processPartialResponse(
    event,
    (record: SQSRecord) => limit(() => backUp(record)),
    new BatchProcessor(EventType.SQS),
    {
      context,
      // A batch in which every record failed is still answered record by record, not by failing the invocation.
      throwOnFullBatchFailure: false,
    },
  );
}
