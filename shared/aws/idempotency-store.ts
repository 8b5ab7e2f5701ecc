import { isConditionFailure, type AwsClient } from './client';

/**
 * The idempotency records, in DynamoDB: one item per key, taken with a conditional put so that exactly one
 * invocation runs a key's request. Key `id`, expiry `expiration` (DynamoDB TTL, epoch seconds) — the layout of
 * Powertools idempotency, so a table made for it keeps working.
 */
export type RecordStatus = 'INPROGRESS' | 'COMPLETED' | 'UNCERTAIN';

export interface IdempotencyRecord {
  status: RecordStatus;
  /** The hash of the request the key was first used for. */
  requestHash: string;
  /** While `INPROGRESS`: epoch milliseconds after which the holder's invocation has surely ended. */
  heldUntil?: number;
  /** The stored outcome (a result, or what is known of an uncertain one), as JSON. */
  data?: unknown;
}

export interface IdempotencyStore {
  /**
   * Takes the key for a request, or returns the record that holds it. A key taken over from an invocation that
   * ended while holding it comes with that record (`previous`): its request may have made its backup.
   */
  claim(
    key: string,
    requestHash: string,
    heldUntil: number,
    deadline: number,
  ): Promise<{ claimed: true; previous?: IdempotencyRecord } | { claimed: false; record: IdempotencyRecord }>;
  /** Stores the final outcome of the key's request. */
  settle(key: string, status: 'COMPLETED' | 'UNCERTAIN', data: unknown, deadline: number): Promise<void>;
  /** Forgets the key, so that a retry runs the request again (its request surely created nothing). */
  release(key: string, deadline: number): Promise<void>;
}

type Attribute = { S: string } | { N: string };

const recordOf = (item: Record<string, Attribute>): IdempotencyRecord => {
  const text = (name: string) => (item[name] && 'S' in item[name] ? item[name].S : undefined);
  const number = (name: string) => (item[name] && 'N' in item[name] ? Number(item[name].N) : undefined);
  const data = text('data');
  return {
    status: text('status') as RecordStatus,
    requestHash: text('validation') ?? '',
    ...(number('in_progress_expiration') !== undefined && { heldUntil: number('in_progress_expiration') }),
    ...(data !== undefined && { data: JSON.parse(data) }),
  };
};

/**
 * @example
 * const store = dynamoDbIdempotencyStore(aws, 'backup-gateway-dev-idempotency', 86_400);
 * const claim = await store.claim('createBackup#deploy-4711', hash, deadline, deadline);
 */
export function dynamoDbIdempotencyStore(
  aws: AwsClient,
  tableName: string,
  expiresAfterSeconds: number,
  now: () => number = () => Date.now(),
): IdempotencyStore {
  const key = (idempotencyKey: string) => ({ id: { S: idempotencyKey } });
  const expiry = () => ({ N: String(Math.floor(now() / 1000) + expiresAfterSeconds) });
  return {
    async claim(idempotencyKey, requestHash, heldUntil, deadline) {
      const at = now();
      try {
        const { Attributes: old } = await aws.call<{ Attributes?: Record<string, Attribute> }>(
          'dynamodb',
          'PutItem',
          {
            TableName: tableName,
            Item: {
              ...key(idempotencyKey),
              status: { S: 'INPROGRESS' },
              validation: { S: requestHash },
              in_progress_expiration: { N: String(heldUntil) },
              expiration: expiry(),
            },
            // Free, expired, or held by an invocation that has surely ended.
            ConditionExpression:
              'attribute_not_exists(id) OR expiration < :now OR (#status = :inprogress AND in_progress_expiration < :now_ms)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':now': { N: String(Math.floor(at / 1000)) },
              ':now_ms': { N: String(at) },
              ':inprogress': { S: 'INPROGRESS' },
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnValues: 'ALL_OLD',
          },
          { deadline },
        );
        const previous = old && recordOf(old);
        // An expired record is no one's: only one still in progress tells of an attempt that may have acted.
        return previous?.status === 'INPROGRESS' ? { claimed: true, previous } : { claimed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // DynamoDB returns the holder's item with the refusal; emulators such as dynalite do not, so it is read.
        const item =
          error.details.Item ??
          (
            await aws.call<{ Item?: unknown }>(
              'dynamodb',
              'GetItem',
              { TableName: tableName, Key: key(idempotencyKey), ConsistentRead: true },
              { deadline },
            )
          ).Item;
        if (!item) throw error;
        return { claimed: false, record: recordOf(item as Record<string, Attribute>) };
      }
    },
    async settle(idempotencyKey, status, data, deadline) {
      await aws.call(
        'dynamodb',
        'UpdateItem',
        {
          TableName: tableName,
          Key: key(idempotencyKey),
          UpdateExpression:
            'SET #status = :status, #data = :data, expiration = :expiration REMOVE in_progress_expiration',
          ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
          ExpressionAttributeValues: {
            ':status': { S: status },
            ':data': { S: JSON.stringify(data) },
            ':expiration': expiry(),
          },
        },
        { deadline },
      );
    },
    async release(idempotencyKey, deadline) {
      await aws.call('dynamodb', 'DeleteItem', { TableName: tableName, Key: key(idempotencyKey) }, { deadline });
    },
  };
}
