/**
 * Where a text stops being JSON (RFC 8259), for messages that point at the mistake: `JSON.parse` says where
 * only for some mistakes ("… in JSON at position 16"), and for others quotes the text instead.
 */
export interface JsonSyntaxError {
  /** The UTF-16 offset of the first character that no JSON text could have there (the length at a cut-off end). */
  offset: number;
  /** What is there: the character as a JSON string (`"}"`), or `end of input`. */
  found: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPABLE = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const LITERALS = ['true', 'false', 'null'];

/** Thrown to unwind from any depth to the one place that reports the error. */
class Stop extends Error {}

/**
 * The first syntax error of `text`, or `undefined` when it is JSON.
 *
 * @example
 * jsonSyntaxError('{"engine":"dds",}') // → { offset: 16, found: '"}"' }
 * jsonSyntaxError('{"engine":"dds"') // → { offset: 15, found: 'end of input' }
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const stop = (): never => {
    throw new Stop();
  };
  const skipWhitespace = () => {
    while (WHITESPACE.has(text[at])) at++;
  };
  const expect = (character: string) => (text[at] === character ? at++ : stop());
  const matchAt = (pattern: RegExp) => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) stop();
    at = pattern.lastIndex;
  };

  const string = () => {
    expect('"');
    while (text[at] !== '"') {
      if (at >= text.length || text[at] < ' ') stop();
      if (text[at++] !== '\\') continue;
      if (ESCAPABLE.has(text[at])) {
        at++;
      } else {
        expect('u');
        matchAt(HEX4);
      }
    }
    at++;
  };
  // Members of an object or items of an array, after the opening bracket, up to and with the closing one.
  const members = (close: '}' | ']', member: () => void) => {
    skipWhitespace();
    if (text[at] === close) return void at++;
    for (;;) {
      member();
      skipWhitespace();
      if (text[at] === close) return void at++;
      expect(',');
    }
  };
  const value = (): void => {
    skipWhitespace();
    const first = text[at];
    if (first === '{') {
      at++;
      members('}', () => {
        skipWhitespace();
        string();
        skipWhitespace();
        expect(':');
        value();
      });
      return;
    }
    if (first === '[') {
      at++;
      members(']', value);
      return;
    }
    if (first === '"') {
      string();
      return;
    }
    const literal = LITERALS.find((word) => word[0] === first);
    // Letter by letter, so that `tru` or `nul!` is reported where it goes wrong.
    if (literal) for (const letter of literal) expect(letter);
    else matchAt(NUMBER);
  };

  try {
    value();
    skipWhitespace();
    if (at < text.length) stop();
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return { offset: at, found: at < text.length ? JSON.stringify(text[at]) : 'end of input' };
  }
}
