import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { definedFields, isRecord } from '../objects';
import { InvalidRequestError, type FieldProblem } from '../errors';
import { codePointCount, excerpt, quotedList } from '../text';

/**
 * The unified backup request: one shape for every engine, validated once against every documented rule of the
 * upstream APIs, and turned into a {@link BackupCommand}.
 */
export const ENGINES = ['dds', 'mysql', 'postgresql', 'sqlserver'] as const;
export type Engine = (typeof ENGINES)[number];
const PARTIAL_BACKUP_ENGINES = ['postgresql', 'sqlserver'] as const;
type PartialBackupEngine = (typeof PARTIAL_BACKUP_ENGINES)[number];
const isPartialBackupEngine = (engine: Engine): engine is PartialBackupEngine =>
  (PARTIAL_BACKUP_ENGINES as readonly Engine[]).includes(engine);

interface CommandBase {
  instanceId: string;
  name: string;
  description?: string;
}
export interface DdsBackupCommand extends CommandBase {
  engine: 'dds';
}
export interface MySqlBackupCommand extends CommandBase {
  engine: 'mysql';
}
/** The engines whose backups can be partial: SQL Server on either RDS API, PostgreSQL on RDS v3 only. */
export interface PartialBackupCommand extends CommandBase {
  engine: PartialBackupEngine;
  /** Partial backup of just these databases. */
  databases?: string[];
  /** One backup per listed database instead of one of them all; RDS v3 only. */
  backupDatabasesIndividually?: boolean;
}
/** A validated request with a name, ready to be mapped to its engine's upstream call. */
export type BackupCommand = DdsBackupCommand | MySqlBackupCommand | PartialBackupCommand;

/** The databases a command backs up, when it names them (a partial backup). */
export const databasesOf = (command: BackupCommand): string[] | undefined =>
  'databases' in command ? command.databases : undefined;

/**
 * A validated unified request, as the caller meant it: the name is still optional, because a generated one
 * must not make two deliveries of the same request look different.
 */
export interface BackupRequest {
  engine: Engine;
  instanceId: string;
  name?: string;
  description?: string;
  /** Only with engine `sqlserver`, or `postgresql` on RDS v3. */
  databases?: string[];
  /** Only with `databases`, on RDS v3; never `false`, which is the default and is left out. */
  backupDatabasesIndividually?: boolean;
  /** Repeats of a request with this key return the first result instead of creating another backup. */
  idempotencyKey?: string;
}

const NAME_MIN = 4;
const NAME_MAX = 64;
const DESCRIPTION_MAX = 256;
const DESCRIPTION_FORBIDDEN = /[>!<"&'=]/g;
const IDEMPOTENCY_KEY_MAX = 128;
const IDEMPOTENCY_KEY_FORBIDDEN = /[^A-Za-z0-9_.:-]/gu;
/** Huawei's instance ids have 32 to 40 characters; the bound keeps an id fit for logs and idempotency keys. */
const INSTANCE_ID_MAX = 64;
/** SQL Server's own limit on a database name (`sysname`). */
const DATABASE_NAME_MAX = 128;
const INSTANCE_PATHS = [['instanceId'], ['instance_id'], ['instance']] as const;
const INSTANCE_ALIASES = INSTANCE_PATHS.map(([alias]) => alias);

/** The most databases one partial backup may list. */
export const MAX_DATABASES = 100;
/** The largest body the gateway reads (HTTP, queue message, Slack form): a unified request needs well under 1 KiB. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** The most problems one refusal names; the rest are counted in a final entry. */
export const MAX_REPORTED_PROBLEMS = 20;

const isBetween = (count: number, min: number, max: number): boolean => count >= min && count <= max;

const instanceIdSchema = v.pipe(
  v.string('must be a string'),
  v.check((id) => id.trim() !== '', 'must not be empty'),
  // A pasted id with a stray space or newline would name no instance upstream; say so here instead.
  v.check((id) => id.trim() === '' || id.trim() === id, 'must not start or end with whitespace'),
  v.check(
    (id) => codePointCount(id) <= INSTANCE_ID_MAX,
    (issue) => `must be at most ${INSTANCE_ID_MAX} characters long (it has ${codePointCount(issue.input as string)})`,
  ),
);

/** The documented name rule of both services, each part reported on its own so the caller sees what to fix. */
export const backupNameSchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (name) => isBetween(codePointCount(name), NAME_MIN, NAME_MAX),
    (issue) => `must be ${NAME_MIN} to ${NAME_MAX} characters long (it has ${codePointCount(issue.input as string)})`,
  ),
  v.regex(/^[A-Za-z]/, 'must start with a letter (A-Z or a-z)'),
  v.check(
    (name) => /^[A-Za-z0-9_-]*$/.test(name),
    (issue) => {
      const found = quotedList((issue.input as string).replace(/[A-Za-z0-9_-]/g, ''));
      return `may contain only ASCII letters, digits, '-' and '_' (found ${found})`;
    },
  ),
);

