import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { WEBHOOK_SIGNATURE } from '../../shared/auth/hmac';
import { signedRequest } from '../../shared/auth/signed-request';
import { backupStatus, listQueryOf } from '../../shared/backup-status';
import { deadlineOf } from '../../shared/create-backup';
import { backupView } from '../../shared/domain/backup-record';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway, lifecycleOf } from '../../shared/gateway';
import { problemDetails } from '../../shared/http/middleware';
import { jsonResponse } from '../../shared/http/problem';
import { logger } from '../../shared/logger';

const gateway = atColdStart(() => composeGateway('getBackup'));

const BACKUP_PATH = /^\/backups\/([^/]+)$/;

/** A path segment decoded; one that is not validly percent-encoded is kept as sent, names no backup and gets a 404. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * `GET /backups/{backupId}`: one backup's status, asked of Huawei Cloud first when the ledger's is stale;
 * `GET /backups?instanceId=…&limit=…`: the most recent backups. Signed like `POST /backups`.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .use(problemDetails())
  .use(signedRequest(WEBHOOK_SIGNATURE, () => gateway().signingSecrets()))
  .handler(async (event, context) => {
    const lifecycle = lifecycleOf(gateway());
    const backupId = event.pathParameters?.backupId ?? BACKUP_PATH.exec(event.rawPath)?.[1];
    if (backupId !== undefined) {
      return jsonResponse(
        200,
        backupView(await backupStatus(lifecycle, decodedSegment(backupId), deadlineOf(context))),
      );
    }
    const query = listQueryOf(event.queryStringParameters ?? {});
    const backups = await lifecycle.ledger.recent(query, deadlineOf(context));
    return jsonResponse(200, { backups: backups.map(backupView) });
  });
