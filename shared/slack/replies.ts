import { ENGINES, type Engine } from '../domain/backup-request';
import type { BackupResult } from '../domain/engine-mapping';
import { InvalidCommandError, InvalidRequestError } from '../errors';
import { toProblem } from '../http/problem';
import type { SlackCaller } from './allow-list';
import { COMMAND_GRAMMAR, COMMAND_TERMS } from './command-text';

/** A slash command's immediate answer: `in_channel` is seen by everyone there, `ephemeral` only by who asked. */
export interface SlackReply {
  response_type: 'in_channel' | 'ephemeral';
  text: string;
}

const ENGINE_LABELS: Record<Engine, string> = {
  dds: 'DDS (MongoDB)',
  mysql: 'RDS for MySQL',
  postgresql: 'RDS for PostgreSQL',
  sqlserver: 'RDS for SQL Server',
};

/**
 * Slack reads `&`, `<` and `>` as markup, even inside code spans: our texts are escaped to show as written, and
 * what we echo back cannot mention or link anyone.
 */
const escapeMarkup = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const usage = (command: string): string => `Usage: \`${command} ${COMMAND_GRAMMAR}\``;

/** The field of a validation problem as the command line spells it: `databases[1]` → `--db[1]`. */
const termOf = (field: string): string => field.replace(/^\w+/, (name) => COMMAND_TERMS[name] ?? name);

/**
 * @example
 * helpReply('/backup') // → { response_type: 'ephemeral', text: '… Usage: `/backup &lt;engine&gt; &lt;instance-id&gt; …` … Engines: `dds` …' }
 */
export function helpReply(command: string): SlackReply {
  const lines = [
    `*${command}* creates an on-demand backup of a Huawei Cloud database instance.`,
    usage(command),
    `Engines: ${ENGINES.map((engine) => `\`${engine}\` ${ENGINE_LABELS[engine]}`).join(', ')}.`,
    'Leave out the name and one is made up from the engine and the time. Quote a description to keep its spaces; ' +
      '`--db` backs up only the listed databases (SQL Server only).',
    `Example: \`${command} dds a89dab5e39394eccbdb77b19d57b0180in02 before-upgrade --desc "before the 7.0 upgrade"\``,
    `Example: \`${command} sqlserver c2aac04b4b44460aa75674fc0fd878b2no04 --db sales,hr\``,
  ];
  return { response_type: 'ephemeral', text: escapeMarkup(lines.join('\n')) };
}

/**
 * The answer everyone in the channel sees once a backup has been created.
 *
 * @example
 * backupCreatedReply({ userId: 'U012AB3CD', channelId: 'C0123OPS' }, result).text
 * // → '<@U012AB3CD> asked for a backup of DDS (MongoDB) instance `a89d…in02`: backup `before-upgrade`, id `bf9e…br02`, BUILDING.'
 */
export function backupCreatedReply(caller: SlackCaller, result: BackupResult): SlackReply {
  return {
    response_type: 'in_channel',
    text:
      `<@${escapeMarkup(caller.userId)}> asked for a backup of ${ENGINE_LABELS[result.engine]} instance \`${escapeMarkup(result.instanceId)}\`: ` +
      `backup \`${escapeMarkup(result.name)}\`, id \`${escapeMarkup(result.backupId)}\`, ${escapeMarkup(result.status)}.`,
  };
}

/**
 * What only the caller sees when its command failed. Built on the HTTP mapping ({@link toProblem}), so internals
 * never reach Slack either; a validation failure lists every rule broken, in the words of the command line.
 *
 * @example
 * errorReply(new InvalidCommandError({ detail: 'unknown option --force (the options are --desc and --db)' }), '/backup')
 */
export function errorReply(error: unknown, command: string): SlackReply {
  const { problem } = toProblem(error);
  const lines = [`:x: *${problem.title}*`];
  if (error instanceof InvalidRequestError) {
    lines.push(...error.errors.map(({ field, message }) => `• ${field ? `${termOf(field)}: ${message}` : message}`));
  } else {
    lines.push(problem.detail);
  }
  if (error instanceof InvalidCommandError || error instanceof InvalidRequestError) {
    lines.push(`${usage(command)} (\`${command} help\` explains it).`);
  }
  return { response_type: 'ephemeral', text: escapeMarkup(lines.join('\n')) };
}
