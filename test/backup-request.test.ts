import { describe, expect, it } from 'vitest';
import { generateBackupName, toBackupCommand, validateBackupRequest } from '../shared/domain/backup-request';
import { InvalidRequestError, type FieldProblem } from '../shared/errors';

const NOW = new Date('2026-11-24T22:15:00Z');
const parseBackupRequest = (input: unknown, now: Date) => toBackupCommand(validateBackupRequest(input), now);
const valid = { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02', name: 'mybackup1' };
const sqlServer = { engine: 'sqlserver', instanceId: 'i' };
/** JSON.parse makes `__proto__` an own field, as it does for any other name; an object literal would not. */
const nameAndProto = JSON.parse('{"name":"a","__proto__":1}');

function problemsOf(input: unknown): FieldProblem[] {
  try {
    parseBackupRequest(input, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as InvalidRequestError).errors;
  }
  throw new Error('expected the request to be refused');
}

describe('unified request: accepted', () => {
  it.each([
    ['engine in any case', { ...valid, engine: 'DDS' }, { engine: 'dds' }],
    [
      'MySQL through the RDS alias "instance"',
      { engine: 'MySQL', instance: '44b277eb-39be-4921-be31-3d61b43651d7', name: 'backup' },
      { engine: 'mysql', instanceId: '44b277eb-39be-4921-be31-3d61b43651d7' },
    ],
    [
      'PostgreSQL through the DDS alias "instance_id"',
      { engine: 'postgresql', instance_id: 'pg-1', name: 'abcd' },
      { engine: 'postgresql', instanceId: 'pg-1' },
    ],
    [
      'the same instance under two spellings',
      { engine: 'dds', instanceId: 'x1', instance_id: 'x1', name: 'abcd' },
      { instanceId: 'x1' },
    ],
    ['a 4-character name', { ...valid, name: 'Ab-_' }, { name: 'Ab-_' }],
    ['a 64-character name', { ...valid, name: `a${'b'.repeat(63)}` }, { name: `a${'b'.repeat(63)}` }],
    ['a 256-character description', { ...valid, description: 'x'.repeat(256) }, { description: 'x'.repeat(256) }],
    ['256 non-ASCII characters', { ...valid, description: '备'.repeat(256) }, { description: '备'.repeat(256) }],
    ['an empty description', { ...valid, description: '' }, { description: '' }],
    [
      'SQL Server databases as strings and objects',
      { engine: 'sqlserver', instanceId: 'c2aa', name: 'test', databases: ['user01', { name: 'user02' }] },
      { engine: 'sqlserver', databases: ['user01', 'user02'] },
    ],
    [
      'PostgreSQL databases (RDS v3 decides at the call)',
      { engine: 'postgresql', instanceId: 'pg', databases: ['sales'] },
      { engine: 'postgresql', databases: ['sales'] },
    ],
    [
      'databases backed up individually, for SQL Server and PostgreSQL',
      { engine: 'PostgreSQL', instanceId: 'pg', databases: ['a', 'b'], backupDatabasesIndividually: true },
      { engine: 'postgresql', databases: ['a', 'b'], backupDatabasesIndividually: true },
    ],
  ])('%s', (_, input, expected) => {
    expect(parseBackupRequest(input, NOW)).toMatchObject(expected);
  });

  it('keeps values exactly as given, without trimming', () => {
    const command = parseBackupRequest({ ...valid, description: '  spaced  ' }, NOW);
    expect(command).toMatchObject({ description: '  spaced  ' });
  });

  it('leaves description and databases out when not given', () => {
    expect(parseBackupRequest({ engine: 'sqlserver', instanceId: 'i', name: 'abcd' }, NOW)).toEqual({
      engine: 'sqlserver',
      instanceId: 'i',
      name: 'abcd',
    });
  });

  it.each(['dds', 'mysql', 'postgresql', 'sqlserver'])(
    'leaves backupDatabasesIndividually: false out, as the default, for %s',
    (engine) => {
      const request = validateBackupRequest({ engine, instanceId: 'i', backupDatabasesIndividually: false });
      expect(request).toEqual({ engine, instanceId: 'i' });
    },
  );

  it('generates a name that follows the rule and tells engine and UTC time apart', () => {
    const { name } = parseBackupRequest({ engine: 'postgresql', instanceId: 'i' }, NOW);
    expect(name).toMatch(/^postgresql-20261124-221500-[0-9a-f]{4}$/);
    expect(parseBackupRequest({ engine: 'postgresql', instanceId: 'i' }, NOW)).toMatchObject({
      name: expect.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{3,63}$/),
    });
    expect(generateBackupName('dds', NOW)).not.toBe(generateBackupName('dds', NOW));
  });
});

