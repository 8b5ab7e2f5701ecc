import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { SLACK_SIGNATURE } from '../../shared/auth/hmac';
import { signedRequest } from '../../shared/auth/signed-request';
import { sendMessage } from '../../shared/aws/sqs';
import { backupStatus } from '../../shared/backup-status';
import { ConfigurationError } from '../../shared/errors';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway, lifecycleOf } from '../../shared/gateway';
import { problemDetails } from '../../shared/http/middleware';
import { jsonResponse } from '../../shared/http/problem';
import { bodySizeLimit } from '../../shared/http/request-body';
import { logger } from '../../shared/logger';
import {
  answerSlashCommand,
  LIST_LIMIT,
  slackDeadline,
  slashCommandOf,
  type SlashCommandPorts,
} from '../../shared/slack/slash-command';

const gateway = atColdStart(() => composeGateway('slackCommand'));
/** Made per command (a few closures): a configuration error is then told by the command, not at load. */
const ports = (): SlashCommandPorts => {
  const { config, aws } = gateway();
  const { slack, slackAllowList } = config;
  // loadConfig sets both for slackCommand, the queue's URL included, or refuses to start.
  const queueUrl = slack?.requestsQueueUrl;
  if (!queueUrl || !slackAllowList)
    throw new ConfigurationError({ detail: 'BACKUP_REQUESTS_QUEUE_URL is not set: slackCommand hands creates to it' });
  return {
    allowList: () => slackAllowList,
    ...(slack.teamId && { teamId: slack.teamId }),
    responseUrlPrefix: slack.responseUrlPrefix,
    // The queue's consumer creates the backup and posts the outcome: nothing here waits for Huawei Cloud.
    enqueue: async (message, deadline) => void (await sendMessage(aws, queueUrl, message, deadline)),
    status: (backupId, deadline) => backupStatus(lifecycleOf(gateway()), backupId, deadline),
    recent: (instanceId, deadline) =>
      lifecycleOf(gateway()).ledger.recent({ ...(instanceId && { instanceId }), limit: LIST_LIMIT }, deadline),
  };
};

/** `POST /slack/commands`: a signed slash command in, an answer within Slack's 3 s out (a bad signature is a 401). */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .use(problemDetails())
  .use(bodySizeLimit())
  .use(signedRequest(SLACK_SIGNATURE, () => gateway().signingSecrets()))
  .handler(async (event, context) => {
    const deadline = slackDeadline(event.requestContext.timeEpoch, context.getRemainingTimeInMillis(), Date.now());
    return jsonResponse(200, await answerSlashCommand(slashCommandOf(event), deadline, ports()));
  });
