import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { definedFields, isRecord } from '../objects';
import { InvalidRequestError, type FieldProblem } from '../errors';

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
const IDEMPOTENCY_KEY_FORBIDDEN = /[^A-Za-z0-9_.:-]/g;
const INSTANCE_PATHS = [['instanceId'], ['instance_id'], ['instance']] as const;
const INSTANCE_ALIASES = INSTANCE_PATHS.map(([alias]) => alias);

const codePoints = (text: string): number => [...text].length;
const distinct = <T>(items: Iterable<T>): T[] => [...new Set(items)];

const nonBlankString = v.pipe(
  v.string('must be a string'),
  v.check((text) => text.trim() !== '', 'must not be empty'),
);

/** The documented name rule of both services, each part reported on its own so the caller sees what to fix. */
export const backupNameSchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (name) => name.length >= NAME_MIN && name.length <= NAME_MAX,
    (issue) => `must be ${NAME_MIN} to ${NAME_MAX} characters long (it has ${codePoints(issue.input as string)})`,
  ),
  v.regex(/^[A-Za-z]/, 'must start with a letter (A-Z or a-z)'),
  v.check(
    (name) => /^[A-Za-z0-9_-]*$/.test(name),
    (issue) =>
      `may contain only letters, digits, '-' and '_' (found ${distinct((issue.input as string).replace(/[A-Za-z0-9_-]/g, ''))
        .map((c) => JSON.stringify(c))
        .join(', ')})`,
  ),
);

export const descriptionSchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (text) => codePoints(text) <= DESCRIPTION_MAX,
    (issue) => `must be at most ${DESCRIPTION_MAX} characters long (it has ${codePoints(issue.input as string)})`,
  ),
  v.check(
    (text) => !text.match(DESCRIPTION_FORBIDDEN),
    (issue) =>
      `must not contain any of > ! < " & ' = (found ${distinct((issue.input as string).match(DESCRIPTION_FORBIDDEN) ?? []).join(' ')})`,
  ),
);

/** 1–128 characters of letters, digits, `-`, `_`, `.` and `:`: enough for UUIDs, ARNs' ids and `event:instance` pairs. */
export const idempotencyKeySchema = v.pipe(
  v.string('must be a string'),
  v.check(
    (key) => key.length >= 1 && key.length <= IDEMPOTENCY_KEY_MAX,
    (issue) => `must be 1 to ${IDEMPOTENCY_KEY_MAX} characters long (it has ${codePoints(issue.input as string)})`,
  ),
  v.check(
    (key) => !key.match(IDEMPOTENCY_KEY_FORBIDDEN),
    (issue) =>
      `may contain only letters, digits, '-', '_', '.' and ':' (found ${distinct((issue.input as string).match(IDEMPOTENCY_KEY_FORBIDDEN) ?? [])
        .map((c) => JSON.stringify(c))
        .join(', ')})`,
  ),
);

/** Whether a delivery's own id can serve as its idempotency key. */
export const isIdempotencyKey = (value: unknown): value is string => v.is(idempotencyKeySchema, value);

const databaseNameSchema = v.pipe(
  v.union(
    [v.string(), v.pipe(v.strictObject({ name: v.string() }), v.transform((entry) => entry.name))],
    'must be a database name or an object {"name": "<database>"}',
  ),
  v.check((name) => name.trim() !== '', 'must not be empty'),
);

export const databasesSchema = v.pipe(
  v.array(databaseNameSchema, 'must be a list of database names'),
  v.minLength(1, 'must list at least one database when given'),
  v.check(
    (names) => new Set(names).size === names.length,
    (issue) => {
      const names = issue.input as string[];
      return `must not list a database twice (${distinct(names.filter((n, i) => names.indexOf(n) !== i)).join(', ')})`;
    },
  ),
);

export const engineSchema = v.pipe(
  v.string('must be a string'),
  v.toLowerCase(),
  v.picklist(ENGINES, `must be one of ${ENGINES.join(', ')}`),
);

function suggestionFor(field: string, known: readonly string[]): string {
  const distance = (a: string, b: string): number => {
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
  };
  const closest = known.find((candidate) => distance(field.toLowerCase(), candidate.toLowerCase()) <= 2);
  return closest ? ` (did you mean "${closest}"?)` : '';
}

const requestEntries = {
  engine: engineSchema,
  instanceId: v.optional(nonBlankString),
  instance_id: v.optional(nonBlankString),
  instance: v.optional(nonBlankString),
  name: v.optional(backupNameSchema),
  description: v.optional(descriptionSchema),
  databases: v.optional(databasesSchema),
  backupDatabasesIndividually: v.optional(v.boolean('must be true or false')),
  idempotencyKey: v.optional(idempotencyKeySchema),
};
const KNOWN_FIELDS = Object.keys(requestEntries);
const UNKNOWN_FIELD = 'is not a known field';

type InstanceFields = Partial<Record<(typeof INSTANCE_ALIASES)[number], string>>;
const givenInstanceIds = (input: InstanceFields): string[] =>
  distinct(INSTANCE_ALIASES.map((alias) => input[alias]).filter((id): id is string => id !== undefined));

const unifiedRequestSchema = v.pipe(
  v.objectWithRest(
    requestEntries,
    v.never(UNKNOWN_FIELD),
    (issue) => (issue.path ? 'is required' : 'the body must be a JSON object'),
  ),
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
    (field, item) => (typeof item.key === 'number' ? `${field}[${item.key}]` : field ? `${field}.${String(item.key)}` : String(item.key)),
    '',
  );
}

/**
 * Turns valibot issues into our field problems. An unknown field gets a "did you mean" here because valibot
 * builds the message before it knows the field's path.
 */
function toFieldProblems(issues: readonly v.BaseIssue<unknown>[]): FieldProblem[] {
  return issues.map((issue) => {
    const field = fieldOf(issue);
    const message = issue.message === UNKNOWN_FIELD ? `${UNKNOWN_FIELD}${suggestionFor(field, KNOWN_FIELDS)}` : issue.message;
    return { field, message };
  });
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
export function validateBackupRequest(input: unknown, defaults: Pick<BackupRequest, 'idempotencyKey'> = {}): BackupRequest {
  if (!isRecord(input)) {
    throw new InvalidRequestError([{ field: '', message: 'the body must be a JSON object' }]);
  }
  const result = v.safeParse(unifiedRequestSchema, { ...defaults, ...input });
  if (!result.success) throw new InvalidRequestError(toFieldProblems(result.issues));
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
  const generated = idempotencyKey === undefined ? generateBackupName(engine, now) : keyedBackupName(engine, idempotencyKey);
  const base = { instanceId, name: name ?? generated, ...definedFields({ description }) };
  if (isPartialBackupEngine(engine)) {
    return { engine, ...base, ...definedFields({ databases, backupDatabasesIndividually }) };
  }
  return { engine, ...base };
}
