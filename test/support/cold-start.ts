import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { vi } from 'vitest';
import { lambdaContext } from '../../local/events';
import { TEST_AUTH_ENVIRONMENT } from './fixtures';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/**
 * Imports a handler afresh, so that its cold start reads the test environment with `env` on top; returns an
 * invoker whose answer carries its body parsed as JSON.
 *
 * @example
 * const invoke = await coldStart(() => import('../functions/slackCommand/handler'), { SLACK_ALLOWED_USERS: '' });
 * const { statusCode, json } = await invoke(slackCommandEvent({ text: 'help' }));
 */
export async function coldStart(
  importHandler: () => Promise<{ handler: HttpHandler }>,
  env: Record<string, string> = {},
) {
  Object.assign(process.env, TEST_AUTH_ENVIRONMENT, env);
  vi.resetModules();
  const { handler } = await importHandler();
  return async (event: APIGatewayProxyEventV2, context: Context = lambdaContext()) => {
    const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return { ...response, json: JSON.parse(response.body as string) };
  };
}
