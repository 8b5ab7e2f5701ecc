import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { replayKeyOf, WEBHOOK_SIGNATURE } from '../auth/hmac';
import { validateBackupRequest, type BackupRequest } from '../domain/backup-request';
import { InvalidRequestError } from '../errors';
import { logFailure } from '../failure-log';
import { isRecord } from '../objects';
import { problemResponse } from './problem';
import { headerOf } from './raw-body';

/** An HTTP event whose body (and `Idempotency-Key` header) has been validated into a request. */
export type BackupHttpEvent = APIGatewayProxyEventV2 & { backupRequest: BackupRequest };

const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Maps every error to an `application/problem+json` answer and logs it once. */
export function problemDetails(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      logFailure(request.error, { sourceIp: request.event.requestContext?.http?.sourceIp });
      request.response = problemResponse(request.error);
    },
  };
}

/** The `Idempotency-Key` header is the body's `idempotencyKey` by another route: two different keys cannot both be meant. */
function checkOneKey(body: unknown, headerKey: string | undefined): void {
  const bodyKey = isRecord(body) ? body.idempotencyKey : undefined;
  if (headerKey === undefined || bodyKey === undefined || bodyKey === headerKey) return;
  throw new InvalidRequestError({
    errors: [
      {
        field: 'idempotencyKey',
        message: 'differs from the Idempotency-Key header; send the key once, or the same key in both',
      },
    ],
  });
}

/**
 * The validation layer: turns the parsed body and the `Idempotency-Key` header into a {@link BackupRequest}, or
 * refuses them with every problem. A request with neither key is keyed by its webhook signature
 * ({@link replayKeyOf}): a replay within the signature's time window gets the first answer, not a second backup.
 *
 * @example
 * middy().use(jsonRequestBody()).use(unifiedBackupRequest())
 *   .handler((event) => (event as BackupHttpEvent).backupRequest)
 */
export function unifiedBackupRequest(): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async (request) => {
      const { body } = request.event;
      const headerKey = headerOf(request.event, IDEMPOTENCY_KEY_HEADER);
      checkOneKey(body, headerKey);
      const signature = headerOf(request.event, WEBHOOK_SIGNATURE.signatureHeader);
      const replayKey = signature === undefined ? undefined : replayKeyOf(WEBHOOK_SIGNATURE, signature);
      const idempotencyKey = headerKey ?? replayKey;
      (request.event as BackupHttpEvent).backupRequest = validateBackupRequest(body, { idempotencyKey });
    },
  };
}
