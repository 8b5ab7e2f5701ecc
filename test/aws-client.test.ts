import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamodb';
import {
  AwsError,
  createAwsClient,
  type AwsClientOptions,
  type AwsCredentials,
  type AwsService,
} from '../shared/aws/client';
import type { Attempt, AttemptOutcome } from '../shared/net/transport';
import { startFaultServer, type FaultRequest, type FaultServer, type FaultStep } from './support/fault-server';
import { sdkSigner } from './support/sdk-signer';

/**
 * The AWS client against a scripted loopback server: which failures it retries (AWS's standard mode), how long
 * it waits (full jitter), that it never works past the caller's deadline, what it sends (JSON protocol, SigV4),
 * and how it reports an error. One round trip through a real DynamoDB emulator (dynalite) closes the file.
 */
const REGION = 'eu-west-1';
const CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIDTESTBACKUPGATEWAY',
  secretAccessKey: 'test-aws-secret-key-7c6b5a4f3e2d-never-to-be-logged',
};
const TABLE = 'backup-gateway-test-idempotency';
const getItem = { TableName: TABLE, Key: { id: { S: 'k-1' } }, ConsistentRead: true };

let server: FaultServer;
let waits: number[];

/** A client whose every service is the fault server, and whose back-off is recorded instead of waited. */
function client(overrides: Partial<AwsClientOptions> = {}) {
  return createAwsClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoints: { dynamodb: server.url, secretsmanager: server.url, events: server.url, sqs: server.url },
    sleep: async (ms) => void waits.push(ms),
    ...overrides,
  });
}
const rejectionOf = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected a failure'),
    (error: unknown) => error,
  );
/** An AWS JSON-protocol error answer, as DynamoDB words it. */
const dynamoError = (type: string, message: string, extra: Record<string, unknown> = {}, status = 400): FaultStep => ({
  kind: 'answer',
  status,
  body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra },
});
const serverError = (status: number): FaultStep => ({
  kind: 'answer',
  status,
  body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: `status ${status}` },
});
const found = { Item: { id: { S: 'k-1' }, status: { S: 'COMPLETED' } } };

beforeAll(async () => {
  server = await startFaultServer({ fallback: { kind: 'answer', body: found } });
});
afterEach(() => {
  server.reset();
  waits = [];
});
afterAll(() => server.close());
waits = [];