describe('unified request: refused, naming the rule broken', () => {
  it.each<[string, unknown, FieldProblem[]]>([
    ['a JSON array', [valid], [{ field: '', message: 'the body must be a JSON object' }]],
    ['null', null, [{ field: '', message: 'the body must be a JSON object' }]],
    ['a string', 'dds', [{ field: '', message: 'the body must be a JSON object' }]],
    ['no engine', { instanceId: 'i' }, [{ field: 'engine', message: 'is required' }]],
    [
      'an unknown engine',
      { ...valid, engine: 'redis' },
      [{ field: 'engine', message: 'must be one of dds, mysql, postgresql, sqlserver' }],
    ],
    ['a numeric engine', { ...valid, engine: 1 }, [{ field: 'engine', message: 'must be a string' }]],
    ['no instance', { engine: 'dds' }, [{ field: 'instanceId', message: 'is required' }]],
    ['an empty instance', { ...valid, instanceId: '' }, [{ field: 'instanceId', message: 'must not be empty' }]],
    ['a blank instance', { ...valid, instanceId: '   ' }, [{ field: 'instanceId', message: 'must not be empty' }]],
    [
      'an instance with whitespace around it',
      { ...valid, instanceId: ' x\n' },
      [{ field: 'instanceId', message: 'must not start or end with whitespace' }],
    ],
    [
      'an alias with a trailing space',
      { engine: 'mysql', instance: 'x ' },
      [{ field: 'instance', message: 'must not start or end with whitespace' }],
    ],
    [
      'a 65-character instance',
      { ...valid, instanceId: 'i'.repeat(65) },
      [{ field: 'instanceId', message: 'must be at most 64 characters long (it has 65)' }],
    ],
    [
      'a numeric instance alias',
      { engine: 'mysql', instance: 42 },
      [{ field: 'instance', message: 'must be a string' }],
    ],
    [
      'two different instances',
      { engine: 'mysql', instanceId: 'a', instance: 'b' },
      [
        {
          field: 'instanceId',
          message: 'instanceId, instance_id and instance name the same thing but were given different values',
        },
      ],
    ],
    [
      'a 3-character name',
      { ...valid, name: 'abc' },
      [{ field: 'name', message: 'must be 4 to 64 characters long (it has 3)' }],
    ],
    [
      'a 65-character name',
      { ...valid, name: `a${'b'.repeat(64)}` },
      [{ field: 'name', message: 'must be 4 to 64 characters long (it has 65)' }],
    ],
    [
      'a name starting with a digit',
      { ...valid, name: '1abc' },
      [{ field: 'name', message: 'must start with a letter (A-Z or a-z)' }],
    ],
    [
      'a name starting with "-"',
      { ...valid, name: '-abc' },
      [{ field: 'name', message: 'must start with a letter (A-Z or a-z)' }],
    ],
    [
      'a name with a dot and a space',
      { ...valid, name: 'my backup.1' },
      [{ field: 'name', message: `may contain only ASCII letters, digits, '-' and '_' (found " ", ".")` }],
    ],
    [
      'a name with a non-ASCII letter',
      { ...valid, name: 'bäckup' },
      [{ field: 'name', message: `may contain only ASCII letters, digits, '-' and '_' (found "ä")` }],
    ],
    [
      'an empty name',
      { ...valid, name: '' },
      [
        { field: 'name', message: 'must be 4 to 64 characters long (it has 0)' },
        { field: 'name', message: 'must start with a letter (A-Z or a-z)' },
      ],
    ],
    ['a numeric name', { ...valid, name: 1234 }, [{ field: 'name', message: 'must be a string' }]],
    [
      'a name of 3 characters in 4 UTF-16 units',
      { ...valid, name: 'ab😀' },
      [
        { field: 'name', message: 'must be 4 to 64 characters long (it has 3)' },
        { field: 'name', message: `may contain only ASCII letters, digits, '-' and '_' (found "😀")` },
      ],
    ],
    [
      'a 257-character description',
      { ...valid, description: 'x'.repeat(257) },
      [{ field: 'description', message: 'must be at most 256 characters long (it has 257)' }],
    ],
    ...['>', '!', '<', '"', '&', "'", '='].map((c): [string, unknown, FieldProblem[]] => [
      `a description with ${c}`,
      { ...valid, description: `before ${c} after` },
      [{ field: 'description', message: `must not contain any of > ! < " & ' = (found ${c})` }],
    ]),
    [
      'databases for MySQL',
      { engine: 'mysql', instanceId: 'i', databases: ['a'] },
      [
        {
          field: 'databases',
          message: 'is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
        },
      ],
    ],
    [
      'databases for DDS',
      { ...valid, databases: ['a'] },
      [
        {
          field: 'databases',
          message: 'is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
        },
      ],
    ],
    [
      'an empty database list',
      { engine: 'sqlserver', instanceId: 'i', databases: [] },
      [{ field: 'databases', message: 'must list at least one database when given' }],
    ],
    [
      'databases that are not a list',
      { engine: 'sqlserver', instanceId: 'i', databases: 'a,b' },
      [{ field: 'databases', message: 'must be a list of database names' }],
    ],
    [
      'a duplicate database',
      { engine: 'sqlserver', instanceId: 'i', databases: ['a', { name: 'a' }, 'b'] },
      [{ field: 'databases', message: 'must not list a database twice ("a")' }],
    ],
    [
      'an empty database name',
      { engine: 'sqlserver', instanceId: 'i', databases: ['a', ''] },
      [{ field: 'databases[1]', message: 'must not be empty' }],
    ],
    [
      'a database object with another field',
      { engine: 'sqlserver', instanceId: 'i', databases: [{ name: 'a', size: 1 }] },
      [{ field: 'databases[0]', message: 'must be a database name or an object {"name": "<database>"}' }],
    ],
    [
      'a numeric database',
      { engine: 'sqlserver', instanceId: 'i', databases: [7] },
      [{ field: 'databases[0]', message: 'must be a database name or an object {"name": "<database>"}' }],
    ],
    [
      'backupDatabasesIndividually without databases',
      { engine: 'sqlserver', instanceId: 'i', backupDatabasesIndividually: true },
      [
        {
          field: 'backupDatabasesIndividually',
          message: 'needs databases: the list of databases to back up one by one',
        },
      ],
    ],
    [
      'backupDatabasesIndividually for MySQL',
      { engine: 'mysql', instanceId: 'i', backupDatabasesIndividually: true },
      [
        {
          field: 'backupDatabasesIndividually',
          message: 'is supported only with engine sqlserver or postgresql, on RDS API v3',
        },
        {
          field: 'backupDatabasesIndividually',
          message: 'needs databases: the list of databases to back up one by one',
        },
      ],
    ],
    [
      'backupDatabasesIndividually for DDS, with databases',
      { ...valid, databases: ['a'], backupDatabasesIndividually: true },
      [
        {
          field: 'databases',
          message: 'is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
        },
        {
          field: 'backupDatabasesIndividually',
          message: 'is supported only with engine sqlserver or postgresql, on RDS API v3',
        },
      ],
    ],
    [
      'backupDatabasesIndividually that is not a boolean',
      { engine: 'sqlserver', instanceId: 'i', databases: ['a'], backupDatabasesIndividually: 'yes' },
      [{ field: 'backupDatabasesIndividually', message: 'must be true or false' }],
    ],
    [
      'a misspelt backupDatabasesIndividually',
      { engine: 'sqlserver', instanceId: 'i', databases: ['a'], backupDatabaseIndividually: true },
      [
        {
          field: 'backupDatabaseIndividually',
          message: 'is not a known field (did you mean "backupDatabasesIndividually"?)',
        },
      ],
    ],
    [
      'a database object with an own __proto__',
      { ...sqlServer, databases: [nameAndProto] },
      [{ field: 'databases[0]', message: 'must be a database name or an object {"name": "<database>"}' }],
    ],
    [
      'a 129-character database name',
      { ...sqlServer, databases: ['d'.repeat(129)] },
      [{ field: 'databases[0]', message: 'must be at most 128 characters long (it has 129)' }],
    ],
    [
      '101 databases',
      { ...sqlServer, databases: Array.from({ length: 101 }, (_, i) => `db${i}`) },
      [{ field: 'databases', message: 'must list at most 100 databases (it lists 101)' }],
    ],
    ['an unknown field', { ...valid, region: 'x' }, [{ field: 'region', message: 'is not a known field' }]],
    [
      'a misspelt field',
      { ...valid, descripton: 'x' },
      [{ field: 'descripton', message: 'is not a known field (did you mean "description"?)' }],
    ],
    ...['__proto__', 'constructor', 'prototype'].map((field): [string, unknown, FieldProblem[]] => [
      `an own "${field}" field, as JSON.parse makes it`,
      JSON.parse(`{"engine":"dds","instanceId":"i","${field}":{"engine":"mysql"}}`),
      [{ field, message: 'is not a known field' }],
    ]),
  ])('%s', (_, input, expected) => {
    expect(problemsOf(input)).toEqual(expected);
  });

  it('names every problem at once', () => {
    const problems = problemsOf({
      engine: 'oracle',
      instanceId: '',
      name: '1',
      description: '<',
      databases: ['a'],
      extra: true,
    });
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['description', 'engine', 'extra', 'instanceId', 'name', 'name'].sort(),
    );
  });
});

