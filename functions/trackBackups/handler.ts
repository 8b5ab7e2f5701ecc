import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { deadlineOf } from '../../shared/create-backup';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway, lifecycleOf } from '../../shared/gateway';
import { trackDueBackups, type TrackingRun } from '../../shared/lifecycle';
import { logger } from '../../shared/logger';
import { slackFollowUp } from '../../shared/slack/follow-up-wiring';

const gateway = atColdStart(() => composeGateway('trackBackups', process.env, slackFollowUp));

/** Keeps back time to record what the last instance's answer said before the invocation ends. */
const END_MARGIN_MS = 3_000;

/** Every minute: each backup still BUILDING (and each uncertain create) is asked about, changes recorded and published. */
export const handler = middy<unknown, TrackingRun>()
  .use(injectLambdaContext(logger))
  .handler((_event, context) => trackDueBackups(lifecycleOf(gateway()), deadlineOf(context) - END_MARGIN_MS));
