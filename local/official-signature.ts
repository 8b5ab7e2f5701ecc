import { createHash } from 'node:crypto';
import { parse } from 'node:url';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential';
import type { IHttpRequest } from '@huaweicloud/huaweicloud-sdk-core/http/IHttpRequest';

/**
 * The stand-in's judge of `SDK-HMAC-SHA256` signatures: Huawei's own Node.js SDK signer, fed with the request as
 * it was received, so that a bug in the gateway's signer fails the tests instead of being checked against itself.
 */
export interface ReceivedRequest {
  method: string;
  /** The path as it came on the wire, still percent-encoded. */
  path: string;
  /** The query string as it came on the wire, without `?`; empty when there was none. */
  query: string;
  /** The headers the caller listed in `SignedHeaders`, by lowercase name, with the values received. */
  signedHeaders: Record<string, string>;
  body: string;
}

/**
 * The SDK hashes `JSON.stringify(request.data)`, the body it is about to send itself; the stand-in holds the
 * bytes that were actually sent, so it hashes those, as Huawei's API gateway does.
 */
class ReceivedBodySigner extends AKSKSigner {
  protected static override buildPayloadHash(request: IHttpRequest): string {
    return createHash('sha256').update(String(request.data), 'utf8').digest('hex');
  }
}

/** What the SDK's signer reads of a credential; the rest of `ICredential` serves its own HTTP client. */
type SigningKeys = Pick<ICredential, 'getAk' | 'getSk'>;

/** The query as the SDK takes it: one value per key, or a list for a repeated key. */
function queryParams(query: string): Record<string, string | string[]> {
  const params = new URLSearchParams(query);
  const byKey: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    byKey[key] = values.length === 1 ? values[0] : values;
  }
  return byKey;
}

/**
 * The hex signature Huawei's official Node.js SDK computes for the received request with these keys. Throws a
 * `URIError` when the path is not validly percent-encoded.
 *
 * @example
 * const expected = officialSignature(
 *   { method: 'POST', path: '/v3/0123…cdef/backups', query: '', signedHeaders: { host: '127.0.0.1:4010',
 *     'x-sdk-date': '20240101T000000Z' }, body: '{"backup":{…}}' },
 *   { accessKey: 'AccessKey', secretKey: 'SecretKey' },
 * );
 */
export function officialSignature(
  request: ReceivedRequest,
  { accessKey, secretKey }: { accessKey: string; secretKey: string },
): string {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.signedHeaders)) {
    // The SDK reads the date under this exact spelling; under any other it would stamp the current time.
    const key = name === 'x-sdk-date' ? 'X-Sdk-Date' : name;
    // The Go and Python SDKs (and the gateway) sign header values trimmed; the Node SDK signs them as given.
    // Node's HTTP parser already drops the blanks around a value; trimming here states the rule either way.
    headers[key] = value.trim();
  }
  // The Node SDK percent-encodes the path it is given, as its caller wrote it: a wire path's `%XX` would be
  // encoded again (`%2520`), where the Go and Python SDKs (and the gateway) decode each segment and encode it
  // once. So it gets the decoded path, inside an already parsed URL: `url.parse`, which it calls on the
  // endpoint, hands a parsed URL back untouched, but would re-escape spaces and braces in a string, or cut it
  // at a decoded `?`.
  const endpoint = parse(`http://${headers.host}/`);
  endpoint.pathname = request.path
    .split('/')
    .map((segment) => decodeURIComponent(segment))
    .join('/');
  const keys: SigningKeys = { getAk: () => accessKey, getSk: () => secretKey };
  const signed = ReceivedBodySigner.sign(
    { endpoint, method: request.method, queryParams: queryParams(request.query), headers, data: request.body },
    keys as ICredential,
  ) as { Authorization: string };
  const signature = /Signature=([0-9a-f]{64})$/.exec(signed.Authorization)?.[1];
  if (!signature) throw new Error(`the SDK signer gave no signature: ${signed.Authorization}`);
  return signature;
}