describe('unified request: bounded, whatever is sent', () => {
  const unknownFields = (count: number, nameOf = (i: number) => `field${i}`) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [nameOf(i), 0]));

  it('names the first 20 problems and counts the rest', () => {
    const problems = problemsOf({ ...valid, ...unknownFields(200_000) });
    expect(problems).toHaveLength(21);
    expect(problems[19]).toEqual({ field: 'field19', message: 'is not a known field' });
    expect(problems[20]).toEqual({ field: '', message: 'and 199980 more problems' });
  });

  it('refuses 200,000 databases by their number, without a problem per entry', () => {
    const databases = Array.from({ length: 200_000 }, () => '');
    expect(problemsOf({ engine: 'sqlserver', instanceId: 'i', databases })).toEqual([
      { field: 'databases', message: 'must list at most 100 databases (it lists 200000)' },
    ]);
  });

  it('quotes only an excerpt of a long unknown field, and looks for no suggestion in it', () => {
    const field = `descripton${'x'.repeat(100_000)}`;
    expect(problemsOf({ ...valid, [field]: 1 })).toEqual([
      { field: `descripton${'x'.repeat(30)}…`, message: 'is not a known field' },
    ]);
  });

  it('lists at most ten of the characters a name must not have', () => {
    const quoted = (characters: string) => [...characters].map((c) => `"${c}"`).join(', ');
    const name = `a${Array.from({ length: 1000 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('')}`;
    const [, characters] = problemsOf({ ...valid, name });
    expect(characters.message).toBe(
      `may contain only ASCII letters, digits, '-' and '_' (found ${quoted('一丁丂七丄丅丆万丈三')}, …)`,
    );
  });

  it('quotes a repeated database name as an excerpt', () => {
    const long = 'd'.repeat(100);
    expect(problemsOf({ engine: 'sqlserver', instanceId: 'i', databases: [long, long] })).toEqual([
      { field: 'databases', message: `must not list a database twice ("${'d'.repeat(40)}…")` },
    ]);
  });

  it('counts a key in characters, as it reports it', () => {
    const [problem] = problemsOf({ ...valid, idempotencyKey: '😀'.repeat(65) });
    expect(problem.message).toBe(`may contain only ASCII letters, digits, '-', '_', '.' and ':' (found "😀")`);
  });
});
