import { InvalidCommandError } from '../errors';
import { definedFields } from '../objects';
import { excerpt } from '../text';

/**
 * The grammar of the slash command's text: `<engine> <instance-id> [name] [--desc "text"] [--db name1,name2]`.
 * It only splits the line into the fields of a unified request; every rule about their values is
 * `validateBackupRequest`'s.
 */
export const COMMAND_GRAMMAR = '<engine> <instance-id> [name] [--desc "text"] [--db name1,name2]';
/** The other verbs. */
export const STATUS_GRAMMAR = 'status <backup-id>';
export const LIST_GRAMMAR = 'list [instance-id]';

/** The unified request a command line asks for, not validated yet. */
export interface CommandRequest {
  engine: string;
  instanceId: string;
  name?: string;
  description?: string;
  databases?: string[];
}

interface Token {
  text: string;
  quoted: boolean;
}

const FLAGS = { '--desc': 'description', '--db': 'databases' } as const;
type Flag = keyof typeof FLAGS;
const isFlag = (text: string): text is Flag => Object.hasOwn(FLAGS, text);

// Slack clients may turn straight quotes into typographic ones (and not always in matching pairs), so any of
// them opens and closes a quoted word.
const QUOTES = new Set(['"', '“', '”']);

/** Slack escapes these three in the text it sends; the request is validated as the user typed it. */
const unescapeSlack = (text: string): string => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const characters = [...line];
  let i = 0;
  while (i < characters.length) {
    if (/\s/.test(characters[i])) {
      i++;
      continue;
    }
    if (QUOTES.has(characters[i])) {
      // The closing quote is looked for after the opening one only, so a line of many quotes is read in one pass.
      let end = i + 1;
      while (end < characters.length && !QUOTES.has(characters[end])) end++;
      if (end === characters.length) {
        const after = excerpt(characters.slice(i + 1).join(''));
        throw new InvalidCommandError({ detail: `the quote before "${after}" is never closed` });
      }
      tokens.push({ text: characters.slice(i + 1, end).join(''), quoted: true });
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < characters.length && !/\s/.test(characters[end]) && !QUOTES.has(characters[end])) end++;
    tokens.push({ text: characters.slice(i, end).join(''), quoted: false });
    i = end;
  }
  return tokens;
}

/** What a slash command asks for besides help: a backup's status, the recent backups, or a new backup. */
export type SlashCommandIntent =
  | { kind: 'status'; backupId: string }
  | { kind: 'list'; instanceId?: string }
  | { kind: 'create'; request: CommandRequest };

/**
 * Reads the verb of a command line that is not a help request ({@link isHelpRequest}, answered before anything
 * else): `status <backupId>`, `list [instance-id]`, or else a create (engines are never named `status` or
 * `list`). Throws {@link InvalidCommandError} for a verb used wrongly.
 *
 * @example
 * parseSlashCommand('status 2f4ddb93-b901-4b08-93d8-1d2e472f30fe') // → { kind: 'status', backupId: '2f4d…30fe' }
 */
export function parseSlashCommand(text: string): SlashCommandIntent {
  const [verb, ...rest] = text.trim().split(/\s+/);
  switch (verb.toLowerCase()) {
    case 'status':
      if (rest.length !== 1)
        throw new InvalidCommandError({ detail: 'status takes one backup ID: status <backup-id>' });
      return { kind: 'status', backupId: rest[0] };
    case 'list':
      if (rest.length > 1)
        throw new InvalidCommandError({ detail: 'list takes at most one instance ID: list [instance-id]' });
      return rest.length === 1 ? { kind: 'list', instanceId: rest[0] } : { kind: 'list' };
    default:
      return { kind: 'create', request: parseCommandText(text) };
  }
}

/**
 * `help`, or a line with nothing in it, asks for the help text.
 *
 * @example
 * isHelpRequest(' Help ') // → true
 */
export const isHelpRequest = (text: string): boolean => ['', 'help'].includes(text.trim().toLowerCase());

/**
 * Splits a command line into a unified request; throws {@link InvalidCommandError} naming what does not follow the
 * grammar (an unknown flag, a flag without its value or given twice, an unclosed quote, a missing or extra word).
 *
 * @example
 * parseCommandText('sqlserver c2aa…no04 nightly-01 --desc "before the upgrade" --db sales,hr')
 * // → { engine: 'sqlserver', instanceId: 'c2aa…no04', name: 'nightly-01', description: 'before the upgrade', databases: ['sales', 'hr'] }
 */
export function parseCommandText(text: string): CommandRequest {
  const tokens = tokenize(unescapeSlack(text));
  const words: string[] = [];
  const flags: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < tokens.length; i++) {
    const { text: word, quoted } = tokens[i];
    if (quoted || !word.startsWith('--')) {
      words.push(word);
      continue;
    }
    if (!isFlag(word)) {
      const options = Object.keys(FLAGS).join(' and ');
      throw new InvalidCommandError({ detail: `unknown option ${excerpt(word)} (the options are ${options})` });
    }
    if (flags[word] !== undefined) throw new InvalidCommandError({ detail: `${word} is given twice` });
    const value = tokens[i + 1];
    if (!value || (!value.quoted && value.text.startsWith('--')))
      throw new InvalidCommandError({ detail: `${word} needs a value` });
    flags[word] = value.text;
    i++;
  }

  const [engine, instanceId, name, ...extra] = words;
  if (instanceId === undefined) throw new InvalidCommandError({ detail: 'give at least an engine and an instance ID' });
  if (extra.length > 0) {
    throw new InvalidCommandError({
      detail: `unexpected "${excerpt(extra[0])}" after the name (quote a description with spaces: --desc "text")`,
    });
  }
  const description = flags['--desc'];
  const databases = flags['--db']?.split(',').map((database) => database.trim());
  return { engine, instanceId, ...definedFields({ name, description, databases }) };
}

/** How the fields of a unified request are spelled on the command line, for messages about them. */
export const COMMAND_TERMS: Record<string, string> = {
  engine: '<engine>',
  instanceId: '<instance-id>',
  name: '[name]',
  ...Object.fromEntries(Object.entries(FLAGS).map(([flag, field]) => [field, flag])),
};
