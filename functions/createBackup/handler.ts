import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { deadlineOf } from '../../shared/create-backup';
import { atColdStart } from '../../shared/failure-log';
import { problemDetails, unifiedBackupRequest, type BackupHttpEvent } from '../../shared/http/middleware';
import { jsonResponse } from '../../shared/http/problem';
import { requestBackupFromEnvironment } from '../../shared/idempotency';
import { logger } from '../../shared/logger';

const requestBackup = atColdStart(() => requestBackupFromEnvironment());

/** `POST /backups`: one unified request in (deduplicated by its idempotency key), `202` with the created backup out. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .use(problemDetails())
  .use(httpJsonBodyParser())
  .use(unifiedBackupRequest())
  .handler(async (event, context) => {
    const result = await requestBackup()((event as BackupHttpEvent).backupRequest, deadlineOf(context));
    return jsonResponse(202, result);
  });
