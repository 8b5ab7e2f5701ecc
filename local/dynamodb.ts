import dynalite from 'dynalite';
import { createAwsClient, type AwsClient } from '../shared/aws/client';
import { LEDGER_TABLE_DEFINITION } from '../shared/aws/ledger';
import { closeServer, listenOnLoopback } from './loopback-server';

/**
 * An in-memory DynamoDB-compatible server (dynalite) on loopback with the idempotency table created, for
 * `npm start` and the tests. Its data is gone when it closes.
 */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`: the value of `AWS_ENDPOINT_URL_DYNAMODB`. */
  endpoint: string;
  /** The value of `IDEMPOTENCY_TABLE`. */
  tableName: string;
  /** The value of `BACKUPS_TABLE`: the ledger. */
  backupsTableName: string;
  /** The environment a handler needs to use this server for idempotency and the ledger. */
  env: { IDEMPOTENCY_TABLE: string; BACKUPS_TABLE: string; AWS_ENDPOINT_URL_DYNAMODB: string };
  /** An AWS client for this server, signing with placeholder keys (dynalite checks none). */
  aws: AwsClient;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** DynamoDB wants at least 3 characters. */
  tableName?: string;
}

/** The key the idempotency store writes (shared/aws/idempotency-store.ts); serverless.yml declares the same. */
const KEY_ATTRIBUTE = 'id';
const CREATED_POLL_MS = 20;

/**
 * @example
 * const dynamo = await startLocalDynamo();
 * Object.assign(process.env, dynamo.env); // before the handlers are loaded
 * // …
 * await dynamo.close();
 */
export async function startLocalDynamo({
  port = 0,
  tableName = 'backup-gateway-local-idempotency',
}: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server, port);
  // dynalite checks no keys; requests are signed all the same, with placeholders.
  const aws = createAwsClient({
    region: 'local',
    endpoints: { dynamodb: endpoint },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const call = (operation: string, input: object) => aws.call('dynamodb', operation, input);
  const backupsTableName = tableName.replace(/-idempotency$/, '') + '-backups';
  const definitions = [
    {
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: KEY_ATTRIBUTE, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    { TableName: backupsTableName, ...LEDGER_TABLE_DEFINITION },
  ];
  for (const definition of definitions) {
    await call('CreateTable', definition);
    while (
      ((await call('DescribeTable', { TableName: definition.TableName })).Table as { TableStatus?: string } | undefined)
        ?.TableStatus !== 'ACTIVE'
    ) {
      await new Promise((resolve) => setTimeout(resolve, CREATED_POLL_MS));
    }
  }

  return {
    endpoint,
    tableName,
    backupsTableName,
    env: { IDEMPOTENCY_TABLE: tableName, BACKUPS_TABLE: backupsTableName, AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    aws,
    // Drops the handlers' kept-alive DynamoDB sockets, which would otherwise hold the server open.
    close: () => closeServer(server),
  };
}
