import type { LookupOutcome } from '../lifecycle';
import type { PendingLookup } from '../aws/ledger';
import type { BackupRecord, BackupStatus, RequestedBy } from '../domain/backup-record';
import type { BackupRequest } from '../domain/backup-request';
import type { BackupResult } from '../domain/engine-mapping';
import { UpstreamError } from '../errors';
import { logger } from '../logger';
import { isRecord } from '../objects';
import type { PostToSlack } from './post';
import {
  backupCreatedReply,
  completionMessage,
  errorReply,
  notCreatedMessage,
  uncertainMessage,
  type SlackReply,
} from './replies';

/**
 * Slack follows through: after the slash command was answered, the channel hears that the backup was created (or
 * why not), and later that it completed or failed — on the command's `response_url` while it is valid, on the
 * incoming webhook after that.
 */

/** What the follow-up of a Slack create needs, carried with the request on the queue. */
export interface SlackFollowUp {
  responseUrl: string;
  userId: string;
  channelId: string;
  teamId?: string;
  /** The command as typed (an excerpt), for the log and the ledger. */
  commandText: string;
}

export type SlackOrigin = Extract<RequestedBy, { via: 'slack' }>;

/** Slack takes posts to a response URL for 30 minutes; a minute is kept back for the way there. */
export const RESPONSE_URL_LIFETIME_MS = 29 * 60 * 1000;
const FINAL_FOR_SLACK: ReadonlySet<BackupStatus> = new Set(['COMPLETED', 'FAILED', 'UNKNOWN']);
const MAX_FIELD_CHARACTERS = 2_048;

/**
 * Reads the `slack` field of a queued request; undefined when it is not one.
 *
 * @example
 * slackFollowUpOf({ responseUrl: 'https://hooks.slack.com/commands/…', userId: 'U1', channelId: 'C1', commandText: 'dds …' })
 */
export function slackFollowUpOf(value: unknown): SlackFollowUp | undefined {
  if (!isRecord(value)) return undefined;
  const text = (field: string) => {
    const entry = value[field];
    return typeof entry === 'string' && entry.length <= MAX_FIELD_CHARACTERS ? entry : undefined;
  };
  const [responseUrl, userId, channelId, commandText, teamId] = [
    'responseUrl',
    'userId',
    'channelId',
    'commandText',
    'teamId',
  ].map(text);
  if (!responseUrl || !userId || !channelId || commandText === undefined) return undefined;
  return { responseUrl, userId, channelId, commandText, ...(teamId && { teamId }) };
}

/** Who asked, as the ledger and the events name a Slack caller. */
export const slackOrigin = (followUp: SlackFollowUp): SlackOrigin => ({ via: 'slack', ...followUp });

export interface SlackAnnouncer {
  /** The outcome of a queued Slack create: created, refused, failed, or uncertain (then looked for). */
  requestOutcome(
    origin: SlackOrigin,
    request: BackupRequest,
    outcome: { result: BackupResult } | { error: unknown },
  ): Promise<void>;
  /** A backup's change of status: its end (COMPLETED, FAILED, UNKNOWN) is told to the channel that asked. */
  stateChanged(record: BackupRecord, previousStatus: BackupStatus | null): Promise<void>;
  /** An uncertain create the tracker settled: the backup it found, or that none was made. */
  lookupSettled(lookup: PendingLookup, outcome: LookupOutcome): Promise<void>;
}

export interface SlackAnnouncerPorts {
  post: PostToSlack;
  /** The incoming webhook for completions whose response URL has expired; undefined when none is configured. */
  notifyWebhook: () => Promise<string | undefined>;
  /** Whether an uncertain create is looked for (there is a ledger), which the message must not promise otherwise. */
  looksForUncertainCreates: boolean;
}

/**
 * @example
 * const announcer = slackAnnouncer({ post: slackPoster({ allowedPrefix }), notifyWebhook: async () => undefined, looksForUncertainCreates: true });
 * await announcer.stateChanged(record, 'BUILDING'); // posts "… is COMPLETED" in the channel that asked
 */
export function slackAnnouncer({ post, notifyWebhook, looksForUncertainCreates }: SlackAnnouncerPorts): SlackAnnouncer {
  const reply = (origin: SlackOrigin, message: SlackReply) =>
    origin.responseUrl ? post(origin.responseUrl, message) : Promise.resolve(false);
  return {
    async requestOutcome(origin, request, outcome) {
      if ('result' in outcome) {
        await reply(origin, backupCreatedReply(origin, outcome.result));
      } else if (outcome.error instanceof UpstreamError && outcome.error.backupMayExist) {
        await reply(origin, uncertainMessage(request, looksForUncertainCreates));
      } else {
        await reply(origin, errorReply(outcome.error, '/backup'));
      }
    },
    async stateChanged(record, previousStatus) {
      const origin = record.requestedBy;
      if (origin.via !== 'slack' || previousStatus === record.status || !FINAL_FOR_SLACK.has(record.status)) return;
      const message = completionMessage(record);
      // The change happened when the record was last checked: the response URL counts from the request.
      const fresh = Date.parse(record.checkedAt) - Date.parse(record.requestedAt) < RESPONSE_URL_LIFETIME_MS;
      if (fresh && (await reply(origin, message))) return;
      const webhook = await notifyWebhook();
      if (webhook && (await post(webhook, message))) return;
      logger.info('backup end not told in Slack: the response URL has expired and no incoming webhook is configured', {
        backupId: record.backupId,
        status: record.status,
        slackChannelId: origin.channelId,
      });
    },
    async lookupSettled(lookup, outcome) {
      const origin = lookup.requestedBy;
      if (origin.via !== 'slack' || outcome.kind === 'still-looking') return;
      await reply(
        origin,
        outcome.kind === 'found' ? backupCreatedReply(origin, outcome.result) : notCreatedMessage(lookup),
      );
    },
  };
}
