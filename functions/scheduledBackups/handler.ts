import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { deadlineOf } from '../../shared/create-backup';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway } from '../../shared/gateway';
import { logger } from '../../shared/logger';
import { withRequestBackup } from '../../shared/request-backup';
import { loadScheduleTargets, runScheduledBackups, type ScheduledRun } from '../../shared/schedule';

const schedule = atColdStart(() => {
  const { config, requestBackup } = withRequestBackup(composeGateway('scheduledBackups'));
  return { targets: loadScheduleTargets(config.scheduleTargets ?? ''), requestBackup };
});

/** EventBridge schedule: one backup per target of `BACKUP_SCHEDULE_TARGETS`; fails naming the targets that did. */
export const handler = middy<ScheduledEvent, ScheduledRun>()
  .use(injectLambdaContext(logger))
  .handler((event, context) => {
    const { targets, requestBackup } = schedule();
    const invocation = { requestId: context.awsRequestId, now: new Date() };
    return runScheduledBackups(event, targets, requestBackup, deadlineOf(context), invocation);
  });