export const descriptionSchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (text) => codePointCount(text) <= DESCRIPTION_MAX,
    (issue) => `must be at most ${DESCRIPTION_MAX} characters long (it has ${codePointCount(issue.input as string)})`,
  ),
  v.check(
    (text) => !text.match(DESCRIPTION_FORBIDDEN),
    (issue) => {
      const found = [...new Set((issue.input as string).match(DESCRIPTION_FORBIDDEN))].join(' ');
      return `must not contain any of > ! < " & ' = (found ${found})`;
    },
  ),
);

/** 1–128 characters of letters, digits, `-`, `_`, `.` and `:`: enough for UUIDs, ARNs' ids and `event:instance` pairs. */
export const idempotencyKeySchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (key) => isBetween(codePointCount(key), 1, IDEMPOTENCY_KEY_MAX),
    (issue) => `must be 1 to ${IDEMPOTENCY_KEY_MAX} characters long (it has ${codePointCount(issue.input as string)})`,
  ),
  v.check(
    (key) => !key.match(IDEMPOTENCY_KEY_FORBIDDEN),
    (issue) => {
      const found = quotedList((issue.input as string).match(IDEMPOTENCY_KEY_FORBIDDEN) ?? []);
      return `may contain only ASCII letters, digits, '-', '_', '.' and ':' (found ${found})`;
    },
  ),
);

/** Whether a delivery's own id can serve as its idempotency key. */
export const isIdempotencyKey = (value: unknown): value is string => v.is(idempotencyKeySchema, value);

/** A database given as a name or as `{"name": …}` with no other field (an own `__proto__` counts as one). */
const databaseNameOf = (entry: unknown): string | undefined => {
  if (typeof entry === 'string') return entry;
  const nameOnly = isRecord(entry) && typeof entry.name === 'string' && Object.keys(entry).length === 1;
  return nameOnly ? (entry.name as string) : undefined;
};

const databaseNameSchema = v.pipe(
  v.custom<string | { name: string }>(
    (entry) => databaseNameOf(entry) !== undefined,
    'must be a database name or an object {"name": "<database>"}',
  ),
  v.transform((entry) => databaseNameOf(entry) as string),
  v.check((name) => name.trim() !== '', 'must not be empty'),
  v.check(
    (name) => codePointCount(name) <= DATABASE_NAME_MAX,
    (issue) => `must be at most ${DATABASE_NAME_MAX} characters long (it has ${codePointCount(issue.input as string)})`,
  ),
);

/** Each name listed more than once, in one pass. */
function repeatedNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) (seen.has(name) ? repeated : seen).add(name);
  return [...repeated];
}

// The length is checked before any entry: a list far over the limit is refused without reading its entries.
export const databasesSchema = v.pipe(
  v.array(v.unknown(), 'must be a list of database names'),
  v.minLength(1, 'must list at least one database when given'),
  v.maxLength(
    MAX_DATABASES,
    (issue) => `must list at most ${MAX_DATABASES} databases (it lists ${(issue.input as unknown[]).length})`,
  ),
  v.array(databaseNameSchema),
  v.check(
    (names) => repeatedNames(names).length === 0,
    (issue) => `must not list a database twice (${quotedList(repeatedNames(issue.input as string[]))})`,
  ),
);

export const engineSchema = v.pipe(
  v.string('must be a string'),
  v.toLowerCase(),
  v.picklist(ENGINES, `must be one of ${ENGINES.join(', ')}`),
);

