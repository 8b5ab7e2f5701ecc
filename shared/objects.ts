/**
 * The fields that have a value: optional fields that were not given stay out of an object (and of the JSON
 * sent upstream or answered), rather than standing there as `undefined`.
 *
 * @example
 * definedFields({ name: 'bk-01', description: undefined }) // → { name: 'bk-01' }
 */
export function definedFields<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * A JSON object: not null, not an array.
 *
 * @example
 * isRecord({ backup_id: 'b-1' }) // → true; isRecord([]) // → false
 */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
