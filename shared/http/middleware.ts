import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { notJsonProblem, validateBackupRequest, type BackupRequest } from '../domain/backup-request';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors';
import { logFailure } from '../failure-log';
import { isRecord } from '../objects';
import { problemResponse } from './problem';
import { headerOf } from './raw-body';

/** An HTTP event whose body (and `Idempotency-Key` header) has been validated into a request. */
export type BackupHttpEvent = APIGatewayProxyEventV2 & { backupRequest: BackupRequest };

const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

interface MiddyHttpError extends Error {
  statusCode?: number;
  cause?: { package?: string; message?: string };
}

/** Gives the JSON body parser's failures our meaning: a bad body is a 400 naming the problem, not a 415. */
function fromBodyParser(error: unknown, rawBody: string | undefined): unknown {
  const parserError = error as MiddyHttpError;
  if (parserError?.cause?.package !== '@middy/http-json-body-parser') return error;
  if (parserError.message === 'Unsupported Media Type') return new UnsupportedMediaTypeError('application/json');
  const empty = rawBody === undefined || rawBody.trim() === '';
  return new InvalidRequestError([
    empty ? { field: '', message: 'the body is empty; send a JSON object' } : notJsonProblem('the body', parserError.cause.message),
  ]);
}

/** Maps every error to an `application/problem+json` answer and logs it once. */
export function problemDetails(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      const error = fromBodyParser(request.error, typeof request.event.body === 'string' ? request.event.body : undefined);
      logFailure(error, { sourceIp: request.event.requestContext?.http?.sourceIp });
      request.response = problemResponse(error);
    },
  };
}

/** The `Idempotency-Key` header is the body's `idempotencyKey` by another route: two different keys cannot both be meant. */
function checkOneKey(body: unknown, headerKey: string | undefined): void {
  const bodyKey = isRecord(body) ? body.idempotencyKey : undefined;
  if (headerKey === undefined || bodyKey === undefined || bodyKey === headerKey) return;
  throw new InvalidRequestError([
    { field: 'idempotencyKey', message: 'differs from the Idempotency-Key header; send the key once, or the same key in both' },
  ]);
}

/**
 * The validation layer: turns the parsed body and the `Idempotency-Key` header into a {@link BackupRequest}, or
 * refuses them with every problem.
 *
 * @example
 * middy().use(httpJsonBodyParser()).use(unifiedBackupRequest()).handler((event) => (event as BackupHttpEvent).backupRequest)
 */
export function unifiedBackupRequest(): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async (request) => {
      const { body } = request.event;
      const headerKey = headerOf(request.event, IDEMPOTENCY_KEY_HEADER);
      checkOneKey(body, headerKey);
      (request.event as BackupHttpEvent).backupRequest = validateBackupRequest(body, { idempotencyKey: headerKey });
    },
  };
}
