import type { BackupRecord, BackupStatus, RequestedBy } from '../domain/backup-record';
import type { BackupIdentity } from '../domain/engine-mapping';
import { fromItem, toAttribute, toItem, type Item } from './attributes';
import { isConditionFailure, type AwsClient } from './client';

/**
 * The ledger: every backup the gateway created, in DynamoDB (`BACKUPS_TABLE`, key `backupId`), and the creates
 * whose outcome is still being looked for. Two sparse indexes answer the tracker and the listings without a scan:
 * `tracking` (only items still followed: `BUILDING` backups and open lookups, by `checkedAt`) and `requested`
 * (backups by `requestedAt`, all of them or one instance's).
 */
export const TRACKING_INDEX = 'tracking-by-checkedAt';
export const RECENT_INDEX = 'listed-by-requestedAt';
export const INSTANCE_INDEX = 'instance-by-requestedAt';

/** The table and its indexes, as serverless.yml declares them and the local DynamoDB creates them. */
export const LEDGER_TABLE_DEFINITION = {
  AttributeDefinitions: [
    { AttributeName: 'backupId', AttributeType: 'S' },
    { AttributeName: 'tracking', AttributeType: 'S' },
    { AttributeName: 'checkedAt', AttributeType: 'S' },
    { AttributeName: 'listed', AttributeType: 'S' },
    { AttributeName: 'requestedAt', AttributeType: 'S' },
    { AttributeName: 'instanceId', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'backupId', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
  GlobalSecondaryIndexes: [
    {
      IndexName: TRACKING_INDEX,
      KeySchema: [
        { AttributeName: 'tracking', KeyType: 'HASH' },
        { AttributeName: 'checkedAt', KeyType: 'RANGE' },
      ],
    },
    {
      IndexName: RECENT_INDEX,
      KeySchema: [
        { AttributeName: 'listed', KeyType: 'HASH' },
        { AttributeName: 'requestedAt', KeyType: 'RANGE' },
      ],
    },
    {
      IndexName: INSTANCE_INDEX,
      KeySchema: [
        { AttributeName: 'instanceId', KeyType: 'HASH' },
        { AttributeName: 'requestedAt', KeyType: 'RANGE' },
      ],
    },
  ].map((index) => ({ ...index, Projection: { ProjectionType: 'ALL' } })),
} as const;

/** A create whose outcome is uncertain (5xx, timeout, dropped connection): looked for by name until `lookUntil`. */
export interface PendingLookup extends BackupIdentity {
  lookupId: string;
  databases?: string[];
  requestedAt: string;
  requestedBy: RequestedBy;
  idempotencyKey?: string;
  lookUntil: string;
  checkedAt: string;
  /** Why the outcome is uncertain: the create's error code and detail. */
  uncertainty: { code: string; detail: string };
}

export interface Ledger {
  /** Writes a new backup record; false when one existed already (it is kept as it is). */
  create(record: BackupRecord, deadline?: number): Promise<boolean>;
  get(backupId: string, deadline?: number): Promise<BackupRecord | undefined>;
  /**
   * Applies a change if the record still has `from` as its status (or, for a check without a change, any time);
   * returns false when another invocation changed it first, so that only one publishes the change.
   */
  update(backupId: string, from: BackupStatus, changes: Partial<BackupRecord>, deadline?: number): Promise<boolean>;
  /** Backups still followed and open lookups, checked last before `checkedBefore`, oldest first. */
  dueForCheck(
    checkedBefore: string,
    limit: number,
    deadline?: number,
  ): Promise<{ backups: BackupRecord[]; lookups: PendingLookup[] }>;
  /** The most recent backups, newest first, of one instance or all. */
  recent(options: { instanceId?: string; limit: number }, deadline?: number): Promise<BackupRecord[]>;
  openLookup(lookup: PendingLookup, deadline?: number): Promise<void>;
  /** Records that a lookup was checked, so that the next check waits its turn. */
  touchLookup(lookupId: string, checkedAt: string, deadline?: number): Promise<void>;
  closeLookup(lookupId: string, deadline?: number): Promise<void>;
}

const LOOKUP_PREFIX = 'lookup#';
const LISTED = 'BACKUP';
/** The partitions of the tracking index: backups still BUILDING, and open lookups. */
const TRACKED = { backup: 'BACKUP', lookup: 'LOOKUP' } as const;

/**
 * @example
 * const ledger = dynamoDbLedger(aws, 'backup-gateway-dev-backups', 90);
 * await ledger.create(record);
 */
export function dynamoDbLedger(
  aws: AwsClient,
  tableName: string,
  retentionDays: number,
  now: () => number = () => Date.now(),
): Ledger {
  const expiresAt = () => Math.floor(now() / 1000) + retentionDays * 86_400;
  const key = (id: string) => ({ backupId: { S: id } });
  const call = <T>(operation: string, input: object, deadline?: number) =>
    aws.call<T>('dynamodb', operation, { TableName: tableName, ...input }, { deadline });
  const recordOf = (item: Item): BackupRecord => {
    const { tracking, listed, expiresAt: _, ...record } = fromItem(item);
    return record as unknown as BackupRecord;
  };
  const lookupOf = (item: Item): PendingLookup => {
    const { backupId, tracking, lookupInstanceId, expiresAt: _, ...lookup } = fromItem(item);
    return {
      ...lookup,
      lookupId: String(backupId).slice(LOOKUP_PREFIX.length),
      instanceId: lookupInstanceId,
    } as unknown as PendingLookup;
  };
  const indexAttributes = (status: BackupStatus) => (status === 'BUILDING' ? { tracking: TRACKED.backup } : {});
  const query = async (input: object, deadline?: number) =>
    (await call<{ Items?: Item[] }>('Query', input, deadline)).Items ?? [];

  return {
    async create(record, deadline) {
      try {
        await call(
          'PutItem',
          {
            Item: toItem({ ...record, ...indexAttributes(record.status), listed: LISTED, expiresAt: expiresAt() }),
            ConditionExpression: 'attribute_not_exists(backupId)',
          },
          deadline,
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return false;
      }
    },
    async get(backupId, deadline) {
      if (backupId.startsWith(LOOKUP_PREFIX)) return undefined;
      const { Item } = await call<{ Item?: Item }>('GetItem', { Key: key(backupId), ConsistentRead: true }, deadline);
      return Item && recordOf(Item);
    },
    async update(backupId, from, changes, deadline) {
      const next = { ...changes, expiresAt: expiresAt() };
      const names: Record<string, string> = { '#status': 'status' };
      const values: Item = { ':from': { S: from } };
      const sets: string[] = [];
      for (const [field, value] of Object.entries(next)) {
        if (value === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = toAttribute(value);
        sets.push(`#${field} = :${field}`);
      }
      // A backup that leaves BUILDING leaves the tracking index too.
      const leavesTracking = changes.status !== undefined && changes.status !== 'BUILDING';
      if (leavesTracking) names['#tracking'] = 'tracking';
      try {
        await call(
          'UpdateItem',
          {
            Key: key(backupId),
            UpdateExpression: `SET ${sets.join(', ')}${leavesTracking ? ' REMOVE #tracking' : ''}`,
            ConditionExpression: 'attribute_exists(backupId) AND #status = :from',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
          deadline,
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async dueForCheck(checkedBefore, limit, deadline) {
      const due = (partition: string) =>
        query(
          {
            IndexName: TRACKING_INDEX,
            KeyConditionExpression: 'tracking = :partition AND checkedAt < :before',
            ExpressionAttributeValues: { ':partition': { S: partition }, ':before': { S: checkedBefore } },
            Limit: limit,
          },
          deadline,
        );
      const [backups, lookups] = await Promise.all([due(TRACKED.backup), due(TRACKED.lookup)]);
      return { backups: backups.map(recordOf), lookups: lookups.map(lookupOf) };
    },
    async recent({ instanceId, limit }, deadline) {
      const partition = instanceId
        ? {
            IndexName: INSTANCE_INDEX,
            KeyConditionExpression: 'instanceId = :key',
            ExpressionAttributeValues: { ':key': { S: instanceId } },
          }
        : {
            IndexName: RECENT_INDEX,
            KeyConditionExpression: 'listed = :key',
            ExpressionAttributeValues: { ':key': { S: LISTED } },
          };
      return (await query({ ...partition, ScanIndexForward: false, Limit: limit }, deadline)).map(recordOf);
    },
    async openLookup(lookup, deadline) {
      const { lookupId, instanceId, ...rest } = lookup;
      await call(
        'PutItem',
        {
          Item: toItem({
            ...rest,
            backupId: `${LOOKUP_PREFIX}${lookupId}`,
            lookupInstanceId: instanceId,
            tracking: TRACKED.lookup,
            expiresAt: expiresAt(),
          }),
        },
        deadline,
      );
    },
    async touchLookup(lookupId, checkedAt, deadline) {
      await call(
        'UpdateItem',
        {
          Key: key(`${LOOKUP_PREFIX}${lookupId}`),
          UpdateExpression: 'SET checkedAt = :checkedAt',
          ConditionExpression: 'attribute_exists(backupId)',
          ExpressionAttributeValues: { ':checkedAt': { S: checkedAt } },
        },
        deadline,
      ).catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
    },
    async closeLookup(lookupId, deadline) {
      await call('DeleteItem', { Key: key(`${LOOKUP_PREFIX}${lookupId}`) }, deadline);
    },
  };
}