const requestEntries = {
  engine: engineSchema,
  instanceId: v.optional(instanceIdSchema),
  instance_id: v.optional(instanceIdSchema),
  instance: v.optional(instanceIdSchema),
  name: v.optional(backupNameSchema),
  description: v.optional(descriptionSchema),
  databases: v.optional(databasesSchema),
  backupDatabasesIndividually: v.optional(v.boolean('must be true or false')),
  idempotencyKey: v.optional(idempotencyKeySchema),
};
const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(requestEntries));
const LONGEST_KNOWN_FIELD = Math.max(...[...KNOWN_FIELDS].map((field) => field.length));
const SUGGESTION_DISTANCE = 2;

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** " (did you mean …?)" for a near miss; a field far longer than every known one is never near, and not compared. */
function suggestionFor(field: string): string {
  if (field.length > LONGEST_KNOWN_FIELD + SUGGESTION_DISTANCE) return '';
  const typed = field.toLowerCase();
  const closest = [...KNOWN_FIELDS].find((known) => editDistance(typed, known.toLowerCase()) <= SUGGESTION_DISTANCE);
  return closest ? ` (did you mean "${closest}"?)` : '';
}

type InstanceFields = Partial<Record<(typeof INSTANCE_ALIASES)[number], string>>;
const givenInstanceIds = (input: InstanceFields): string[] => [
  ...new Set(INSTANCE_ALIASES.map((alias) => input[alias]).filter((id): id is string => id !== undefined)),
];

// Unknown fields are found by the validator itself, not by valibot, which passes over own `__proto__`,
// `constructor` and `prototype` keys without a word.
const unifiedRequestSchema = v.pipe(
  v.object(requestEntries, (issue) => (issue.path ? 'is required' : 'the body must be a JSON object')),
  v.forward(
    v.partialCheck(INSTANCE_PATHS, (input) => givenInstanceIds(input).length > 0, 'is required'),
    ['instanceId'],
  ),
  v.forward(
    v.partialCheck(
      INSTANCE_PATHS,
      (input) => givenInstanceIds(input).length <= 1,
      'instanceId, instance_id and instance name the same thing but were given different values',
    ),
    ['instanceId'],
  ),
  v.forward(
    v.partialCheck(
      [['engine'], ['databases']],
      (input) => input.databases === undefined || isPartialBackupEngine(input.engine),
      'is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
    ),
    ['databases'],
  ),
  v.forward(
    v.partialCheck(
      [['engine'], ['backupDatabasesIndividually']],
      (input) => input.backupDatabasesIndividually !== true || isPartialBackupEngine(input.engine),
      'is supported only with engine sqlserver or postgresql, on RDS API v3',
    ),
    ['backupDatabasesIndividually'],
  ),
  v.forward(
    v.partialCheck(
      [['databases'], ['backupDatabasesIndividually']],
      (input) => input.backupDatabasesIndividually !== true || input.databases !== undefined,
      'needs databases: the list of databases to back up one by one',
    ),
    ['backupDatabasesIndividually'],
  ),
);

function fieldOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).reduce<string>(
    (field, item) =>
      typeof item.key === 'number'
        ? `${field}[${item.key}]`
        : field
          ? `${field}.${String(item.key)}`
          : String(item.key),
    '',
  );
}

/**
 * Turns valibot's issues and the unknown fields into our field problems: each field's own problems, then the
 * unknown fields, then the rules across fields. At most {@link MAX_REPORTED_PROBLEMS} are named (a "did you mean"
 * is worked out only for those), and a final entry counts the rest.
 */
function toFieldProblems(issues: readonly v.BaseIssue<unknown>[], unknownFields: readonly string[]): FieldProblem[] {
  const isAcrossFields = (issue: v.BaseIssue<unknown>) => issue.type === 'partial_check';
  const fromIssue = (issue: v.BaseIssue<unknown>) => (): FieldProblem => ({
    field: fieldOf(issue),
    message: issue.message,
  });
  const fromUnknownField = (field: string) => (): FieldProblem => ({
    field: excerpt(field),
    message: `is not a known field${suggestionFor(field)}`,
  });
  const ordered = [
    ...issues.filter((issue) => !isAcrossFields(issue)).map(fromIssue),
    ...unknownFields.map(fromUnknownField),
    ...issues.filter(isAcrossFields).map(fromIssue),
  ];
  const problems = ordered.slice(0, MAX_REPORTED_PROBLEMS).map((problem) => problem());
  const more = ordered.length - problems.length;
  if (more === 0) return problems;
  return [...problems, { field: '', message: `and ${more} more problem${more === 1 ? '' : 's'}` }];
}

