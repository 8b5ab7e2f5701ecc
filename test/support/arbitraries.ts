import fc from 'fast-check';

/** Generators of unified requests for property tests: valid ones, and ones that are anything but. */
const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
const nameChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

export const validName = fc.tuple(letter, fc.array(nameChar, { minLength: 3, maxLength: 63 })).map(([first, rest]) => first + rest.join(''));
export const validDescription = fc
  .string({ unit: 'grapheme', maxLength: 256 })
  .map((text) => text.replace(/[>!<"&'=]/g, ''))
  .filter((text) => [...text].length <= 256);
const instanceId = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme-ascii' }).filter((id) => id.trim() !== '');
const engineSpelling = (engine: string) => fc.constantFrom(engine, engine.toUpperCase(), engine[0].toUpperCase() + engine.slice(1));

/** A request every documented rule accepts, for every engine and every accepted spelling. */
export const validRequest = fc.oneof(
  fc.record(
    { engine: engineSpelling('dds'), instanceId, name: validName, description: validDescription },
    { requiredKeys: ['engine', 'instanceId'] },
  ),
  fc.record(
    { engine: fc.constantFrom('mysql', 'postgresql').chain(engineSpelling), instance: instanceId, name: validName, description: validDescription },
    { requiredKeys: ['engine', 'instance'] },
  ),
  fc.record(
    {
      engine: engineSpelling('sqlserver'),
      instance_id: instanceId,
      name: validName,
      description: validDescription,
      databases: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' }).filter((db) => db.trim() !== ''), { minLength: 1, maxLength: 5 }),
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
