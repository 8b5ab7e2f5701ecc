import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { WEBHOOK_SIGNATURE } from '../../shared/auth/hmac';
import { signedRequest } from '../../shared/auth/signed-request';
import { deadlineOf } from '../../shared/create-backup';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway } from '../../shared/gateway';
import { problemDetails, unifiedBackupRequest, type BackupHttpEvent } from '../../shared/http/middleware';
import { jsonResponse } from '../../shared/http/problem';
import { bodySizeLimit, jsonRequestBody } from '../../shared/http/request-body';
import { logger } from '../../shared/logger';
import { withRequestBackup } from '../../shared/request-backup';

const gateway = atColdStart(() => withRequestBackup(composeGateway('createBackup')));

/** `POST /backups`: one signed, unified request in (deduplicated by its idempotency key), `202` with the created backup out. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .use(problemDetails())
  .use(bodySizeLimit())
  .use(signedRequest(WEBHOOK_SIGNATURE, () => gateway().signingSecrets()))
  .use(jsonRequestBody())
  .use(unifiedBackupRequest())
  .handler(async (event, context) => {
    const requestedBy = { via: 'http' as const, sourceIp: event.requestContext.http.sourceIp };
    const result = await gateway().requestBackup(
      (event as BackupHttpEvent).backupRequest,
      deadlineOf(context),
      requestedBy,
    );
    return jsonResponse(202, result);
  });
