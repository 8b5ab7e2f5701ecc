/**
 * How the gateway measures and quotes text a caller sent: lengths in code points (what a person calls
 * characters), and never more than a short excerpt of it in an answer or a log line.
 */

/** The longest excerpt of a caller's text that an answer or a log line quotes. */
export const EXCERPT_MAX_CHARACTERS = 40;

/**
 * The number of code points: "é" and "😀" count one each, as a person counts them.
 *
 * @example
 * codePointCount('café😀') // → 5 (its UTF-16 length is 6)
 */
export function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const startsPair = unit >= 0xd800 && unit <= 0xdbff;
    const next = text.charCodeAt(i + 1);
    if (startsPair && next >= 0xdc00 && next <= 0xdfff) i++;
    count++;
  }
  return count;
}

/**
 * The text itself when it is short, else its first {@link EXCERPT_MAX_CHARACTERS} code points and "…". Reads
 * only the start of the text, however long it is.
 *
 * @example
 * excerpt('x'.repeat(100_000)) // → 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'
 */
export function excerpt(text: string, maxCharacters = EXCERPT_MAX_CHARACTERS): string {
  // A code point takes at most two UTF-16 units, so this slice holds at least maxCharacters of them when it can.
  const head = [...text.slice(0, 2 * maxCharacters)];
  const cut = head.length > maxCharacters || text.length > 2 * maxCharacters;
  return cut ? `${head.slice(0, maxCharacters).join('')}…` : text;
}

/**
 * The distinct items of a list for a message, each quoted as JSON, at most `max` of them and "…" after.
 *
 * @example
 * quotedList(['ä', ' ', 'ä', '.']) // → '"ä", " ", "."'
 */
export function quotedList(items: Iterable<string>, max = 10): string {
  const distinct = new Set<string>();
  let more = false;
  for (const item of items) {
    if (distinct.has(item)) continue;
    if (distinct.size === max) {
      more = true;
      break;
    }
    distinct.add(item);
  }
  const quoted = [...distinct].map((item) => JSON.stringify(excerpt(item)));
  return more ? `${quoted.join(', ')}, …` : quoted.join(', ');
}
