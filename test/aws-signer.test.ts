import { sign } from 'aws4';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sdkSigner } from './support/sdk-signer';

/**
 * The AWS client signs with aws4; it must sign exactly as the AWS SDK's own signer does for every service the
 * gateway calls, with the same headers (the SDK's JSON-protocol clients send no x-amz-content-sha256).
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const at = new Date('2015-08-30T12:36:00Z');

describe('AWS SigV4 signing (aws4) against the AWS SDK signer', () => {
  // aws4 signs at the current time.
  beforeAll(() => {
    vi.useFakeTimers({ now: at, toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it.each([
    ['DynamoDB', 'dynamodb', 'https://dynamodb.eu-west-1.amazonaws.com/', 'DynamoDB_20120810.GetItem', undefined],
    [
      'Secrets Manager',
      'secretsmanager',
      'https://secretsmanager.eu-west-1.amazonaws.com/',
      'secretsmanager.GetSecretValue',
      undefined,
    ],
    ['EventBridge', 'events', 'https://events.eu-west-1.amazonaws.com/', 'AWSEvents.PutEvents', undefined],
    ['SQS', 'sqs', 'https://sqs.eu-west-1.amazonaws.com/', 'AmazonSQS.SendMessage', undefined],
    ['a local endpoint with a port', 'dynamodb', 'http://127.0.0.1:8000/', 'DynamoDB_20120810.PutItem', undefined],
    [
      'temporary credentials',
      'dynamodb',
      'https://dynamodb.eu-west-1.amazonaws.com/',
      'DynamoDB_20120810.GetItem',
      'IQoJb3JpZ2luX2VjEXAMPLE',
    ],
  ])('signs %s as the SDK does', async (_, service, address, target, sessionToken) => {
    const url = new URL(address);
    const body = JSON.stringify({
      TableName: 'backup-gateway-dev-idempotency',
      Key: { id: { S: 'k-1 é' } },
      ConsistentRead: true,
    });
    const ours = sign(
      {
        host: url.host,
        path: url.pathname,
        method: 'POST',
        service,
        region: 'eu-west-1',
        body,
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
      },
      { ...credentials, sessionToken },
    );
    const headers = Object.fromEntries(
      Object.entries(ours.headers as Record<string, string | number>)
        .filter(([name]) => name.toLowerCase() !== 'authorization')
        .map(([name, value]) => [name, String(value)]),
    );
    const signer = sdkSigner({ credentials: { ...credentials, sessionToken }, region: 'eu-west-1', service });
    const sdk = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        headers,
        body,
      },
      { signingDate: at },
    );
    expect((ours.headers as Record<string, string>).Authorization).toBe(sdk.headers.authorization);
    if (sessionToken) expect((ours.headers as Record<string, string>)['X-Amz-Security-Token']).toBe(sessionToken);
  });
});
