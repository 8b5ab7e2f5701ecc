import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/**
 * What `npm start` shows of serverless-offline's output. trackBackups runs every few seconds there; a run that
 * found nothing to check would print two lines each time and bury the `[event]` lines a person is watching for.
 * So the lines of such runs are left out; everything else, a run that checked something or failed included, is
 * passed on unchanged.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what marks an ANSI colour code.
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;
/** serverless-offline's line after each invocation: `(λ: trackBackups) RequestId: 1c55…  Duration: 76.65 ms …`. */
const TRACKER_DURATION = /^\(λ: trackBackups\) RequestId: \S+\s+Duration: /;
/** serverless-offline's line after each run of the minute schedule it runs itself. */
const TRACKER_SCHEDULED = /^Successfully invoked scheduled function: \[trackBackups\]$/;
const RUN_COUNTS = ['checked', 'changed', 'lookupsSettled', 'upstreamCalls', 'failedInstances'];

function isIdleRunSummary(line: string): boolean {
  if (!line.startsWith('{') || !line.includes('"tracking run done"')) return false;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  const idle = RUN_COUNTS.every((count) => entry[count] === 0);
  return entry.message === 'tracking run done' && entry.level === 'INFO' && idle;
}

/**
 * Whether `npm start` shows a line of serverless-offline's output.
 *
 * @example
 * showOfflineLine('(λ: trackBackups) RequestId: 1c55…  Duration: 76.65 ms  Billed Duration: 77 ms') // → false
 * showOfflineLine('{"level":"INFO","message":"tracking run done",…,"checked":1,"changed":1,…}')        // → true
 * showOfflineLine('GET /backups/4944…br02 (λ: getBackup)')                                           // → true
 */
export function showOfflineLine(line: string): boolean {
  const plain = line.replace(ANSI_ESCAPE, '').trim();
  return !(TRACKER_DURATION.test(plain) || TRACKER_SCHEDULED.test(plain) || isIdleRunSummary(plain));
}

/** Passes `from` on to `to` line by line, leaving out what {@link showOfflineLine} hides. */
export function passOfflineOutput(from: Readable, to: Writable): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    if (showOfflineLine(line)) to.write(`${line}\n`);
  });
}