/**
 * Says that a body is not JSON, and where. The parser's own message quotes the body; only the position is kept,
 * so nothing of what was sent is echoed into answers or logs.
 *
 * @example
 * notJsonProblem('the body', "Unexpected token 'x', \"x\" is not valid JSON at position 0") // → { field: '', message: 'the body is not valid JSON (at position 0)' }
 */
export function notJsonProblem(what: string, parserMessage: string | undefined): FieldProblem {
  const position = /position (\d+)/.exec(parserMessage ?? '')?.[1];
  return { field: '', message: `${what} is not valid JSON${position ? ` (at position ${position})` : ''}` };
}

/** `20261124-221500`: UTC, sortable, and made only of characters the name rule allows. */
export const utcStamp = (at: Date): string => at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** `mysql-20261124-221500-a3f9`: satisfies the name rule and tells engine and UTC time apart. */
export function generateBackupName(engine: Engine, at: Date): string {
  return `${engine}-${utcStamp(at)}-${randomBytes(3).toString('hex').slice(0, 4)}`;
}

/**
 * Validates a unified request; throws {@link InvalidRequestError} naming every problem at once. An entry point
 * whose deliveries carry an id of their own passes it as the default `idempotencyKey`, checked by the same rule.
 *
 * @example
 * validateBackupRequest({ engine: 'MySQL', instance: 'c2aa…no04' }, { idempotencyKey: record.messageId })
 * // → { engine: 'mysql', instanceId: 'c2aa…no04', idempotencyKey: '059f36b4-87a3-44ab-83d2-661975830a7d' }
 */
export function validateBackupRequest(
  input: unknown,
  defaults: Pick<BackupRequest, 'idempotencyKey'> = {},
): BackupRequest {
  if (!isRecord(input)) {
    throw new InvalidRequestError({ errors: [{ field: '', message: 'the body must be a JSON object' }] });
  }
  const unknownFields = Object.keys(input).filter((field) => !KNOWN_FIELDS.has(field));
  const result = v.safeParse(unifiedRequestSchema, { ...defaults, ...input });
  if (!result.success || unknownFields.length > 0) {
    throw new InvalidRequestError({ errors: toFieldProblems(result.issues ?? [], unknownFields) });
  }
  const { engine, name, description, databases, idempotencyKey } = result.output;
  const [instanceId] = givenInstanceIds(result.output);
  // `false` is the default: leaving it out keeps a request the same request whether it said so or not.
  const backupDatabasesIndividually = result.output.backupDatabasesIndividually || undefined;
  const optional = definedFields({ name, description, databases, backupDatabasesIndividually, idempotencyKey });
  return { engine, instanceId, ...optional };
}

/**
 * The name of a keyed request that has none: the same for every repeat of the key, so that the backup an
 * uncertain attempt may have made can be looked for by name.
 *
 * @example
 * keyedBackupName('dds', 'deploy-4711') // → 'dds-k-6c1f0e7c9a2b4d38'
 */
export const keyedBackupName = (engine: Engine, idempotencyKey: string): string =>
  `${engine}-k-${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 16)}`;

/**
 * The command to run for a validated request, with a generated name when the caller gave none (derived from
 * the idempotency key when there is one).
 *
 * @example
 * toBackupCommand({ engine: 'mysql', instanceId: 'c2aa…no04' }, new Date())
 * // → { engine: 'mysql', instanceId: 'c2aa…no04', name: 'mysql-20261124-221500-a3f9' }
 */
export function toBackupCommand(request: BackupRequest, now: Date): BackupCommand {
  const { engine, instanceId, name, description, databases, backupDatabasesIndividually, idempotencyKey } = request;
  const generated =
    idempotencyKey === undefined ? generateBackupName(engine, now) : keyedBackupName(engine, idempotencyKey);
  const base = { instanceId, name: name ?? generated, ...definedFields({ description }) };
  if (isPartialBackupEngine(engine)) {
    return { engine, ...base, ...definedFields({ databases, backupDatabasesIndividually }) };
  }
  return { engine, ...base };
}
