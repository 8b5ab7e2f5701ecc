import { sign } from 'aws4';
import { isRecord } from '../objects';
import { sendAttempt, type AttemptOutcome } from '../net/transport';
import { awsRetryDelayMs, isRetryableAwsError } from './retry';

/**
 * The one AWS client of the gateway: every AWS call (Secrets Manager, DynamoDB, EventBridge, SQS) is a signed
 * AWS JSON-protocol POST over kept-alive `node:http(s)`, retried by AWS's standard policy.
 *
 * Why not the AWS SDK: its clients cost 70–90 ms of cold start each on this kind of machine, more than the whole
 * cold start of a function without them (`npm run bench`), for calls that need none of its machinery. The SigV4
 * signer is `aws4`, the de-facto standard one (about 9 KB), proven against the SDK's own signer in the tests.
 */
export type AwsService = 'dynamodb' | 'secretsmanager' | 'events' | 'sqs';

interface JsonProtocol {
  /** The `X-Amz-Target` prefix. */
  target: string;
  contentType: string;
}

const PROTOCOLS: Record<AwsService, JsonProtocol> = {
  dynamodb: { target: 'DynamoDB_20120810', contentType: 'application/x-amz-json-1.0' },
  secretsmanager: { target: 'secretsmanager', contentType: 'application/x-amz-json-1.1' },
  events: { target: 'AWSEvents', contentType: 'application/x-amz-json-1.1' },
  sqs: { target: 'AmazonSQS', contentType: 'application/x-amz-json-1.0' },
};

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  region: string;
  credentials: AwsCredentials;
  /** Endpoints that replace `https://<service>.<region>.amazonaws.com` (from `AWS_ENDPOINT_URL_<SERVICE>`). */
  endpoints?: Partial<Record<AwsService, string>>;
  /** Attempts in all, as in the SDKs' standard retry mode. */
  maxAttempts?: number;
  /** Upper bound of one attempt; the caller's deadline shortens it. */
  attemptTimeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface AwsCallOptions {
  /** Epoch milliseconds by which the call must be over, retries included. */
  deadline?: number;
}

/** An AWS error answer or transport failure, with its short type (e.g. `ConditionalCheckFailedException`). */
export class AwsError extends Error {
  constructor(
    readonly service: AwsService,
    readonly operation: string,
    readonly type: string,
    /** What AWS said (or what went wrong on the way), without the service and operation. */
    readonly reason: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** What the error answer carried besides type and message (e.g. DynamoDB's `Item` on a failed condition). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${service}.${operation} failed: ${type}${reason ? `: ${reason}` : ''}`);
    this.name = 'AwsError';
  }
}

/** DynamoDB refused a write because its condition did not hold: a conditional write that lost, not a fault. */
export const isConditionFailure = (error: unknown): error is AwsError =>
  error instanceof AwsError && error.type === 'ConditionalCheckFailedException';

export interface AwsClient {
  /**
   * @example
   * const { Item } = await aws.call('dynamodb', 'GetItem', { TableName, Key, ConsistentRead: true }, { deadline });
   */
  call<T = Record<string, unknown>>(
    service: AwsService,
    operation: string,
    input: object,
    options?: AwsCallOptions,
  ): Promise<T>;
}

/** An attempt shorter than this is not worth starting. */
const MIN_ATTEMPT_MS = 100;

const defaultEndpoint = (service: AwsService, region: string) => `https://${service}.${region}.amazonaws.com`;

/** An empty 2xx body is an empty answer; undefined when the body is not JSON. */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
}

function errorOf(service: AwsService, operation: string, outcome: AttemptOutcome, timeoutMs: number): AwsError {
  switch (outcome.kind) {
    case 'answered': {
      const body = parseJson(outcome.text);
      const { __type, message, Message, ...details } = isRecord(body) ? body : {};
      // `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` → the part after `#`.
      const type = typeof __type === 'string' ? (__type.split('#').at(-1) ?? __type) : `HTTP${outcome.status}`;
      const said = typeof message === 'string' ? message : typeof Message === 'string' ? Message : '';
      return new AwsError(service, operation, type, said, outcome.status, details);
    }
    case 'timeout':
      return new AwsError(service, operation, 'TimeoutError', `no answer within ${timeoutMs} ms`, 0);
    default:
      return new AwsError(service, operation, 'NetworkingError', outcome.error.message, 0);
  }
}

/**
 * @example
 * const aws = createAwsClient({ region: 'eu-west-1', credentials, endpoints: { dynamodb: 'http://127.0.0.1:8000' } });
 * await aws.call('sqs', 'SendMessage', { QueueUrl, MessageBody });
 */
export function createAwsClient(options: AwsClientOptions): AwsClient {
  const {
    region,
    credentials,
    endpoints = {},
    maxAttempts = 3,
    attemptTimeoutMs = 5_000,
    now = () => Date.now(),
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random = Math.random,
  } = options;

  return {
    async call<T>(
      service: AwsService,
      operation: string,
      input: object,
      { deadline }: AwsCallOptions = {},
    ): Promise<T> {
      const url = new URL(endpoints[service] ?? defaultEndpoint(service, region));
      const { target, contentType } = PROTOCOLS[service];
      const body = JSON.stringify(input);
      const timeLeft = () => (deadline === undefined ? Number.POSITIVE_INFINITY : deadline - now());

      let lastError: AwsError | undefined;
      for (let attempt = 1; ; attempt++) {
        const timeoutMs = Math.min(attemptTimeoutMs, timeLeft());
        if (timeoutMs < MIN_ATTEMPT_MS) {
          // A back-off that ran late must not hide what went wrong before it.
          throw (
            lastError ??
            new AwsError(
              service,
              operation,
              'NoTimeLeft',
              `${Math.max(0, Math.round(timeoutMs))} ms left before the deadline`,
              0,
            )
          );
        }
        // Signed anew for each attempt: a retry after a long back-off must not carry a stale date.
        const signed = sign(
          {
            host: url.host,
            path: url.pathname,
            method: 'POST',
            service,
            region,
            body,
            headers: { 'Content-Type': contentType, 'X-Amz-Target': `${target}.${operation}` },
          },
          credentials,
        );
        const outcome = await sendAttempt({
          url,
          method: 'POST',
          headers: signed.headers as Record<string, string>,
          body,
          timeoutMs,
        });
        const answer =
          outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300
            ? parseJson(outcome.text)
            : undefined;
        if (answer !== undefined) return answer as T;
        const error =
          outcome.kind === 'answered' && outcome.status < 300
            ? new AwsError(
                service,
                operation,
                'UnreadableAnswer',
                `answered ${outcome.status} with a body that is not JSON`,
                outcome.status,
              )
            : errorOf(service, operation, outcome, timeoutMs);
        const delayMs = awsRetryDelayMs(attempt, random);
        const retry = attempt < maxAttempts && isRetryableAwsError(error) && timeLeft() - delayMs >= MIN_ATTEMPT_MS;
        if (!retry) throw error;
        lastError = error;
        await sleep(delayMs);
      }
    },
  };
}
