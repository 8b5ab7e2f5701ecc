import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signAwsRequest, type AwsCredentials } from './sigv4';

/**
 * The DynamoDB calls idempotency makes, as signed JSON over `node:http`. The AWS SDK's DynamoDB client costs
 * about 70 ms to load, twice the whole cold start of a function without it (measured by `npm run bench`); these
 * calls need none of its machinery.
 */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] };
export type Item = Record<string, AttributeValue>;

export interface DynamoDbOptions {
  region: string;
  /** `https://dynamodb.<region>.amazonaws.com` unless a local server is named. */
  endpoint?: string;
  credentials: () => AwsCredentials;
  timeoutMs?: number;
}

/** A refusal by DynamoDB, with its short type (e.g. `ConditionalCheckFailedException`). */
export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly item?: Item,
  ) {
    super(`${type}: ${message}`);
    this.name = 'DynamoDbError';
  }
}

/** The item calls of idempotency, and the two table calls that set up a local server. */
export type DynamoDbOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'CreateTable' | 'DescribeTable';
export type DynamoDbCall = (operation: DynamoDbOperation, input: object) => Promise<Record<string, unknown>>;

/**
 * @example
 * const call = dynamoDb({ region: 'eu-west-1', credentials: () => credentialsFromEnvironment() });
 * const { Item } = await call('GetItem', { TableName, Key: { id: { S: key } }, ConsistentRead: true });
 */
export function dynamoDb({ region, endpoint, credentials, timeoutMs = 3_000 }: DynamoDbOptions): DynamoDbCall {
  const url = new URL(endpoint ?? `https://dynamodb.${region}.amazonaws.com/`);
  const secure = url.protocol === 'https:';
  // Warm invocations reuse the connection, as the SDK does.
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;

  return (operation, input) => {
    const body = JSON.stringify(input);
    const headers = signAwsRequest(
      { url, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` }, body, region, service: 'dynamodb' },
      credentials(),
      new Date(),
    );
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let answer: Record<string, unknown>;
          try {
            answer = text ? JSON.parse(text) : {};
          } catch {
            reject(new DynamoDbError('UnreadableAnswer', `DynamoDB answered ${res.statusCode} with a body that is not JSON`));
            return;
          }
          if (res.statusCode === 200) {
            resolve(answer);
            return;
          }
          const type = String(answer.__type ?? `HTTP${res.statusCode}`).split('#').at(-1) ?? 'Unknown';
          reject(new DynamoDbError(type, String(answer.message ?? answer.Message ?? ''), answer.Item as Item | undefined));
        });
      });
      req.on('timeout', () => req.destroy(new DynamoDbError('Timeout', `no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  };
}

/** Lambda's own credentials, from the variables the runtime sets. */
export function credentialsFromEnvironment(env: Record<string, string | undefined> = process.env): AwsCredentials {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
  };
}

/**
 * JSON-like values to DynamoDB attribute values and back, for the stored response.
 *
 * @example
 * toAttribute({ backupId: 'b-1', jobIds: [] }) // → { M: { backupId: { S: 'b-1' }, jobIds: { L: [] } } }
 */
export function toAttribute(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  return {
    M: Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .map(([key, entry]) => [key, toAttribute(entry)]),
    ),
  };
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if ('S' in attribute) return attribute.S;
  if ('N' in attribute) return Number(attribute.N);
  if ('BOOL' in attribute) return attribute.BOOL;
  if ('NULL' in attribute) return null;
  if ('L' in attribute) return attribute.L.map(fromAttribute);
  return Object.fromEntries(Object.entries(attribute.M).map(([key, entry]) => [key, fromAttribute(entry)]));
}
