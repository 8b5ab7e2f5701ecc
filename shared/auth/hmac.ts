import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError, UnauthorizedError } from '../errors';

/**
 * The one check of a timestamped HMAC-SHA256 request signature, for every entry point that needs one. A scheme
 * says how a sender spells it; the check itself (raw bytes, constant time, the clock skew in both directions,
 * every rotated secret) is the same for all.
 */
export interface SignatureScheme {
  /** Header names as API Gateway delivers them: lower case. */
  timestampHeader: string;
  signatureHeader: string;
  /** What comes before the raw body in the signed bytes. */
  signedPrefix(timestamp: string): string;
  /** What comes before the hex digest in the signature header. */
  signaturePrefix: string;
}

/** Our webhooks: `X-Backup-Signature: sha256=<hex HMAC(secret, "<timestamp>.<body>")>`. */
export const WEBHOOK_SIGNATURE: SignatureScheme = {
  timestampHeader: 'x-backup-timestamp',
  signatureHeader: 'x-backup-signature',
  signedPrefix: (timestamp) => `${timestamp}.`,
  signaturePrefix: 'sha256=',
};

/** Slack's request signing, version `v0`: `X-Slack-Signature: v0=<hex HMAC(secret, "v0:<timestamp>:<body>")>`. */
export const SLACK_SIGNATURE: SignatureScheme = {
  timestampHeader: 'x-slack-request-timestamp',
  signatureHeader: 'x-slack-signature',
  signedPrefix: (timestamp) => `v0:${timestamp}:`,
  signaturePrefix: 'v0=',
};

/** How far a request's timestamp may be from our clock, either way, before it counts as a replay. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

const UNIX_SECONDS = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

const unixSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

const digest = (scheme: SignatureScheme, secret: string, timestamp: string, body: Uint8Array): Buffer =>
  createHmac('sha256', secret).update(scheme.signedPrefix(timestamp), 'utf8').update(body).digest();

/**
 * What is signed in place of a body for a request without one: its method, raw path and raw query string, as the
 * request line carries them (and API Gateway hands them on as `rawPath` and `rawQueryString`).
 *
 * @example
 * signedRequestLine('GET', '/backups', 'limit=5') // → <Buffer "GET /backups?limit=5">
 */
export const signedRequestLine = (method: string, rawPath: string, rawQuery: string): Buffer =>
  Buffer.from(`${method} ${rawPath}${rawQuery ? `?${rawQuery}` : ''}`, 'utf8');

/**
 * The signature header value for a body, as a sender computes it.
 *
 * @example
 * signatureOf(WEBHOOK_SIGNATURE, 'secret', '1795558500', Buffer.from('{"engine":"dds"}'))
 * // → 'sha256=6f1c…'
 */
export function signatureOf(scheme: SignatureScheme, secret: string, timestamp: string, body: Uint8Array): string {
  return `${scheme.signaturePrefix}${digest(scheme, secret, timestamp, body).toString('hex')}`;
}

/**
 * Both headers a sender adds to sign a body at `now` with the scheme.
 *
 * @example
 * signedHeaders(WEBHOOK_SIGNATURE, process.env.WEBHOOK_SIGNING_SECRET, Buffer.from(body), new Date())
 * // → { 'x-backup-timestamp': '1795558500', 'x-backup-signature': 'sha256=…' }
 */
export function signedHeaders(
  scheme: SignatureScheme,
  secret: string,
  body: Uint8Array,
  now: Date,
): Record<string, string> {
  const timestamp = String(unixSeconds(now));
  return {
    [scheme.timestampHeader]: timestamp,
    [scheme.signatureHeader]: signatureOf(scheme, secret, timestamp, body),
  };
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  /** The body exactly as received: bytes, never text decoded and encoded again. */
  body: Uint8Array;
}

/**
 * Verifies a signed request against every accepted secret (several during a rotation); throws
 * {@link UnauthorizedError} with the reason, or {@link ConfigurationError} when no secret is given, so that an
 * unconfigured entry point never runs open.
 *
 * @example
 * verifySignature(WEBHOOK_SIGNATURE, ['new-secret', 'old-secret'], { timestamp, signature, body }, new Date());
 */
export function verifySignature(
  scheme: SignatureScheme,
  secrets: readonly string[],
  request: SignedRequest,
  now: Date,
): void {
  if (secrets.length === 0 || secrets.some((secret) => secret === '')) {
    throw new ConfigurationError({ detail: 'No signing secret is configured; every request is refused.' });
  }
  const { timestamp, signature, body } = request;
  if (!timestamp || !signature) throw new UnauthorizedError({ reason: 'missing_signature' });
  // Milliseconds are the usual slip (Date.now()); saying so costs nothing, as the scheme is documented.
  if (!UNIX_SECONDS.test(timestamp)) throw new UnauthorizedError({ reason: 'timestamp_not_in_seconds' });
  if (Math.abs(unixSeconds(now) - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS)
    throw new UnauthorizedError({ reason: 'stale_timestamp' });

  const hex = signature.startsWith(scheme.signaturePrefix) ? signature.slice(scheme.signaturePrefix.length) : '';
  if (!HEX_SHA256.test(hex)) throw new UnauthorizedError({ reason: 'bad_signature' });
  const given = Buffer.from(hex, 'hex');
  // Every secret is tried, without stopping at the first match, so the time taken says nothing about which one matched.
  const matches = secrets.map((secret) => timingSafeEqual(digest(scheme, secret, timestamp, body), given));
  if (!matches.includes(true)) throw new UnauthorizedError({ reason: 'bad_signature' });
}

/**
 * An idempotency key for a request that carries none: the same for every replay of one signed request (same
 * timestamp, body and signature, its hex in any letter case) and different for every other, so that the
 * idempotency layer answers a replay with the first answer. It is a hash of the signature, so that the signature
 * itself never reaches a log or an answer.
 *
 * @example
 * replayKeyOf(WEBHOOK_SIGNATURE, 'sha256=6F1C…') // → 'signature:9b2e…' (64 hex digits)
 */
export function replayKeyOf(scheme: SignatureScheme, signature: string): string {
  const hex = signature.slice(scheme.signaturePrefix.length).toLowerCase();
  return `signature:${createHash('sha256').update(hex).digest('hex')}`;
}
