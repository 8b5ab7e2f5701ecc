import {
  BackupInProgressError,
  NoTimeLeftError,
  UpstreamFailedError,
  UpstreamMisconfiguredError,
  UpstreamReadError,
  UpstreamRejectedError,
  UpstreamThrottledError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamDetails,
  type UpstreamError,
} from '../errors';
import { headerValue, sendAttempt } from '../net/transport';
import { isRecord } from '../objects';
import { canonicalQuery, signRequest, type Credentials } from './signer';

/**
 * The Huawei Cloud adapter: signs, sends with a deadline, retries only where the upstream surely did not act,
 * and turns every vendor failure into one of our {@link UpstreamError}s.
 *
 * Plain `node:http(s)` with kept-alive connections rather than `fetch` or the official SDK: both cost tens of
 * milliseconds of cold start (see the toolchain notes) for a single POST.
 */
export interface HuaweiClientOptions {
  endpoints: Record<'dds' | 'rds', string>;
  projectId: string;
  credentials: () => Promise<Credentials>;
  /** Upper bound of one attempt; the deadline of the invocation shortens it. */
  attemptTimeoutMs?: number;
  maxAttempts?: number;
  /** Jittered wait before retrying a 429 or 503 without `Retry-After`; the vendor advises 2–5 s. */
  backoffMs?: { min: number; max: number };
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface UpstreamAnswer {
  status: number;
  requestId: string | null;
  body: unknown;
}

/** Codes that mean "another operation or backup is in progress" on the instance. */
const BUSY_CODES = new Set(['DBS.200019', 'RDS.0011', 'RDS.3004', 'DBS.201214']);
const GATEWAY_AUTH_CODE = /^APIGW\.03\d\d$/;
/** Time kept back from the deadline so the function can still answer its caller. */
const ANSWER_MARGIN_MS = 250;
/** An attempt shorter than this is not worth starting. */
const MIN_ATTEMPT_MS = 500;

/** A longer advice than this says only "much later", and is passed on to the caller as this much. */
const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;

/**
 * `Retry-After` as seconds or an HTTP date, in milliseconds, at most an hour; undefined when absent or unreadable.
 *
 * @example
 * retryAfterMs('99999999999999999999', Date.now()) // → 3600000
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const advisedMs = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isNaN(advisedMs) ? undefined : Math.min(Math.max(0, advisedMs), RETRY_AFTER_MAX_MS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads the three error shapes: DDS/RDS v3 `error_code`/`error_msg`, RDS v1 `errCode`/`externalMessage`, the API gateway's. */
function upstreamDetails(status: number, requestId: string | null, text: string): UpstreamDetails {
  const body = parseJson(text);
  const record = isRecord(body) ? body : {};
  const pick = (...keys: string[]) =>
    keys.map((key) => record[key]).find((value): value is string => typeof value === 'string');
  return {
    status,
    code: pick('error_code', 'errCode', 'code'),
    message: pick('error_msg', 'externalMessage', 'message'),
    requestId: requestId ?? pick('request_id') ?? undefined,
  };
}

function errorForAnswer(upstream: UpstreamDetails, retryAfterSeconds: number): UpstreamError {
  const status = upstream.status ?? 0;
  const said = upstream.message ? `: ${upstream.message.replace(/\.$/, '')}` : '';
  if (status === 429) {
    return new UpstreamThrottledError({
      detail: `Huawei Cloud is throttling backup requests; the backup was not created. Retry after ${retryAfterSeconds} s.`,
      upstream,
      retryAfterSeconds,
    });
  }
  if (status === 503) {
    return new UpstreamUnavailableError({
      detail: 'Huawei Cloud answered 503 Service Unavailable; the backup was not created and it is safe to retry.',
      upstream,
    });
  }
  if (upstream.code && BUSY_CODES.has(upstream.code)) {
    return new BackupInProgressError({
      detail: `Huawei Cloud ${upstream.code}${said}. Retry when it has finished.`,
      upstream,
    });
  }
  if (status === 401 || status === 403 || (upstream.code && GATEWAY_AUTH_CODE.test(upstream.code))) {
    return new UpstreamMisconfiguredError({
      detail:
        "Huawei Cloud refused the gateway's credentials or permissions; the backup was not created. An operator must fix the gateway's configuration.",
      upstream: { status: upstream.status, code: upstream.code, requestId: upstream.requestId },
    });
  }
  if (status === 409)
    return new BackupInProgressError({ detail: `Huawei Cloud reported a conflict${said}.`, upstream });
  if (status >= 400 && status < 500) {
    return new UpstreamRejectedError({
      detail: `Huawei Cloud answered ${status}${upstream.code ? ` ${upstream.code}` : ''}${said}.`,
      upstream,
    });
  }
  return new UpstreamFailedError({
    detail: `Huawei Cloud answered ${status}${said}. The backup may have been created: check the instance's backups before retrying.`,
    upstream,
  });
}

export interface HuaweiClient {
  /** POSTs a JSON body to a service and returns its 2xx answer; throws an {@link UpstreamError} otherwise. */
  post(service: 'dds' | 'rds', path: string, body: unknown, deadline: number): Promise<UpstreamAnswer>;
  /**
   * GETs a service's JSON answer. Reads change nothing, so unlike a create they are retried after a 5xx, a
   * timeout or a dropped connection too; every failure is an {@link UpstreamReadError}.
   */
  get(service: 'dds' | 'rds', path: string, query: Record<string, string>, deadline: number): Promise<UpstreamAnswer>;
}

/**
 * @example
 * const client = createHuaweiClient({ endpoints, projectId, credentials: async () => ({ accessKey, secretKey }) });
 * const answer = await client.post('dds', `/v3/${projectId}/backups`, body, Date.now() + 10_000);
 */
export function createHuaweiClient(options: HuaweiClientOptions): HuaweiClient {
  const {
    endpoints,
    projectId,
    credentials,
    attemptTimeoutMs = 10_000,
    maxAttempts = 3,
    backoffMs = { min: 2_000, max: 5_000 },
    now = () => Date.now(),
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  } = options;

  /** The retry clock of one call: what is left before its deadline, and whether another attempt fits. */
  const budget = (deadline: number) => {
    const timeLeftMs = () => deadline - ANSWER_MARGIN_MS - now();
    return {
      timeLeftMs,
      jitteredBackoffMs: () => backoffMs.min + Math.random() * (backoffMs.max - backoffMs.min),
      /** Waits, then says to try again, when an attempt is left and still fits before the deadline after the wait. */
      waitForAnotherAttempt: async (attempt: number, waitMs: number): Promise<boolean> => {
        if (attempt >= maxAttempts || timeLeftMs() - waitMs <= MIN_ATTEMPT_MS) return false;
        await sleep(waitMs);
        return true;
      },
    };
  };
  const headersFor = (url: URL) => ({ 'Content-Type': 'application/json', Host: url.host, 'X-Project-Id': projectId });

  return {
    async get(service, path, query, deadline) {
      const url = new URL(path, endpoints[service]);
      url.search = canonicalQuery(query);
      const keys = await credentials();
      const { timeLeftMs, jitteredBackoffMs, waitForAnotherAttempt } = budget(deadline);
      const failed = (reason: string, upstream: UpstreamDetails = {}, cause?: unknown) =>
        new UpstreamReadError({
          detail: `Huawei Cloud ${service.toUpperCase()} could not be asked about backups: ${reason}.`,
          upstream,
          cause,
        });

      for (let attempt = 1; ; attempt++) {
        const timeLeft = timeLeftMs();
        if (timeLeft < MIN_ATTEMPT_MS) throw failed(`too little time was left (${Math.max(0, timeLeft)} ms)`);
        const timeoutMs = Math.max(1, Math.min(attemptTimeoutMs, timeLeft));
        const headers = signRequest(
          { method: 'GET', path: url.pathname, query, headers: headersFor(url), body: '' },
          keys,
          new Date(now()),
        );
        const outcome = await sendAttempt({ url, method: 'GET', headers, timeoutMs });
        const answer = outcome.kind === 'answered' && outcome.status < 300 ? parseJson(outcome.text) : undefined;
        if (outcome.kind === 'answered' && answer !== undefined) {
          return {
            status: outcome.status,
            requestId: headerValue(outcome.headers, 'x-request-id') ?? null,
            body: answer,
          };
        }
        const status = outcome.kind === 'answered' ? outcome.status : 0;
        const advised =
          outcome.kind === 'answered' ? retryAfterMs(headerValue(outcome.headers, 'retry-after'), now()) : undefined;
        const retryable = status === 0 || status === 429 || status >= 500 || status < 300;
        if (retryable && (await waitForAnotherAttempt(attempt, advised ?? jitteredBackoffMs()))) continue;
        if (outcome.kind !== 'answered')
          throw failed(
            outcome.kind === 'timeout' ? `no answer within ${timeoutMs} ms` : 'the connection failed',
            {},
            'error' in outcome ? outcome.error : undefined,
          );
        const upstream = upstreamDetails(
          outcome.status,
          headerValue(outcome.headers, 'x-request-id') ?? null,
          outcome.text,
        );
        throw failed(
          status < 300
            ? `answered ${status} with a body that is not JSON`
            : `answered ${status}${upstream.code ? ` ${upstream.code}` : ''}`,
          upstream,
        );
      }
    },

    async post(service, path, body, deadline) {
      const url = new URL(path, endpoints[service]);
      const payload = JSON.stringify(body);
      const baseHeaders = headersFor(url);
      const keys = await credentials();
      const { timeLeftMs, jitteredBackoffMs, waitForAnotherAttempt } = budget(deadline);

      for (let attempt = 1; ; attempt++) {
        const timeLeft = timeLeftMs();
        // Only the first attempt can get here short of time: a retry waits only when one more attempt fits.
        if (timeLeft < MIN_ATTEMPT_MS) {
          throw new NoTimeLeftError({
            detail: `Too little time was left to call Huawei Cloud ${service.toUpperCase()} (${Math.max(0, timeLeft)} ms); the backup was not requested and it is safe to retry.`,
          });
        }
        const timeoutMs = Math.max(1, Math.min(attemptTimeoutMs, timeLeft));
        const headers = signRequest(
          { method: 'POST', path: url.pathname, headers: baseHeaders, body: payload },
          keys,
          new Date(now()),
        );
        const outcome = await sendAttempt({ url, method: 'POST', headers, body: payload, timeoutMs });

        if (outcome.kind === 'answered') {
          const requestId = headerValue(outcome.headers, 'x-request-id') ?? null;
          if (outcome.status >= 200 && outcome.status < 300) {
            const answer = parseJson(outcome.text);
            if (answer === undefined) {
              throw new UpstreamFailedError({
                detail: `Huawei Cloud answered ${outcome.status} with a body that is not JSON. The backup may have been created: check the instance's backups before retrying.`,
                upstream: { status: outcome.status, requestId: requestId ?? undefined },
              });
            }
            return { status: outcome.status, requestId, body: answer };
          }
          const upstream = upstreamDetails(outcome.status, requestId, outcome.text);
          const retryable = outcome.status === 429 || outcome.status === 503;
          const advised = retryAfterMs(headerValue(outcome.headers, 'retry-after'), now());
          if (retryable && (await waitForAnotherAttempt(attempt, advised ?? jitteredBackoffMs()))) continue;
          throw errorForAnswer(upstream, Math.max(1, Math.ceil((advised ?? backoffMs.max) / 1000)));
        }

        if (outcome.kind === 'not-sent') {
          // A kept-alive socket the server had just closed: nothing left, so a fresh connection may try at once.
          if (outcome.reusedSocket && (await waitForAnotherAttempt(attempt, 0))) continue;
          if (outcome.refused && (await waitForAnotherAttempt(attempt, jitteredBackoffMs()))) continue;
          throw new UpstreamUnavailableError({
            detail: outcome.refused
              ? `Could not connect to Huawei Cloud ${service.toUpperCase()} (connection refused); the backup was not created and it is safe to retry.`
              : `Could not reach Huawei Cloud ${service.toUpperCase()}; the backup was not created and it is safe to retry.`,
            cause: outcome.error,
          });
        }
        if (outcome.kind === 'timeout' && !outcome.sent) {
          throw new UpstreamUnavailableError({
            detail: `Could not reach Huawei Cloud ${service.toUpperCase()} in time; the backup was not created and it is safe to retry.`,
          });
        }
        if (outcome.kind === 'timeout') {
          throw new UpstreamTimeoutError({
            detail: `Huawei Cloud ${service.toUpperCase()} did not answer within ${timeoutMs} ms. The backup may have been created: check the instance's backups before retrying.`,
          });
        }
        throw new UpstreamFailedError({
          detail: `The connection to Huawei Cloud ${service.toUpperCase()} dropped before a full answer. The backup may have been created: check the instance's backups before retrying.`,
          cause: outcome.error,
        });
      }
    },
  };
}
