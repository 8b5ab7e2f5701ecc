import { NotAllowedError } from '../errors';

/** Who may create backups from Slack: users by ID, and everyone in the listed channels. Empty lists allow nobody. */
export interface AllowList {
  users: ReadonlySet<string>;
  channels: ReadonlySet<string>;
}

/** The Slack user or channel a slash command came from. */
export interface SlackCaller {
  userId: string;
  channelId: string;
}

/**
 * Lets a caller through when its user or its channel is on the list; throws {@link NotAllowedError} saying how an
 * operator can allow it otherwise.
 *
 * @example
 * authorise(allowList, { userId: 'U012AB3CD', channelId: 'C0123OPS' });
 */
export function authorise(allowList: AllowList, caller: SlackCaller): void {
  if (allowList.users.has(caller.userId) || allowList.channels.has(caller.channelId)) return;
  const nobodyYet = allowList.users.size === 0 && allowList.channels.size === 0;
  const howToAllow =
    `An operator can allow you by adding your user ID ${caller.userId} to SLACK_ALLOWED_USERS, ` +
    `or this channel's ID ${caller.channelId} to SLACK_ALLOWED_CHANNELS, and deploying again.`;
  throw new NotAllowedError({
    detail: `${nobodyYet ? 'Nobody may create backups from Slack yet.' : 'You may not create backups from this channel.'} ${howToAllow}`,
  });
}
