import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway } from '../../shared/gateway';
import { logger } from '../../shared/logger';
import { withRequestBackup } from '../../shared/request-backup';
import { slackFollowUp } from '../../shared/slack/follow-up-wiring';
import { processBackupQueue } from '../../shared/queue';

const gateway = atColdStart(() =>
  withRequestBackup(composeGateway('createBackupFromQueue', process.env, slackFollowUp)),
);

/** SQS: one unified request (or an EventBridge event carrying one) per message; failed records are reported back. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler((event, context) => processBackupQueue(event, context, gateway().requestBackup, gateway().slack));
