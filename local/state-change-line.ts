import { isRecord } from '../shared/objects';
import { excerpt } from '../shared/text';
import type { PutEventsEntry } from './eventbridge';

/**
 * One readable line for an event the local EventBridge stand-in received, as `npm start` prints it: the time it
 * arrived, the change of status, engine, instance (shortened), backup id (whole, to paste into
 * `npm run backup -- status <id>`) and name, then the size or the reason when the event has them.
 */
const STATE_CHANGE = 'Backup State Change';
/** Wide enough for the longest change, `BUILDING → COMPLETED`, so that the columns after it line up. */
const CHANGE_WIDTH = 20;
const MAX_QUOTED = 80;

const twoDigits = (n: number): string => String(n).padStart(2, '0');

/** `00:12:03`, in the machine's time zone: the clock of the person watching. */
export const clockTime = (at: Date): string =>
  `${twoDigits(at.getHours())}:${twoDigits(at.getMinutes())}:${twoDigits(at.getSeconds())}`;

/** Huawei's generated ids: 32 hexadecimal digits (or a UUID) and a suffix such as `in02`. */
const GENERATED_ID = /^[0-9a-f][0-9a-f-]{27,}([a-z]{2}\d{2})?$/i;

/** `a89dab5e39394eccbdb77b19d57b0180in02` → `a89d…in02`; an id a person chose (`orders-db-in01`) stays whole. */
const shortId = (id: string): string => (GENERATED_ID.test(id) ? `${id.slice(0, 4)}…${id.slice(-4)}` : id);

const quoted = (text: string): string => JSON.stringify(excerpt(text, MAX_QUOTED));

/**
 * @example
 * stateChangeLine({ Source: 'backup-gateway', DetailType: 'Backup State Change', Detail: '{"backupId":"6a…br02",
 *   "engine":"dds","instanceId":"a89dab5e39394eccbdb77b19d57b0180in02","name":"before-upgrade","status":"COMPLETED",
 *   "previousStatus":"BUILDING","sizeKB":2048}' }, new Date(2026, 10, 26, 0, 12, 3))
 * // → '[event] 00:12:03 BUILDING → COMPLETED  dds a89d…in02  backup 6a…br02 (before-upgrade)  2048 KB'
 */
export function stateChangeLine(entry: PutEventsEntry, at: Date): string {
  const head = `[event] ${clockTime(at)}`;
  if (entry.DetailType !== STATE_CHANGE) {
    return `${head} ${quoted(String(entry.DetailType))} from ${quoted(String(entry.Source))}`;
  }
  let detail: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(entry.Detail);
    if (!isRecord(parsed)) throw new TypeError('not an object');
    detail = parsed;
  } catch {
    return `${head} ${STATE_CHANGE} whose Detail is not a JSON object: ${quoted(String(entry.Detail))}`;
  }
  const text = (key: string): string | undefined => {
    const value = detail[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  // A creation has no previous status (`previousStatus: null`).
  const change = `${text('previousStatus') ?? 'new'} → ${text('status') ?? '?'}`.padEnd(CHANGE_WIDTH);
  const name = text('name');
  const parts = [
    `${head} ${change}`,
    `${text('engine') ?? text('service') ?? '?'} ${shortId(text('instanceId') ?? '?')}`,
    `backup ${text('backupId') ?? '?'}${name ? ` (${name})` : ''}`,
  ];
  if (typeof detail.sizeKB === 'number') parts.push(`${detail.sizeKB} KB`);
  const reason = text('reason');
  if (reason) parts.push(`reason: ${reason}`);
  const line = parts.join('  ');
  return entry.Source === 'backup-gateway' ? line : `${line}  (source ${quoted(String(entry.Source))})`;
}
