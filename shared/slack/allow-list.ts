import { commaSeparated, refuseConfiguration, type Env } from '../config';
import { ConfigurationError, NotAllowedError } from '../errors';

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

// Slack IDs, not names: users start with U or W, channels with C, G (private) or D (direct message).
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

function readIds(env: Env, variable: string, pattern: RegExp, example: string, problems: string[]): Set<string> {
  const ids = commaSeparated(env[variable]);
  const wrong = ids.filter((id) => !pattern.test(id));
  if (wrong.length > 0) {
    problems.push(`${variable} must list Slack IDs such as ${example}, not names (found ${wrong.map((id) => JSON.stringify(id)).join(', ')})`);
  }
  return new Set(ids);
}

/**
 * Reads `SLACK_ALLOWED_USERS` and `SLACK_ALLOWED_CHANNELS` (comma-separated Slack IDs) once at cold start; throws
 * a {@link ConfigurationError} naming any entry that is not an ID. Neither set means nobody is allowed.
 *
 * @example
 * allowListFromEnvironment({ SLACK_ALLOWED_USERS: 'U012AB3CD,U045EF6GH', SLACK_ALLOWED_CHANNELS: 'C0123OPS' })
 */
export function allowListFromEnvironment(env: Env = process.env): AllowList {
  const problems: string[] = [];
  const users = readIds(env, 'SLACK_ALLOWED_USERS', USER_ID, 'U012AB3CD', problems);
  const channels = readIds(env, 'SLACK_ALLOWED_CHANNELS', CHANNEL_ID, 'C0123OPS', problems);
  refuseConfiguration(problems);
  return { users, channels };
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
