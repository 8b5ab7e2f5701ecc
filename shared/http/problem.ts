import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConfigurationError,
  EarlierOutcomeUncertainError,
  GatewayError,
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
}

const problemType = (code: string) => `urn:backup-gateway:problem:${code}`;

/**
 * The one mapping from an error to what a caller sees. Internals never leave: configuration problems and
 * unknown errors become a generic 500 whose details stay in the log.
 */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof GatewayError && !(error instanceof ConfigurationError)) {
    const problem: Problem = { type: problemType(error.code), title: error.title, status: error.status, detail: error.detail, code: error.code };
    if (error instanceof InvalidRequestError) problem.errors = error.errors;
    if (error instanceof UpstreamError) {
      problem.upstream = error.upstream;
      problem.backupMayExist = error.backupMayExist;
    }
    if (error instanceof EarlierOutcomeUncertainError) problem.backupMayExist = error.backupMayExist;
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
      title: configuration ? error.title : 'Internal error',
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
