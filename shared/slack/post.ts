import { logger } from '../logger';
import { headerValue, sendAttempt } from '../net/transport';
import type { SlackReply } from './replies';

/**
 * Posting to Slack after the slash command was answered: to the command's `response_url` (valid for 30 minutes,
 * 5 posts) or to an incoming webhook. Only URLs under the configured prefix are ever fetched.
 */

/** Posts a message; true when Slack took it. Never throws: a lost Slack message must not fail a backup. */
export type PostToSlack = (url: string, message: SlackReply) => Promise<boolean>;

export interface SlackPosterOptions {
  /** `SLACK_RESPONSE_URL_PREFIX`: the only URLs posted to (response URLs and the incoming webhook alike). */
  allowedPrefix: string;
  timeoutMs?: number;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Slack asks clients that post too fast to wait; a longer wait than this is not waited out in a Lambda. */
const MAX_RETRY_AFTER_MS = 10_000;
const BACKOFF_MS = [500, 1_500];

/** Only the origin of a Slack URL is logged: its path is a capability to post to the channel. */
const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'not a URL';
  }
};

/**
 * @example
 * const post = slackPoster({ allowedPrefix: 'https://hooks.slack.com/' });
 * await post(responseUrl, { response_type: 'in_channel', text: 'Backup `before-upgrade` is COMPLETED.' });
 */
export function slackPoster({
  allowedPrefix,
  timeoutMs = 5_000,
  maxAttempts = 3,
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
}: SlackPosterOptions): PostToSlack {
  return async (url, message) => {
    if (!url.startsWith(allowedPrefix)) {
      logger.warn('Slack URL refused: it is not under SLACK_RESPONSE_URL_PREFIX, so it is not fetched', {
        origin: originOf(url),
      });
      return false;
    }
    const body = JSON.stringify(message);
    let reason = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const outcome = await sendAttempt({
        url: new URL(url),
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': String(Buffer.byteLength(body)),
        },
        body,
        timeoutMs,
      });
      if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) return true;
      const status = outcome.kind === 'answered' ? outcome.status : 0;
      reason = outcome.kind === 'answered' ? `answered ${status} ${outcome.text.slice(0, 60)}` : outcome.kind;
      // Slack's own refusals (an expired or used response URL, a bad payload) do not get better by asking again.
      if (status >= 400 && status < 500 && status !== 429) break;
      if (attempt === maxAttempts) break;
      const advised =
        outcome.kind === 'answered' ? Number(headerValue(outcome.headers, 'retry-after')) * 1000 : Number.NaN;
      await sleep(
        Number.isFinite(advised) && advised >= 0
          ? Math.min(advised, MAX_RETRY_AFTER_MS)
          : BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length) - 1],
      );
    }
    logger.warn('Slack did not take a message', { origin: originOf(url), reason });
    return false;
  };
}
