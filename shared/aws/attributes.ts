/**
 * JSON-like values to DynamoDB attribute values and back: the ledger stores plain records.
 */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] };
export type Item = Record<string, AttributeValue>;

/**
 * @example
 * toAttribute({ backupId: 'b-1', jobIds: [] }) // → { M: { backupId: { S: 'b-1' }, jobIds: { L: [] } } }
 */
export function toAttribute(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  return { M: toItem(value as Record<string, unknown>) };
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if ('S' in attribute) return attribute.S;
  if ('N' in attribute) return Number(attribute.N);
  if ('BOOL' in attribute) return attribute.BOOL;
  if ('NULL' in attribute) return null;
  if ('L' in attribute) return attribute.L.map(fromAttribute);
  return fromItem(attribute.M);
}

/** An object's defined fields as an item; `undefined` fields stay out. */
export const toItem = (record: Record<string, unknown>): Item =>
  Object.fromEntries(
    Object.entries(record)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, toAttribute(value)]),
  );

export const fromItem = (item: Item): Record<string, unknown> =>
  Object.fromEntries(Object.entries(item).map(([key, value]) => [key, fromAttribute(value)]));
