import type { SlackConfig } from '../config';
import type { ReadJsonSecret } from '../secrets';
import { slackAnnouncer, type SlackAnnouncer } from './follow-up';
import { slackPoster } from './post';

/**
 * The Slack follow-up of a function that posts to Slack: posts only under the allowed prefix; the late-completion
 * webhook from its source.
 *
 * @example
 * const gateway = atColdStart(() => composeGateway('trackBackups', process.env, slackFollowUp));
 */
export function slackFollowUp(
  config: SlackConfig,
  readSecret: ReadJsonSecret,
  looksForUncertainCreates: boolean,
): SlackAnnouncer {
  const webhook = config.notifyWebhook;
  const notifyWebhook = async (): Promise<string | undefined> => {
    if (!webhook) return undefined;
    if (webhook.kind === 'value') return webhook.url;
    const field = (await readSecret(webhook.secretId)).SLACK_NOTIFY_WEBHOOK_URL;
    return typeof field === 'string' && field !== '' ? field : undefined;
  };
  return slackAnnouncer({
    post: slackPoster({ allowedPrefix: config.responseUrlPrefix }),
    notifyWebhook,
    looksForUncertainCreates,
  });
}
