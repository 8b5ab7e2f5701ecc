import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConfigurationError,
  EarlierOutcomeUncertainError,
  GatewayError,
  type ErrorCode,
  InvalidRequestError,
  UpstreamError,
  UnauthorizedError,
  UpstreamThrottledError,
} from '../errors';

/** An RFC 9457 problem document, with our stable `code` and the extensions the error carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: Array<{ field: string; message: string }>;
  upstream?: { status?: number; code?: string; message?: string; requestId?: string };
  backupMayExist?: boolean;
  /** With `earlier_outcome_uncertain`: until when the gateway looks for the backup (a repeat after it runs). */
  lookingUntil?: string;
}

const problemType = (code: string) => `urn:backup-gateway:problem:${code}`;

/**
 * What each error code means to an HTTP caller: its status and title. Adding an error is one line here. Huawei
 * Cloud's own refusals keep its 4xx status (`'upstream'`).
 */
const HTTP_MEANING: Record<ErrorCode, { status: number | 'upstream'; title: string }> = {
  invalid_request: { status: 400, title: 'The request is invalid' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unauthorized: { status: 401, title: 'The request is not authenticated' },
  not_allowed: { status: 403, title: 'You are not allowed to create backups' },
  invalid_command: { status: 400, title: 'The command is not understood' },
  not_configured: { status: 500, title: 'The backup gateway is not configured' },
  upstream_rejected: { status: 'upstream', title: 'Huawei Cloud refused the backup request' },
  upstream_auth_failed: { status: 502, title: 'The backup service is misconfigured' },
  backup_in_progress: { status: 409, title: 'Another backup or operation is in progress on this instance' },
  throttled: { status: 429, title: 'Huawei Cloud is throttling requests' },
  upstream_unavailable: { status: 502, title: 'Huawei Cloud is unavailable' },
  upstream_error: { status: 502, title: 'Huawei Cloud failed to answer properly' },
  upstream_timeout: { status: 504, title: 'Huawei Cloud did not answer in time' },
  upstream_read_failed: { status: 502, title: 'Huawei Cloud could not be asked about the backup' },
  no_time_left: { status: 504, title: 'No time was left to call Huawei Cloud' },
  idempotency_key_reused: { status: 422, title: 'The idempotency key was already used for a different request' },
  idempotency_key_in_progress: { status: 409, title: 'A request with this idempotency key is still in progress' },
  earlier_outcome_uncertain: {
    status: 409,
    title: 'An earlier attempt with this idempotency key may have created the backup',
  },
  idempotency_store_unavailable: { status: 503, title: 'The idempotency store is unavailable' },
  backup_not_found: { status: 404, title: 'No such backup' },
  scheduled_backups_failed: { status: 502, title: 'Some scheduled backups failed' },
};

/**
 * The HTTP status of an error: its code's, or a refusal's own status from Huawei Cloud; 500 for anything else.
 *
 * @example
 * httpStatusOf(new NotAllowedError({ detail: '…' })) // → 403
 */
export function httpStatusOf(error: unknown): number {
  if (!(error instanceof GatewayError)) return 500;
  const { status } = HTTP_MEANING[error.code];
  if (status !== 'upstream') return status;
  const upstream = error instanceof UpstreamError ? error.upstream.status : undefined;
  return upstream !== undefined && upstream >= 400 && upstream < 500 ? upstream : 400;
}

/**
 * The one mapping from an error to what a caller sees. Internals never leave: configuration problems and
 * unknown errors become a generic 500 whose details stay in the log.
 */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof GatewayError && !(error instanceof ConfigurationError)) {
    const { title } = HTTP_MEANING[error.code];
    const problem: Problem = {
      type: problemType(error.code),
      title,
      status: httpStatusOf(error),
      detail: error.detail,
      code: error.code,
    };
    if (error instanceof InvalidRequestError) problem.errors = error.errors;
    if (error instanceof UpstreamError) {
      problem.upstream = error.upstream;
      problem.backupMayExist = error.backupMayExist;
    }
    if (error instanceof EarlierOutcomeUncertainError) {
      problem.backupMayExist = error.backupMayExist;
      if (error.lookingUntil) problem.lookingUntil = error.lookingUntil;
    }
    const headers: Record<string, string> =
      error instanceof UpstreamThrottledError
        ? { 'Retry-After': String(error.retryAfterSeconds) }
        : // HTTP asks every 401 to name how to authenticate; the scheme is a signature over the request.
          error instanceof UnauthorizedError
          ? { 'WWW-Authenticate': 'Signature realm="backup-gateway"' }
          : {};
    return { problem, headers };
  }
  const configuration = error instanceof ConfigurationError;
  const code = configuration ? error.code : 'internal_error';
  return {
    problem: {
      type: problemType(code),
      title: configuration ? HTTP_MEANING[error.code].title : 'Internal error',
      status: 500,
      detail: configuration
        ? 'The backup gateway is not configured correctly; its operators will find the reason in its logs. No backup was requested.'
        : 'The backup gateway failed unexpectedly; its operators will find the reason in its logs.',
      code,
    },
    headers: {},
  };
}

export function problemResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const { problem, headers } = toProblem(error);
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
    body: JSON.stringify(problem),
  };
}

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}
