import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { validateBackupRequest } from '../domain/backup-request';
import { logFailure } from '../failure-log';
import { rawBodyOf } from '../http/raw-body';
import type { RequestBackup } from '../request-backup';
import { excerpt } from '../text';
import { authorise, type AllowList, type SlackCaller } from './allow-list';
import { isHelpRequest, parseCommandText } from './command-text';
import { backupCreatedReply, errorReply, helpReply, type SlackReply } from './replies';

/** The fields of Slack's slash-command form that the gateway reads. */
export interface SlashCommand extends SlackCaller {
  command: string;
  text: string;
}

/**
 * Slack shows the user an error when no answer arrives within 3 s of its request. The upstream call must be over
 * this long after API Gateway took the request, which leaves time for our answer to travel back.
 */
export const SLACK_ANSWER_BUDGET_MS = 2_500;

/**
 * Reads the signed form body (its bytes, base64-decoded when API Gateway encoded them).
 *
 * @example
 * slashCommandOf(event) // → { command: '/backup', text: 'dds a89d…in02', userId: 'U012AB3CD', channelId: 'C0123OPS' }
 */
export function slashCommandOf(event: APIGatewayProxyEventV2): SlashCommand {
  const form = new URLSearchParams(rawBodyOf(event).toString('utf8'));
  // Replies and logs repeat these; Slack's own are a dozen characters, and a longer one matches no allow-list entry.
  const short = (field: string) => excerpt(form.get(field) ?? '');
  return {
    command: excerpt(form.get('command') || '/backup'),
    text: form.get('text') ?? '',
    userId: short('user_id'),
    channelId: short('channel_id'),
  };
}

/**
 * The time by which the upstream call must be over: Slack's budget counted from the request's arrival (so a cold
 * start is paid out of it), or the Lambda's own end when that comes first.
 *
 * @example
 * slackDeadline(event.requestContext.timeEpoch, context.getRemainingTimeInMillis(), Date.now())
 */
export function slackDeadline(arrivedAt: number | undefined, remainingMs: number, now: number): number {
  const arrived = Math.min(arrivedAt ?? now, now);
  return Math.min(now + remainingMs, arrived + SLACK_ANSWER_BUDGET_MS);
}

export interface SlashCommandPorts {
  allowList: () => AllowList;
  requestBackup: RequestBackup;
}

/**
 * Answers one verified slash command: help for anyone; otherwise the caller must be on the allow-list, the line
 * must follow the grammar and the request every rule of `validateBackupRequest`, before the one use case runs. Every
 * failure becomes an ephemeral reply and is logged once.
 *
 * @example
 * await answerSlashCommand({ command: '/backup', text: 'dds a89d…in02', userId, channelId }, deadline, ports)
 * // → { response_type: 'in_channel', text: '<@U012AB3CD> asked for a backup of DDS (MongoDB) instance …' }
 */
export async function answerSlashCommand(slash: SlashCommand, deadline: number, ports: SlashCommandPorts): Promise<SlackReply> {
  if (isHelpRequest(slash.text)) return helpReply(slash.command);
  try {
    authorise(ports.allowList(), slash);
    const request = validateBackupRequest(parseCommandText(slash.text));
    return backupCreatedReply(slash, await ports.requestBackup(request, deadline, { via: 'slack', userId: slash.userId, channelId: slash.channelId }));
  } catch (error) {
    logFailure(error, { slackUserId: slash.userId, slackChannelId: slash.channelId });
    return errorReply(error, slash.command);
  }
}
