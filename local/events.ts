import { randomUUID } from 'node:crypto';
import type { Context, EventBridgeEvent, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Events as the platform delivers them, for local runs and tests: an SQS batch, an EventBridge event (as the
 * "Backup Requested" rule puts it on the queue), an SNS notification, an EventBridge schedule tick, and the
 * Lambda context.
 */
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

const asBody = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

/**
 * One SQS message; a body that is not a string is sent as JSON.
 *
 * @example
 * sqsRecord({ body: { engine: 'dds', instanceId: 'a89d…in02' }, messageId: 'm-1' })
 */
export function sqsRecord({ body, messageId = randomUUID() }: { body: unknown; messageId?: string }): SQSRecord {
  const text = asBody(body);
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:backup-gateway-local-backup-requests`,
    awsRegion: REGION,
  };
}

/** @example sqsEvent(sqsRecord({ body: request }), sqsRecord({ body: 'not json' })) */
export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/**
 * An EventBridge event with detail-type "Backup Requested", as another service would put it on the bus (from the
 * source the rule takes by default).
 *
 * @example
 * sqsRecord({ body: backupRequestedEvent({ engine: 'mysql', instanceId: 'c2aa…no04' }) })
 */
export function backupRequestedEvent(
  detail: unknown,
  { id = randomUUID(), source = 'backup-gateway.client' }: { id?: string; source?: string } = {},
): EventBridgeEvent<'Backup Requested', unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Backup Requested',
    source,
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail,
  };
}

/**
 * An SNS notification as SNS puts it on a subscribed queue without raw message delivery: the message, as text,
 * inside SNS's own envelope. A message that is not a string is sent as JSON.
 *
 * @example
 * sqsRecord({ body: snsNotification({ engine: 'dds', instanceId: 'a89d…in02' }) })
 */
export function snsNotification(message: unknown, { messageId = randomUUID() }: { messageId?: string } = {}) {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-requests`;
  const endpoint = `https://sns.${REGION}.amazonaws.com`;
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    Message: asBody(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: `${endpoint}/SimpleNotificationService-0000000000000000000000.pem`,
    UnsubscribeURL: `${endpoint}/?Action=Unsubscribe&SubscriptionArn=${topicArn}:subscription-1`,
  };
}

/**
 * The event an EventBridge schedule sends; `time` is the scheduled time, whole minutes in UTC.
 *
 * @example
 * scheduledEvent({ time: '2026-11-24T02:00:00Z' })
 */
export function scheduledEvent({
  id = randomUUID(),
  time = new Date().toISOString().replace(/:\d\d\.\d{3}Z$/, ':00Z'),
}: {
  id?: string;
  time?: string;
} = {}): ScheduledEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/backup-gateway-local-scheduledBackups`],
    detail: {},
  };
}

/** A Lambda context whose remaining time counts down from `remainingMs`. */
export function lambdaContext({
  remainingMs = 25_000,
  functionName = 'backup-gateway-dev-createBackup',
} = {}): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `aws-req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