describe('AWS client: what it retries', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 'The level of configured provisioned throughput was exceeded.'],
    ['ThrottlingException', 'Rate of requests exceeds the allowed throughput.'],
    ['RequestLimitExceeded', 'Throughput exceeds the current throughput limit for your account.'],
  ])('retries a 400 %s, then returns the answer', async (type, message) => {
    server.script(dynamoError(type, message));

    const answer = await client().call('dynamodb', 'GetItem', getItem);

    expect(answer).toEqual(found);
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it.each([500, 502, 503, 504])('retries an HTTP %i', async (status) => {
    server.script(serverError(status));

    await expect(client().call('dynamodb', 'GetItem', getItem)).resolves.toEqual(found);
    expect(server.requests).toHaveLength(2);
  });

  it('retries a 5xx whose body is not JSON, and names it by its status', async () => {
    const unavailable: FaultStep = { kind: 'answer', status: 503, body: '<html>Service Unavailable</html>' };
    server.script(unavailable, unavailable, unavailable);

    const error = await rejectionOf(client().call('dynamodb', 'GetItem', getItem));

    expect(server.requests).toHaveLength(3);
    expect(error).toMatchObject({ type: 'HTTP503', reason: '', status: 503, details: {} });
  });

  it('does not retry ConditionalCheckFailedException, and hands over the Item DynamoDB returned with it', async () => {
    const holder = { id: { S: 'k-1' }, status: { S: 'INPROGRESS' }, in_progress_expiration: { N: '1795558510000' } };
    server.script(dynamoError('ConditionalCheckFailedException', 'The conditional request failed', { Item: holder }));

    const error = await rejectionOf(client().call('dynamodb', 'PutItem', { TableName: TABLE, Item: holder }));

    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({
      service: 'dynamodb',
      operation: 'PutItem',
      type: 'ConditionalCheckFailedException',
      reason: 'The conditional request failed',
      status: 400,
      details: { Item: holder },
    });
    expect((error as AwsError).details).toEqual({ Item: holder });
    expect((error as Error).message).toBe(
      'dynamodb.PutItem failed: ConditionalCheckFailedException: The conditional request failed',
    );
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('does not retry a ValidationException', async () => {
    server.script({
      kind: 'answer',
      status: 400,
      body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'One or more values were invalid' },
    });

    const error = await rejectionOf(client().call('dynamodb', 'GetItem', getItem));

    expect(error).toMatchObject({ type: 'ValidationException', reason: 'One or more values were invalid' });
    expect(server.requests).toHaveLength(1);
  });

  it('reads the reason from "Message" too (Secrets Manager), and does not retry a missing secret', async () => {
    server.script({
      kind: 'answer',
      status: 400,
      body: { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." },
    });

    const getSecret = { SecretId: 'backup-gateway/huawei' };
    const error = await rejectionOf(client().call('secretsmanager', 'GetSecretValue', getSecret));

    expect(error).toMatchObject({
      service: 'secretsmanager',
      type: 'ResourceNotFoundException',
      reason: "Secrets Manager can't find the specified secret.",
      details: {},
    });
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a 4xx without an AWS error body, and names it by its status', async () => {
    server.script({ kind: 'answer', status: 403, body: 'Forbidden' });

    const error = await rejectionOf(client().call('sqs', 'SendMessage', { QueueUrl: 'q', MessageBody: '{}' }));

    expect(error).toMatchObject({ type: 'HTTP403', reason: '', status: 403 });
    expect(server.requests).toHaveLength(1);
  });

  it('makes 3 attempts at most, then throws the last error', async () => {
    server.script(
      serverError(500),
      dynamoError('ProvisionedThroughputExceededException', 'second'),
      dynamoError('ThrottlingException', 'third'),
    ); // a fourth request would get the fallback: a success

    const error = await rejectionOf(client().call('dynamodb', 'GetItem', getItem));

    expect(error).toMatchObject({ type: 'ThrottlingException', reason: 'third', status: 400 });
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('makes as many attempts as maxAttempts says', async () => {
    server.script(serverError(500));

    const error = await rejectionOf(client({ maxAttempts: 1 }).call('dynamodb', 'GetItem', getItem));

    expect(error).toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each([
    ['before the request was read', 'destroy-before-read'],
    ['after the request was read', 'destroy-after-read'],
  ] as const)('retries a connection reset %s', async (_, kind) => {
    server.script({ kind });

    await expect(client().call('dynamodb', 'GetItem', getItem)).resolves.toEqual(found);
    expect(server.requests.map((request) => request.step)).toEqual([kind, 'answer']);
  });

  it('retries a refused connection, then reports a NetworkingError without a status', async () => {
    const gone = await startFaultServer();
    await gone.close();

    const error = await rejectionOf(client({ endpoints: { dynamodb: gone.url } }).call('dynamodb', 'GetItem', getItem));

    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ type: 'NetworkingError', status: 0 });
    expect(waits).toHaveLength(2);
  });

  it('retries an attempt that got no answer in time', async () => {
    server.script({ kind: 'answer', delayMs: 3_000 });

    const answer = await client({ attemptTimeoutMs: 300 }).call('dynamodb', 'GetItem', getItem);

    expect(answer).toEqual(found);
    expect(server.requests).toHaveLength(2);
  });

  it('reports attempts that all timed out as a TimeoutError', async () => {
    server.script(...Array.from({ length: 3 }, (): FaultStep => ({ kind: 'answer', delayMs: 2_000 })));

    const error = await rejectionOf(client({ attemptTimeoutMs: 150 }).call('dynamodb', 'GetItem', getItem));

    expect(error).toMatchObject({ type: 'TimeoutError', reason: 'no answer within 150 ms', status: 0 });
    expect(server.requests).toHaveLength(3);
  });
});

describe('AWS client: back-off', () => {
  it.each([0, 0.5, 0.999_999])('waits random() × 100 ms × 2^attempt (full jitter), random() = %f', async (random) => {
    server.script(serverError(503), serverError(503));

    await client({ random: () => random }).call('dynamodb', 'GetItem', getItem);

    expect(waits).toEqual([random * 200, random * 400]);
    const [afterFirst, afterSecond] = waits;
    expect(afterFirst).toBeGreaterThanOrEqual(0);
    expect(afterFirst).toBeLessThan(200);
    expect(afterSecond).toBeGreaterThanOrEqual(0);
    expect(afterSecond).toBeLessThan(400);
  });

  it('draws a new random wait for each retry', async () => {
    const draws = [0.25, 0.75];
    server.script(serverError(500), serverError(500));

    await client({ random: () => draws.shift() ?? 0 }).call('dynamodb', 'GetItem', getItem);

    expect(waits).toEqual([50, 300]);
  });
});

describe('AWS client: deadline', () => {
  /** A clock that only the injected sleep moves, so the deadline arithmetic is exact. */
  function clockedClient(random: number) {
    const clock = { now: 1_795_558_500_000 };
    const sleptUntil: number[] = [];
    const aws = client({
      now: () => clock.now,
      random: () => random,
      sleep: async (ms) => {
        waits.push(ms);
        clock.now += ms;
        sleptUntil.push(clock.now);
      },
    });
    return { aws, clock, sleptUntil };
  }

  it('throws the error instead of retrying when the back-off would leave too little time', async () => {
    const { aws, clock } = clockedClient(0.9); // a first back-off of 180 ms
    server.script(serverError(503));

    const error = await rejectionOf(aws.call('dynamodb', 'GetItem', getItem, { deadline: clock.now + 250 }));

    expect(error).toMatchObject({ type: 'InternalServerError', status: 503 });
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries when an attempt still fits after the back-off (the rule above is about the fit)', async () => {
    const { aws, clock } = clockedClient(0.5); // a first back-off of 100 ms, leaving 150 ms
    server.script(serverError(503));

    await expect(aws.call('dynamodb', 'GetItem', getItem, { deadline: clock.now + 250 })).resolves.toEqual(found);
    expect(waits).toEqual([100]);
    expect(server.requests).toHaveLength(2);
  });

  it.each([0, 0.3, 0.6, 0.999])('never sleeps into the last 100 ms before the deadline (random %f)', async (random) => {
    const { aws, clock, sleptUntil } = clockedClient(random);
    const deadline = clock.now + 450;
    server.script(serverError(500), serverError(500), serverError(500));

    const error = await rejectionOf(aws.call('dynamodb', 'GetItem', getItem, { deadline }));

    // The error is the upstream's, never a "no time left" of the client's own making.
    expect(error).toMatchObject({ type: 'InternalServerError', status: 500 });
    for (const at of sleptUntil) expect(deadline - at).toBeGreaterThanOrEqual(100);
    expect(server.requests).toHaveLength(sleptUntil.length + 1);
  });

  it('throws NoTimeLeft and sends nothing when the deadline has passed', async () => {
    const untouched = await startFaultServer();
    try {
      const aws = client({ endpoints: { dynamodb: untouched.url } });

      const error = await rejectionOf(aws.call('dynamodb', 'GetItem', getItem, { deadline: Date.now() - 1 }));

      expect(error).toBeInstanceOf(AwsError);
      expect(error).toMatchObject({ type: 'NoTimeLeft', status: 0 });
      expect(untouched.requests).toHaveLength(0);
      expect(untouched.connections).toBe(0);
    } finally {
      await untouched.close();
    }
  });

  it('cuts an attempt short at the deadline and does not retry after it', async () => {
    server.script({ kind: 'answer', delayMs: 5_000 });
    const deadline = Date.now() + 400;

    const error = await rejectionOf(client().call('dynamodb', 'GetItem', getItem, { deadline }));

    expect(error).toMatchObject({ type: 'TimeoutError' });
    const [, timeoutMs] = /no answer within (\d+) ms/.exec((error as AwsError).reason) ?? [];
    expect(Number(timeoutMs)).toBeLessThanOrEqual(400);
    expect(Date.now()).toBeLessThan(deadline + 2_000); // far sooner than the 5 s answer
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

/** Signs the request as it arrived with the AWS SDK's own signer, over the headers it says it signed. */
async function sdkAuthorizationOf(request: FaultRequest, service: AwsService, credentials: AwsCredentials) {
  const authorization = String(request.headers.authorization);
  const signedHeaderNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1].split(';') ?? [];
  const headers = Object.fromEntries(signedHeaderNames.map((name) => [name, String(request.headers[name])]));
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(headers['x-amz-date'] ?? '');
  if (!amzDate) throw new Error(`no X-Amz-Date among the signed headers: ${authorization}`);
  const [, year, month, day, hour, minute, second] = amzDate;
  const signingDate = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  const { hostname, port } = new URL(server.url);
  const signer = sdkSigner({ credentials, region: REGION, service });
  const { method, path, body } = request;
  const signed = await signer.sign(
    { method, protocol: 'http:', hostname, port: Number(port), path, headers, body },
    { signingDate },
  );
  return signed.headers.authorization;
}

describe('AWS client: the request', () => {
  it.each([
    ['dynamodb', 'GetItem', 'DynamoDB_20120810.GetItem', 'application/x-amz-json-1.0'],
    ['secretsmanager', 'GetSecretValue', 'secretsmanager.GetSecretValue', 'application/x-amz-json-1.1'],
    ['events', 'PutEvents', 'AWSEvents.PutEvents', 'application/x-amz-json-1.1'],
    ['sqs', 'SendMessage', 'AmazonSQS.SendMessage', 'application/x-amz-json-1.0'],
  ] as const)('sends %s.%s as a signed JSON-protocol POST', async (service, operation, target, contentType) => {
    const input = { Name: 'k-1 é', Nested: { List: [1, 2] } };

    await client().call(service, operation, input);

    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/', body: JSON.stringify(input) });
    expect(request.headers['x-amz-target']).toBe(target);
    expect(request.headers['content-type']).toBe(contentType);
    const amzDate = String(request.headers['x-amz-date']);
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${amzDate.slice(0, 8)}/${REGION}/${service}` +
          '/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$',
      ),
    );
    expect(request.headers['x-amz-security-token']).toBeUndefined();
    // The signature holds for the request as it arrived: nothing was changed after signing.
    expect(request.headers.authorization).toBe(await sdkAuthorizationOf(request, service, CREDENTIALS));
  });

  it('sends and signs the session token of temporary credentials', async () => {
    const temporary = { ...CREDENTIALS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE-session-token' };

    await client({ credentials: temporary }).call('dynamodb', 'GetItem', getItem);

    const [request] = server.requests;
    expect(request.headers['x-amz-security-token']).toBe(temporary.sessionToken);
    expect(request.headers.authorization).toMatch(/SignedHeaders=[a-z0-9;-]*x-amz-security-token/);
    expect(request.headers.authorization).toBe(await sdkAuthorizationOf(request, 'dynamodb', temporary));
  });

  it('signs each attempt anew, so that a retry after a long back-off carries the time it is sent', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-24T22:15:00Z'), toFake: ['Date'] });
    try {
      server.script(serverError(503));
      const aws = client({ sleep: async () => void vi.setSystemTime(new Date('2026-11-24T22:25:00Z')) });

      await aws.call('dynamodb', 'GetItem', getItem);

      const signedAt = server.requests.map((request) => request.headers['x-amz-date']);
      expect(signedAt).toEqual(['20261124T221500Z', '20261124T222500Z']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reuses one kept-alive connection for calls to the same endpoint', async () => {
    const fresh = await startFaultServer();
    try {
      const aws = client({ endpoints: { dynamodb: fresh.url, sqs: fresh.url } });

      await aws.call('dynamodb', 'GetItem', getItem);
      await aws.call('dynamodb', 'GetItem', getItem);
      await aws.call('sqs', 'SendMessage', { QueueUrl: 'q', MessageBody: '{}' });

      expect(fresh.requests).toHaveLength(3);
      expect(fresh.connections).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

describe('AWS client: endpoints (asserted without a request: the transport is replaced)', () => {
  afterEach(() => {
    vi.doUnmock('../shared/net/transport');
    vi.resetModules();
  });

  it('calls https://<service>.<region>.amazonaws.com unless an endpoint replaces it', async () => {
    const attempts: Attempt[] = [];
    vi.resetModules();
    vi.doMock('../shared/net/transport', async (importOriginal) => ({
      ...(await importOriginal<typeof import('../shared/net/transport')>()),
      sendAttempt: async (attempt: Attempt): Promise<AttemptOutcome> => {
        attempts.push(attempt);
        return { kind: 'answered', status: 200, headers: {}, text: '{}' };
      },
    }));
    const { createAwsClient: createClientOverFakeTransport } = await import('../shared/aws/client');
    const aws = createClientOverFakeTransport({
      region: 'ap-southeast-1',
      credentials: CREDENTIALS,
      endpoints: { dynamodb: 'http://127.0.0.1:8000' },
    });

    for (const service of ['dynamodb', 'secretsmanager', 'events', 'sqs'] as const) await aws.call(service, 'Op', {});

    expect(attempts.map((attempt) => attempt.url.href)).toEqual([
      'http://127.0.0.1:8000/',
      'https://secretsmanager.ap-southeast-1.amazonaws.com/',
      'https://events.ap-southeast-1.amazonaws.com/',
      'https://sqs.ap-southeast-1.amazonaws.com/',
    ]);
    expect(attempts.map((attempt) => attempt.headers.Host)).toEqual([
      '127.0.0.1:8000',
      'secretsmanager.ap-southeast-1.amazonaws.com',
      'events.ap-southeast-1.amazonaws.com',
      'sqs.ap-southeast-1.amazonaws.com',
    ]);
    expect(attempts[3].headers.Authorization).toContain('/ap-southeast-1/sqs/aws4_request');
  });
});

describe('AWS client against dynalite (a real DynamoDB emulator)', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tableName: TABLE });
  });
  afterAll(() => dynamo.close());
  const aws = () =>
    createAwsClient({
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoints: { dynamodb: dynamo.endpoint },
    });

  it('puts an item and gets it back', async () => {
    const item = { id: { S: 'round-trip' }, status: { S: 'COMPLETED' }, expiration: { N: '1795644900' } };

    await expect(aws().call('dynamodb', 'PutItem', { TableName: TABLE, Item: item })).resolves.toEqual({});
    const answer = await aws().call('dynamodb', 'GetItem', {
      TableName: TABLE,
      Key: { id: { S: 'round-trip' } },
      ConsistentRead: true,
    });

    expect(answer).toEqual({ Item: item });
  });

  it('reports a failed condition as ConditionalCheckFailedException', async () => {
    const item = { id: { S: 'taken' }, status: { S: 'INPROGRESS' } };
    const putIfFree = { TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(id)' };
    await aws().call('dynamodb', 'PutItem', putIfFree);

    const error = await rejectionOf(aws().call('dynamodb', 'PutItem', putIfFree, { deadline: Date.now() + 5_000 }));

    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ type: 'ConditionalCheckFailedException', status: 400 });
    expect((error as AwsError).reason).toMatch(/conditional request failed/i);
  });
});
