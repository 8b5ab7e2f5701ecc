import type { BackupRecord } from '../domain/backup-record';
import { ENGINES, type BackupRequest, type Engine } from '../domain/backup-request';
import type { BackupResult } from '../domain/engine-mapping';
import { InvalidCommandError, InvalidRequestError } from '../errors';
import { toProblem } from '../http/problem';
import type { SlackCaller } from './allow-list';
import { COMMAND_GRAMMAR, COMMAND_TERMS, LIST_GRAMMAR, STATUS_GRAMMAR } from './command-text';

/**
 * A message to Slack, as a slash command's answer or a post after it: `in_channel` is seen by everyone there,
 * `ephemeral` only by who asked.
 */
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
    'The channel hears when the backup is created, and again when it is COMPLETED or FAILED.',
    `\`${command} ${STATUS_GRAMMAR}\` shows a backup's status; \`${command} ${LIST_GRAMMAR}\` the gateway's recent backups.`,
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
      `<@${escapeMarkup(caller.userId)}> asked for a backup of ${instanceOf(result.engine, result.instanceId)}: ` +
      `backup ${code(result.name)}, id ${code(result.backupId)}, ${escapeMarkup(result.status)}.`,
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

/** `1.2 GB`, `350 MB`, `12 KB`: a size in KB as a person reads it. */
const readableSize = (kb: number): string =>
  kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(1)} GB` : kb >= 1024 ? `${Math.round(kb / 1024)} MB` : `${kb} KB`;

const code = (text: string) => `\`${escapeMarkup(text)}\``;

/** "DDS (MongoDB) instance `a89d…in02`" */
const instanceOf = (engine: Engine, instanceId: string) => `${ENGINE_LABELS[engine]} instance ${code(instanceId)}`;

/**
 * The immediate answer to a create: only the caller sees it; the outcome follows in the channel.
 *
 * @example
 * requestingReply({ engine: 'dds', instanceId: 'a89d…in02' }).text // → 'Requesting a backup of DDS (MongoDB) instance `a89d…in02`…'
 */
export function requestingReply(request: Pick<BackupRequest, 'engine' | 'instanceId' | 'name'>): SlackReply {
  const name = request.name ? ` named ${code(request.name)}` : '';
  return {
    response_type: 'ephemeral',
    text: `:hourglass_flowing_sand: Requesting a backup${name} of ${instanceOf(request.engine, request.instanceId)}… This channel hears when it is created, and when it completes.`,
  };
}

/** What the channel hears when a backup requested from Slack reaches COMPLETED, FAILED or UNKNOWN. */
export function completionMessage(record: BackupRecord): SlackReply {
  const who = record.requestedBy.via === 'slack' ? `, asked for by <@${escapeMarkup(record.requestedBy.userId)}>,` : '';
  const what = `Backup ${code(record.name)} (id ${code(record.backupId)}) of ${instanceOf(record.engine, record.instanceId)}${who}`;
  const minutes = record.completedAt
    ? Math.round((Date.parse(record.completedAt) - Date.parse(record.requestedAt)) / 60_000)
    : undefined;
  const took = minutes === undefined ? '' : minutes < 1 ? ' in under a minute' : ` in ${minutes} min`;
  const text =
    record.status === 'COMPLETED'
      ? `:white_check_mark: ${what} is COMPLETED${took}${record.sizeKB !== undefined ? `, ${readableSize(record.sizeKB)}` : ''}.`
      : record.status === 'FAILED'
        ? `:x: ${what} FAILED${record.reason ? `: ${escapeMarkup(record.reason)}` : '.'}`
        : `:grey_question: ${what} is ${escapeMarkup(record.status)}${record.reason ? `: ${escapeMarkup(record.reason)}` : '.'}`;
  return { response_type: 'in_channel', text };
}

/** Only the caller hears that Huawei Cloud's answer was lost, and what happens next. */
export function uncertainMessage(request: Pick<BackupRequest, 'engine' | 'instanceId'>, looking: boolean): SlackReply {
  const lost = `:hourglass: Huawei Cloud's answer to the backup of ${instanceOf(request.engine, request.instanceId)} was lost, so it may or may not have been made.`;
  return {
    response_type: 'ephemeral',
    text: looking
      ? `${lost} The gateway is looking for it and posts here when it knows.`
      : `${lost} Check the instance's backups before asking again.`,
  };
}

/** The looking found nothing: no backup was made, and asking again is safe. */
export function notCreatedMessage(request: Pick<BackupRequest, 'engine' | 'instanceId' | 'name'>): SlackReply {
  return {
    response_type: 'ephemeral',
    text: `:x: No backup ${request.name ? `${code(request.name)} ` : ''}of ${instanceOf(request.engine, request.instanceId)} was made (Huawei Cloud's answer was lost, and none showed up). It is safe to ask again.`,
  };
}

/** `/backup status <id>`: the ledger's view, only to the caller. */
export function statusReply(record: BackupRecord): SlackReply {
  const details = [
    `requested ${record.requestedAt}`,
    record.completedAt && `finished ${record.completedAt}`,
    record.sizeKB !== undefined && readableSize(record.sizeKB),
    record.reason && escapeMarkup(record.reason),
  ].filter(Boolean);
  return {
    response_type: 'ephemeral',
    text: `Backup ${code(record.name)} (id ${code(record.backupId)}) of ${instanceOf(record.engine, record.instanceId)}: *${escapeMarkup(record.status)}* (${details.join(', ')}).`,
  };
}

/** `/backup list [instance]`: the most recent backups, newest first, only to the caller. */
export function listReply(records: BackupRecord[], instanceId?: string): SlackReply {
  const scope = instanceId ? ` of instance ${code(instanceId)}` : '';
  if (records.length === 0)
    return { response_type: 'ephemeral', text: `The gateway has no backups${scope} on record.` };
  const lines = records.map(
    (record) =>
      `• ${record.requestedAt.slice(0, 16).replace('T', ' ')} ${code(record.name)} ${ENGINE_LABELS[record.engine]} ${code(record.instanceId)}: *${escapeMarkup(record.status)}* (id ${code(record.backupId)})`,
  );
  return {
    response_type: 'ephemeral',
    text: [`The gateway's ${records.length} most recent backups${scope}:`, ...lines].join('\n'),
  };
}
