import fc from 'fast-check';

/** Generators of unified requests for property tests: valid ones, and ones that are anything but. */
const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
const nameChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

export const validName = fc
  .tuple(letter, fc.array(nameChar, { minLength: 3, maxLength: 63 }))
  .map(([first, rest]) => first + rest.join(''));
export const validDescription = fc
  .string({ unit: 'grapheme', maxLength: 256 })
  .map((text) => text.replace(/[>!<"&'=]/g, ''))
  .filter((text) => [...text].length <= 256);
const instanceId = fc
  .string({ minLength: 1, maxLength: 64, unit: 'grapheme-ascii' })
  .filter((id) => id !== '' && id.trim() === id);
const engineSpelling = (engine: string) =>
  fc.constantFrom(engine, engine.toUpperCase(), engine[0].toUpperCase() + engine.slice(1));

/** A request every documented rule accepts, for every engine and every accepted spelling. */
export const validRequest = fc.oneof(
  fc.record(
    { engine: engineSpelling('dds'), instanceId, name: validName, description: validDescription },
    { requiredKeys: ['engine', 'instanceId'] },
  ),
  fc.record(
    {
      engine: fc.constantFrom('mysql', 'postgresql').chain(engineSpelling),
      instance: instanceId,
      name: validName,
      description: validDescription,
    },
    { requiredKeys: ['engine', 'instance'] },
  ),
  fc.record(
    {
      engine: engineSpelling('sqlserver'),
      instance_id: instanceId,
      name: validName,
      description: validDescription,
      databases: fc.uniqueArray(
        fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' }).filter((db) => db.trim() !== ''),
        { minLength: 1, maxLength: 5 },
      ),
    },
    { requiredKeys: ['engine', 'instance_id'] },
  ),
);

/** Anything JSON can say, biased towards objects that look almost like a request. */
export const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      engine: fc.oneof(fc.constantFrom('dds', 'MySQL', 'postgresql', 'sqlserver', 'oracle', ''), fc.jsonValue()),
      instanceId: fc.oneof(instanceId, fc.jsonValue()),
      instance: fc.oneof(instanceId, fc.jsonValue()),
      name: fc.oneof(validName, fc.string(), fc.jsonValue()),
      description: fc.oneof(validDescription, fc.string(), fc.jsonValue()),
      databases: fc.oneof(fc.array(fc.oneof(fc.string(), fc.record({ name: fc.string() }))), fc.jsonValue()),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

type Fields = Record<string, unknown>;
const instanceKeyOf = (request: Fields): string =>
  ['instanceId', 'instance', 'instance_id'].find((key) => key in request) as string;

/**
 * One broken rule applied to a valid request, so that the result is invalid by construction (no oracle needed):
 * each entry names the rule it breaks.
 */
const breakings: Array<[rule: string, fc.Arbitrary<(request: Fields) => unknown>]> = [
  ['unknown engine', fc.constantFrom('oracle', '', 'dds ', 'mongo').map((engine) => (r: Fields) => ({ ...r, engine }))],
  ['engine not a string', fc.constantFrom(42, null, true, ['dds']).map((engine) => (r: Fields) => ({ ...r, engine }))],
  ['no engine', fc.constant(({ engine: _, ...rest }: Fields) => rest)],
  [
    'no instance',
    fc.constant((r: Fields) => Object.fromEntries(Object.entries(r).filter(([key]) => key !== instanceKeyOf(r)))),
  ],
  [
    'blank instance',
    fc.constantFrom('', ' ', '\t\n').map((blank) => (r: Fields) => ({ ...r, [instanceKeyOf(r)]: blank })),
  ],
  [
    'two different instances',
    fc.constant((r: Fields) => ({
      ...r,
      [instanceKeyOf(r) === 'instance' ? 'instanceId' : 'instance']: `${String(r[instanceKeyOf(r)])}-other`,
    })),
  ],
  [
    'name starting with a digit',
    fc.tuple(fc.integer({ min: 0, max: 9 }), validName).map(([digit, name]) => (r: Fields) => ({
      ...r,
      name: `${digit}${name.slice(1)}`,
    })),
  ],
  ['name too short', fc.constantFrom('abc', 'a', '').map((name) => (r: Fields) => ({ ...r, name }))],
  [
    'name too long',
    fc.integer({ min: 65, max: 80 }).map((length) => (r: Fields) => ({ ...r, name: 'b'.repeat(length) })),
  ],
  [
    'name with a character outside the rule',
    fc.tuple(validName, fc.constantFrom(' ', '.', 'é', '/', '😀')).map(([name, bad]) => (r: Fields) => ({
      ...r,
      name: `${name.slice(0, 30)}${bad}x`,
    })),
  ],
  [
    'description with a forbidden character',
    fc.tuple(validDescription, fc.constantFrom(...'>!<"&\'='), fc.nat()).map(([text, bad, at]) => (r: Fields) => {
      const chars = [...text].slice(0, 200);
      chars.splice(at % (chars.length + 1), 0, bad);
      return { ...r, description: chars.join('') };
    }),
  ],
  [
    'description too long',
    fc.integer({ min: 257, max: 300 }).map((length) => (r: Fields) => ({ ...r, description: 'é'.repeat(length) })),
  ],
  [
    'databases empty or repeated',
    fc
      .constantFrom([], ['a', 'a'], [''], [{ name: 'a', extra: 1 }])
      .map((databases) => (r: Fields) => ({ ...r, engine: 'sqlserver', databases })),
  ],
  [
    'databases on an engine without them',
    fc
      .constantFrom('dds', 'mysql', 'postgresql')
      .map((engine) => (r: Fields) => ({ ...r, engine, databases: ['sales'] })),
  ],
  [
    'invalid idempotency key',
    fc
      .constantFrom('has space', '', 'k'.repeat(129), 'ключ')
      .map((idempotencyKey) => (r: Fields) => ({ ...r, idempotencyKey })),
  ],
  [
    'unknown field',
    fc.constantFrom('colour', 'instanceID', 'backup', 'Name').map((field) => (r: Fields) => ({ ...r, [field]: 'x' })),
  ],
  // Encoded twice, so that it is still text after the one decoding an EventBridge detail given as text gets.
  [
    'not an object',
    fc.constantFrom(
      (r: Fields) => [r],
      () => null,
      (r: Fields) => JSON.stringify(JSON.stringify(r)),
      () => 42,
    ),
  ],
];

/** `{ rule, body }`: a request that breaks exactly the named rule (the body is JSON-ready). */
export const brokenRequest = fc
  .tuple(validRequest, fc.constantFrom(...breakings.map(([rule]) => rule)))
  .chain(([request, rule]) =>
    breakings.find(([name]) => name === rule)![1].map((breakIt) => ({ rule, body: breakIt(request as Fields) })),
  );
