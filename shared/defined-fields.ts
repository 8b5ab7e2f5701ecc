/**
 * The fields that have a value: optional fields that were not given stay out of an object (and of the JSON
 * sent upstream or answered), rather than standing there as `undefined`.
 *
 * @example
 * definedFields({ name: 'bk-01', description: undefined }) // → { name: 'bk-01' }
 */
export function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
