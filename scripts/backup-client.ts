import { WEBHOOK_SIGNATURE, signedHeaders, signedRequestLine } from '../shared/auth/hmac';
import { sendAttempt } from '../shared/net/transport';

/**
 * The gateway as the command-line client talks to it: every request signed with the webhook secret (a body over
 * its bytes, a `GET` over `GET <raw path>[?<raw query>]`), sent as the gateway sends its own calls
 * ({@link sendAttempt}) rather than with `fetch`, because that tells whether a request had left when no answer
 * came: then the gateway may have acted on it.
 */

/** How a request ended: with an answer, or without one, knowing whether the request had been sent. */
export type CallOutcome =
  | { answered: true; status: number; text: string }
  | { answered: false; requestSent: boolean; reason: string };

export interface GatewayCall {
  method: 'GET' | 'POST';
  /** Relative to the gateway's URL, already percent-encoded: `backups`, `backups/<id>`. */
  path: string;
  query?: URLSearchParams;
  /** Sent as JSON (POST only). */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface GatewayClient {
  /** The URL a path resolves to, for messages. */
  urlOf(path: string): URL;
  call(call: GatewayCall): Promise<CallOutcome>;
}

/** What a problem+json answer holds, as far as the client uses it. */
export interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  backupMayExist?: boolean;
  errors?: Array<{ field: string; message: string }>;
}

/**
 * The gateway's base URL, checked; a base with a path (a stage, a custom domain's mapping) keeps it.
 *
 * @example
 * gatewayBaseUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/prod') // → URL …/prod/
 */
export function gatewayBaseUrl(base: string): URL {
  let url: URL;
  try {
    url = new URL(base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new Error(`the gateway URL ${JSON.stringify(base)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the gateway URL ${JSON.stringify(base)} must start with http:// or https://`);
  }
  return url;
}

/**
 * A client that signs every request with `secret` at the time it is sent.
 *
 * @example
 * const gateway = gatewayClient(gatewayBaseUrl('http://localhost:3000'), process.env.WEBHOOK_SIGNING_SECRET);
 * await gateway.call({ method: 'GET', path: 'backups', query: new URLSearchParams({ limit: '5' }), timeoutMs: 5_000 });
 * // → { answered: true, status: 200, text: '{"backups":[…]}' }
 */
export function gatewayClient(baseUrl: URL, secret: string, now: () => Date = () => new Date()): GatewayClient {
  const urlOf = (path: string) => new URL(path, baseUrl);
  return {
    urlOf,
    call({ method, path, query, body, headers = {}, timeoutMs }) {
      const url = urlOf(path);
      if (query) url.search = query.toString();
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
      const signedBytes = payload ?? signedRequestLine(method, url.pathname, url.search.slice(1));
      const allHeaders = {
        ...headers,
        ...(payload && { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }),
        ...signedHeaders(WEBHOOK_SIGNATURE, secret, signedBytes, now()),
      };
      return send(url, method, allHeaders, payload, timeoutMs);
    },
  };
}

/** Sends one request and waits for the whole answer, at most `timeoutMs`; never rejects. */
async function send(
  url: URL,
  method: GatewayCall['method'],
  headers: Record<string, string>,
  payload: Buffer | undefined,
  timeoutMs: number,
): Promise<CallOutcome> {
  const outcome = await sendAttempt({ url, method, headers, body: payload?.toString('utf8'), timeoutMs });
  switch (outcome.kind) {
    case 'answered':
      return { answered: true, status: outcome.status, text: outcome.text };
    case 'timeout':
      return { answered: false, requestSent: outcome.sent, reason: `timed out after ${timeoutMs / 1000} s` };
    default: {
      const error = outcome.error as Error & { cause?: Error };
      return {
        answered: false,
        requestSent: outcome.kind === 'dropped',
        reason: error.cause?.message ?? error.message,
      };
    }
  }
}

/**
 * The problem document of an error answer; an empty one when the answer is not JSON (a proxy's error page).
 *
 * @example
 * problemOf('{"code":"backup_not_found","detail":"The gateway has no backup …"}')
 * // → { code: 'backup_not_found', detail: 'The gateway has no backup …' }
 */
export function problemOf(text: string): Problem {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Problem) : {};
  } catch {
    return {};
  }
}

/**
 * An error answer in words, one broken rule a line.
 *
 * @example
 * describeAnswer(404, '{"title":"No such backup","detail":"The gateway has no backup \"x\" …"}')
 * // → '404 No such backup: The gateway has no backup "x" …'
 */
export function describeAnswer(status: number, text: string): string {
  const problem = problemOf(text);
  if (problem.title === undefined && problem.detail === undefined) return `${status}: ${text.slice(0, 500)}`;
  const rules = (problem.errors ?? []).map(({ field, message }) => `  - ${field ? `${field}: ` : ''}${message}`);
  const head = `${status} ${problem.title ?? 'error'}`;
  // The detail of an invalid request repeats its rules, which follow one per line.
  return rules.length > 0 ? [head, ...rules].join('\n') : `${head}: ${problem.detail ?? ''}`;
}
