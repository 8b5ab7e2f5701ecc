import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { SLACK_SIGNATURE } from '../../shared/auth/hmac';
import { signedRequest } from '../../shared/auth/signed-request';
import { atColdStart } from '../../shared/failure-log';
import { problemDetails } from '../../shared/http/middleware';
import { jsonResponse } from '../../shared/http/problem';
import { bodySizeLimit } from '../../shared/http/request-body';
import { requestBackupFromEnvironment } from '../../shared/idempotency';
import { logger } from '../../shared/logger';
import { allowListFromEnvironment } from '../../shared/slack/allow-list';
import { answerSlashCommand, slackDeadline, slashCommandOf, type SlashCommandPorts } from '../../shared/slack/slash-command';

const requestBackup = atColdStart(() => requestBackupFromEnvironment());
const ports: SlashCommandPorts = {
  allowList: atColdStart(() => allowListFromEnvironment()),
  requestBackup: (request, deadline) => requestBackup()(request, deadline),
};

/** `POST /slack/commands`: a signed slash command in, a Slack message out (a bad signature is a 401). */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .use(problemDetails())
  .use(bodySizeLimit())
  .use(signedRequest(SLACK_SIGNATURE, 'SLACK_SIGNING_SECRET'))
  .handler(async (event, context) => {
    const deadline = slackDeadline(event.requestContext.timeEpoch, context.getRemainingTimeInMillis(), Date.now());
    return jsonResponse(200, await answerSlashCommand(slashCommandOf(event), deadline, ports));
  });
