import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../local/json-syntax';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('jsonSyntaxError', () => {
  it('finds nothing wrong in any JSON text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.jsonValue().map((value) => JSON.stringify(value, null, '\t')),
        ),
        (text) => {
          expect(jsonSyntaxError(text)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with JSON.parse on what is JSON, for JSON with one character changed, cut or added', () => {
    const spoiled = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '\\', '-', '0'))
      .map(([text, at, character]) => {
        const cut = at % (text.length + 1);
        return text.slice(0, cut) + character + text.slice(cut + (character === '' ? 1 : 0));
      });
    fc.assert(
      fc.property(fc.oneof(spoiled, fc.string()), (text) => {
        expect(jsonSyntaxError(text) === undefined, text).toBe(parses(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['a trailing comma', '{"engine":"dds",}', 16, '"}"'],
    ['a missing comma', '{"name":"x" "description":"y"}', 12, '"\\""'],
    ['an unquoted name', '{engine:1}', 1, '"e"'],
    ['a cut-off object', '{"engine":"dds"', 15, 'end of input'],
    ['nothing at all', '', 0, 'end of input'],
    ['a misspelt literal', '[tru]', 4, '"]"'],
    ['a control character in a string', '["a\u0001"]', 3, '"\\u0001"'],
    ['text after the value', '{"a":1}}', 7, '"}"'],
  ])('places %s', (_, text, offset, found) => {
    expect(jsonSyntaxError(text)).toEqual({ offset, found });
  });
});
