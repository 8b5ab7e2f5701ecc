import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signAwsRequest } from '../shared/aws/sigv4';

/** Our SigV4 signer must sign exactly as the AWS SDK's own does for DynamoDB (which sends no x-amz-content-sha256). */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const at = new Date('2015-08-30T12:36:00Z');

const toBytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The hash the SDK's signer asks for, from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(toBytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

async function sdkSignature(url: URL, headers: Record<string, string>, body: string, sessionToken?: string) {
  const signer = new SignatureV4({ credentials: { ...credentials, sessionToken }, region: 'eu-west-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, headers: { ...headers, host: url.host }, body },
    { signingDate: at },
  );
  return signed.headers.authorization;
}

describe('AWS SigV4 signer', () => {
  it.each([
    ['a DynamoDB call', 'https://dynamodb.eu-west-1.amazonaws.com/', undefined],
    ['a local endpoint with a port', 'http://127.0.0.1:8000/', undefined],
    ['temporary credentials', 'https://dynamodb.eu-west-1.amazonaws.com/', 'IQoJb3JpZ2luX2VjEXAMPLE'],
  ])('signs %s as the AWS SDK does', async (_, address, sessionToken) => {
    const url = new URL(address);
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' };
    const body = JSON.stringify({ TableName: 'backup-gateway-dev-idempotency', Key: { id: { S: 'k-1 é' } }, ConsistentRead: true });
    const ours = signAwsRequest({ url, headers, body, region: 'eu-west-1', service: 'dynamodb' }, { ...credentials, sessionToken }, at);
    expect(ours.authorization).toBe(await sdkSignature(url, headers, body, sessionToken));
    expect(ours['x-amz-date']).toBe('20150830T123600Z');
    if (sessionToken) expect(ours['x-amz-security-token']).toBe(sessionToken);
  });
});
