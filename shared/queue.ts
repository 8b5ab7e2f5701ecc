import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { concurrencyLimit } from './concurrency';
import { deadlineOf } from './create-backup';
import { isIdempotencyKey, notJsonProblem, validateBackupRequest, type BackupRequest } from './domain/backup-request';
import { InvalidRequestError } from './errors';
import { logFailure } from './failure-log';
import type { RequestBackup } from './request-backup';
import { isRecord } from './objects';

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

const isEventBridgeEnvelope = (body: unknown): body is EventBridgeEnvelope =>
  isRecord(body) && 'detail-type' in body && 'detail' in body;

/**
 * Reads a message body: a unified request, or an EventBridge event with one in `detail`. Without a key of its
 * own, the request is keyed by the delivery: the EventBridge event id, which stays the same when EventBridge
 * itself delivers twice, or else the SQS message id, which stays the same when SQS redelivers.
 *
 * @example
 * requestFromMessage(sqsRecord({ body: { engine: 'dds', instanceId: 'a89d…in02' }, messageId: 'm-1' }))
 * // → { engine: 'dds', instanceId: 'a89d…in02', idempotencyKey: 'm-1' }
 */
export function requestFromMessage(record: SQSRecord): BackupRequest {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new InvalidRequestError([notJsonProblem('the message body', (error as Error).message)]);
  }
  if (!isEventBridgeEnvelope(body)) return validateBackupRequest(body, { idempotencyKey: record.messageId });
  // An id that could not be a key (not from EventBridge itself) must not fail a request that never named one.
  const eventId = isIdempotencyKey(body.id) ? body.id : record.messageId;
  return validateBackupRequest(body.detail, { idempotencyKey: eventId });
}

/**
 * Processes a batch through Powertools batch. Powertools runs all records in parallel without a bound, so each
 * record waits for a slot of {@link concurrencyLimit} first. A failure is logged once, with its message id.
 *
 * @example
 * export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event, context) => processBackupQueue(event, context, requestBackup));
 */
export async function processBackupQueue(event: SQSEvent, context: Context, requestBackup: RequestBackup): Promise<SQSBatchResponse> {
  const deadline = deadlineOf(context);
  const limit = concurrencyLimit(MAX_CONCURRENT_RECORDS);
  const backUp = async (record: SQSRecord) => {
    const logContext = { messageId: record.messageId };
    try {
      return await requestBackup(requestFromMessage(record), deadline, { via: 'queue', messageId: record.messageId });
    } catch (error) {
      logFailure(error, logContext);
      throw error;
    }
  };
  return processPartialResponse(event, (record: SQSRecord) => limit(() => backUp(record)), new BatchProcessor(EventType.SQS), {
    context,
    // A batch in which every record failed is still answered record by record, not by failing the invocation.
    throwOnFullBatchFailure: false,
  });
}
