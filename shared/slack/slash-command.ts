import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { BackupRecord } from '../domain/backup-record';
import { validateBackupRequest, type BackupRequest } from '../domain/backup-request';
import { NotAllowedError } from '../errors';
import { logFailure } from '../failure-log';
import { rawBodyOf } from '../http/raw-body';
import { logger } from '../logger';
import { excerpt } from '../text';
import { authorise, type AllowList, type SlackCaller } from './allow-list';
import { isHelpRequest, parseSlashCommand } from './command-text';
import type { SlackFollowUp } from './follow-up';
import { errorReply, helpReply, listReply, requestingReply, statusReply, type SlackReply } from './replies';

/** The fields of Slack's slash-command form that the gateway reads. */
export interface SlashCommand extends SlackCaller {
  command: string;
  text: string;
  teamId: string;
  /** Where the outcome is posted later: valid for 30 minutes and 5 posts. */
  responseUrl: string;
}

/** What a create from Slack puts on the request queue: the unified request, and what the follow-up needs. */
export interface QueuedSlackRequest extends BackupRequest {
  slack: SlackFollowUp;
}

/**
 * Slack shows the user an error when no answer arrives within 3 s of its request. Every call made before the
 * answer (the queue, a status read) must be over this long after API Gateway took the request.
 */
export const SLACK_ANSWER_BUDGET_MS = 2_500;

/**
 * Reads the signed form body (its bytes, base64-decoded when API Gateway encoded them).
 *
 * @example
 * slashCommandOf(event) // → { command: '/backup', text: 'dds a89d…in02', userId: 'U012AB3CD', channelId: 'C0123OPS', … }
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
    teamId: short('team_id'),
    responseUrl: form.get('response_url') ?? '',
  };
}

/**
 * The time by which every call before the answer must be over: Slack's budget counted from the request's arrival
 * (so a cold start is paid out of it), or the Lambda's own end when that comes first.
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
  /** `SLACK_TEAM_ID`: when set, commands from any other workspace are refused. */
  teamId?: string;
  /** `SLACK_RESPONSE_URL_PREFIX`: a create whose response URL is elsewhere is refused (it could never be answered). */
  responseUrlPrefix: string;
  /** Hands a create to the request queue; its consumer creates the backup and posts the outcome. */
  enqueue: (message: QueuedSlackRequest, deadline: number) => Promise<void>;
  status: (backupId: string, deadline: number) => Promise<BackupRecord>;
  recent: (instanceId: string | undefined, deadline: number) => Promise<BackupRecord[]>;
}

/** Lines in a `list` answer: a screenful. */
export const LIST_LIMIT = 10;

/**
 * Answers one verified slash command within Slack's 3 s, and creates nothing itself: help for anyone; for
 * everyone else the workspace and the allow-list first, then `status`, `list`, or a create, which is checked
 * against every rule and handed to the request queue. Every failure becomes an ephemeral reply and is logged once.
 *
 * @example
 * await answerSlashCommand({ command: '/backup', text: 'dds a89d…in02', userId, channelId, teamId, responseUrl }, deadline, ports)
 * // → { response_type: 'ephemeral', text: ':hourglass_flowing_sand: Requesting a backup of DDS (MongoDB) instance …' }
 */
export async function answerSlashCommand(
  slash: SlashCommand,
  deadline: number,
  ports: SlashCommandPorts,
): Promise<SlackReply> {
  const logContext = { slackUserId: slash.userId, slackChannelId: slash.channelId, slackTeamId: slash.teamId };
  try {
    if (isHelpRequest(slash.text)) return helpReply(slash.command);
    if (ports.teamId && slash.teamId !== ports.teamId) {
      throw new NotAllowedError({
        detail: `This gateway takes commands from one Slack workspace only, and ${slash.teamId || 'yours'} is not it.`,
      });
    }
    // Nothing of the line is read for a caller who may not use the command.
    authorise(ports.allowList(), slash);
    const intent = parseSlashCommand(slash.text);
    if (intent.kind === 'status') return statusReply(await ports.status(intent.backupId, deadline));
    if (intent.kind === 'list') return listReply(await ports.recent(intent.instanceId, deadline), intent.instanceId);
    const request = validateBackupRequest(intent.request);
    if (!slash.responseUrl.startsWith(ports.responseUrlPrefix)) {
      logger.warn('slash command refused: its response_url is not under SLACK_RESPONSE_URL_PREFIX', logContext);
      throw new NotAllowedError({
        detail: "This command's response URL is not Slack's, so its outcome could not be told; nothing was requested.",
      });
    }
    const slack: SlackFollowUp = {
      responseUrl: slash.responseUrl,
      userId: slash.userId,
      channelId: slash.channelId,
      ...(slash.teamId && { teamId: slash.teamId }),
      commandText: excerpt(slash.text, 200),
    };
    await ports.enqueue({ ...request, slack }, deadline);
    return requestingReply(request);
  } catch (error) {
    logFailure(error, logContext);
    return errorReply(error, slash.command);
  }
}
