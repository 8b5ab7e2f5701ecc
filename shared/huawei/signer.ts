import { createHash, createHmac } from 'node:crypto';

/** Huawei Cloud AK/SK request signing (`SDK-HMAC-SHA256`), as the official SDKs do it. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export interface Credentials {
  accessKey: string;
  secretKey: string;
  /** Present for temporary credentials; sent and signed as `X-Security-Token`. */
  securityToken?: string;
}

export interface RequestToSign {
  method: string;
  /** Path as sent on the wire, without the trailing slash the canonical form adds. */
  path: string;
  query?: Record<string, string>;
  /** Every header in this map is signed; `host` and `x-sdk-date` must be among them. */
  headers: Record<string, string>;
  body: string;
}

const encodeSegment = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => encodeSegment(decodeURIComponent(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** `a=1&b=x%20y`: keys sorted, RFC 3986 encoding; the query string sent must be exactly this one. */
export function canonicalQuery(query: Record<string, string> = {}): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${encodeSegment(key)}=${encodeSegment(query[key])}`)
    .join('&');
}

function normaliseHeaders(headers: Record<string, string>): Array<[string, string]> {
  return Object.entries(headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value.trim()])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Computes the hex signature and the signed-header list for a request.
 *
 * @example
 * computeSignature({ method: 'GET', path: '/path', query: { limit: '1' },
 *   headers: { host: 'example.huaweicloud.com', 'x-sdk-date': '20060102T150405Z' }, body: '' }, 'SecretKey')
 */
export function computeSignature(
  request: RequestToSign,
  secretKey: string,
): { signature: string; signedHeaders: string } {
  const headers = normaliseHeaders(request.headers);
  const sdkDate = headers.find(([name]) => name === 'x-sdk-date')?.[1];
  if (!sdkDate) throw new Error('x-sdk-date must be among the signed headers');
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    headers.map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
  return { signature, signedHeaders };
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the form `X-Sdk-Date` takes. */
export function sdkDate(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Returns the headers to send: the given ones plus `X-Sdk-Date`, `X-Security-Token` (temporary credentials)
 * and `Authorization`. `host` must be in `headers`; all of them are signed.
 */
export function signRequest(request: RequestToSign, credentials: Credentials, at: Date): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, 'X-Sdk-Date': sdkDate(at) };
  if (credentials.securityToken) headers['X-Security-Token'] = credentials.securityToken;
  const { signature, signedHeaders } = computeSignature({ ...request, headers }, credentials.secretKey);
  headers.Authorization = `${SIGNING_ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
