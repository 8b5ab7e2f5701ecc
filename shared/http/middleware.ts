import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { parseBackupRequest, type BackupCommand } from '../domain/backup-request';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../errors';
import { logFailure } from '../failure-log';
import { problemResponse } from './problem';

/** An HTTP event whose body has been validated into a command. */
export type BackupHttpEvent = APIGatewayProxyEventV2 & { command: BackupCommand };

interface MiddyHttpError extends Error {
  statusCode?: number;
  cause?: { package?: string; message?: string };
}

/** Gives the JSON body parser's failures our meaning: a bad body is a 400 naming the problem, not a 415. */
function fromBodyParser(error: unknown, rawBody: string | undefined): unknown {
  const parserError = error as MiddyHttpError;
  if (parserError?.cause?.package !== '@middy/http-json-body-parser') return error;
  if (parserError.message === 'Unsupported Media Type') return new UnsupportedMediaTypeError('application/json');
  // The parser's own message quotes the body; only the position is kept, so nothing of the body is echoed.
  const position = /position (\d+)/.exec(parserError.cause.message ?? '')?.[1];
  const message =
    rawBody === undefined || rawBody.trim() === ''
      ? 'the body is empty; send a JSON object'
      : `the body is not valid JSON${position ? ` (at position ${position})` : ''}`;
  return new InvalidRequestError([{ field: '', message }]);
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

/** The validation layer: turns the parsed body into a {@link BackupCommand}, or refuses it with every problem. */
export function unifiedBackupRequest(now: () => Date = () => new Date()): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async (request) => {
      (request.event as BackupHttpEvent).command = parseBackupRequest(request.event.body, now());
    },
  };
}

/** The absolute time by which the upstream call must be over: the Lambda's own remaining time. */
export const deadlineOf = (context: Context): number => Date.now() + context.getRemainingTimeInMillis();
