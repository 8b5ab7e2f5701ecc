import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type Bytes = string | ArrayBuffer | ArrayBufferView;

const toBytes = (data: Bytes): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The hash the SDK's signer asks for, from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: Bytes) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Bytes) {
    this.hash.update(toBytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * The AWS SDK's own SigV4 signer, the independent judge of ours. It adds no x-amz-content-sha256, as the SDK's
 * JSON-protocol clients do not.
 *
 * @example
 * const signed = await sdkSigner({ credentials, region: 'eu-west-1', service: 'sqs' }).sign(request, { signingDate });
 */
export function sdkSigner({
  credentials,
  region,
  service,
}: {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region: string;
  service: string;
}): SignatureV4 {
  return new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
}
