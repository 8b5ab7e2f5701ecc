import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { DynamoDbError, fromAttribute, toAttribute, type DynamoDbCall, type Item } from './dynamodb';

/**
 * Powertools idempotency's DynamoDB persistence, on our light DynamoDB calls instead of the AWS SDK. Same table
 * layout and the same conditions as Powertools' own `DynamoDBPersistenceLayer`: key `id`, TTL on `expiration`.
 */
const INPROGRESS = 'INPROGRESS';
const ATTRIBUTE = { key: 'id', status: 'status', expiry: 'expiration', inProgressExpiry: 'in_progress_expiration', data: 'data', validation: 'validation' };

type RecordStatus = ConstructorParameters<typeof IdempotencyRecord>[0]['status'];

function recordOf(item: Item): IdempotencyRecord {
  const value = (name: string) => (item[name] ? fromAttribute(item[name]) : undefined);
  return new IdempotencyRecord({
    idempotencyKey: String(value(ATTRIBUTE.key)),
    status: value(ATTRIBUTE.status) as RecordStatus,
    expiryTimestamp: value(ATTRIBUTE.expiry) as number | undefined,
    inProgressExpiryTimestamp: value(ATTRIBUTE.inProgressExpiry) as number | undefined,
    responseData: value(ATTRIBUTE.data) as JSONValue | undefined,
    payloadHash: value(ATTRIBUTE.validation) as string | undefined,
  });
}

export class DynamoDbIdempotencyStore extends BasePersistenceLayer {
  constructor(
    private readonly tableName: string,
    private readonly call: DynamoDbCall,
  ) {
    super();
  }

  private key(idempotencyKey: string): Item {
    return { [ATTRIBUTE.key]: { S: idempotencyKey } };
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const { Item: item } = await this.call('GetItem', { TableName: this.tableName, Key: this.key(idempotencyKey), ConsistentRead: true });
    if (!item) throw new IdempotencyItemNotFoundError();
    return recordOf(item as Item);
  }

  /** Takes the key unless a live record holds it: absent, expired, or in progress past its invocation's end. */
  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const item: Item = {
      ...this.key(record.idempotencyKey),
      [ATTRIBUTE.expiry]: toAttribute(record.expiryTimestamp),
      [ATTRIBUTE.status]: { S: record.getStatus() },
      ...(record.inProgressExpiryTimestamp !== undefined && { [ATTRIBUTE.inProgressExpiry]: { N: String(record.inProgressExpiryTimestamp) } }),
      ...(this.isPayloadValidationEnabled() && record.payloadHash !== undefined && { [ATTRIBUTE.validation]: { S: record.payloadHash } }),
    };
    const now = Date.now();
    try {
      await this.call('PutItem', {
        TableName: this.tableName,
        Item: item,
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: { '#id': ATTRIBUTE.key, '#expiry': ATTRIBUTE.expiry, '#in_progress_expiry': ATTRIBUTE.inProgressExpiry, '#status': ATTRIBUTE.status },
        ExpressionAttributeValues: { ':now': { N: String(now / 1000) }, ':now_in_millis': { N: String(now) }, ':inprogress': { S: INPROGRESS } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (error) {
      if (error instanceof DynamoDbError && error.type === 'ConditionalCheckFailedException') {
        throw new IdempotencyItemAlreadyExistsError(
          `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
          error.item && recordOf(error.item),
        );
      }
      throw error;
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const names: Record<string, string> = { '#expiry': ATTRIBUTE.expiry, '#status': ATTRIBUTE.status };
    const values: Item = { ':expiry': toAttribute(record.expiryTimestamp), ':status': { S: record.getStatus() } };
    const updates = ['#expiry = :expiry', '#status = :status'];
    if (record.responseData !== undefined) {
      updates.push('#response_data = :response_data');
      names['#response_data'] = ATTRIBUTE.data;
      values[':response_data'] = toAttribute(record.responseData);
    }
    if (this.isPayloadValidationEnabled()) {
      updates.push('#validation_key = :validation_key');
      names['#validation_key'] = ATTRIBUTE.validation;
      values[':validation_key'] = toAttribute(record.payloadHash);
    }
    await this.call('UpdateItem', {
      TableName: this.tableName,
      Key: this.key(record.idempotencyKey),
      UpdateExpression: `SET ${updates.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await this.call('DeleteItem', { TableName: this.tableName, Key: this.key(record.idempotencyKey) });
  }
}
