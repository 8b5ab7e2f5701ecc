import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { SLACK_SIGNATURE } from '../../shared/auth/hmac';
import { signedRequest } from '../../shared/auth/signed-request';
import { atColdStart } from '../../shared/failure-log';
import { composeGateway } from '../../shared/gateway';
import { problemDetails } from '../../shared/http/middleware';
import { jsonResponse } from '../../shared/http/problem';
import { bodySizeLimit } from '../../shared/http/request-body';
import { logger } from '../../shared/logger';
import { answerSlashCommand, slackDeadline, slashCommandOf, type SlashCommandPorts } from '../../shared/slack/slash-command';

const gateway = atColdStart(() => composeGateway('slackCommand'));
const ports: SlashCommandPorts = {
  allowList: () => gateway().config.slackAllowList ?? { users: new Set(), channels: new Set() },
  requestBackup: (request, deadline, requestedBy) => gateway().requestBackup(request, deadline, requestedBy),
};

/** `POST /slack/commands`: a signed slash command in, a Slack message out (a bad signature is a 401). */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .use(problemDetails())
  .use(bodySizeLimit())
  .use(signedRequest(SLACK_SIGNATURE, () => gateway().signingSecrets()))
  .handler(async (event, context) => {
    const deadline = slackDeadline(event.requestContext.timeEpoch, context.getRemainingTimeInMillis(), Date.now());
    return jsonResponse(200, await answerSlashCommand(slashCommandOf(event), deadline, ports));
  });
