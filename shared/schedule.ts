import { concurrencyLimit } from './concurrency';
import { isIdempotencyKey, utcStamp, validateBackupRequest, type BackupRequest } from './domain/backup-request';
import type { BackupResult } from './domain/engine-mapping';
import {
  ConfigurationError,
  GatewayError,
  InvalidRequestError,
  ScheduledBackupsFailedError,
  type FailedTarget,
} from './errors';
import { logFailure } from './failure-log';
import type { RequestBackup } from './request-backup';
import { logger } from './logger';
import { isRecord } from './objects';
import { excerpt } from './text';

/**
 * The schedule adapter: on each tick, one backup per configured target, named after the scheduled time and
 * keyed by the tick's event id, so that the platform's retry of a partly failed run creates only what is missing.
 */

/** A configured target: a request without name and key, which each run derives. */
export interface ScheduleTarget {
  request: Omit<BackupRequest, 'name' | 'idempotencyKey'>;
  /** The name's first part; the engine when absent. */
  namePrefix?: string;
}

export interface ScheduledRun {
  scheduledTime: string;
  backups: BackupResult[];
}

/**
 * Upstream calls one run makes at once: enough for a maintenance window's list of up to 25 instances to finish in
 * about one round-trip, bounded so that a long list does not burst the tenant's API limits.
 */
export const MAX_CONCURRENT_TARGETS = 25;

const TARGET_FIELDS = ['engine', 'instanceId', 'namePrefix', 'description', 'databases', 'backupDatabasesIndividually'];
/** Stands in for a real tick when checking at cold start that every name and key a run will build is valid. */
const SAMPLE_TIME = new Date('2026-01-01T00:00:00Z');
const SAMPLE_EVENT_ID = '00000000-0000-0000-0000-000000000000';

/**
 * `<namePrefix or engine>-<UTC yyyyMMdd-HHmm of the scheduled time>`.
 *
 * @example
 * scheduledBackupName('nightly', new Date('2026-11-24T02:00:00Z')) // → 'nightly-20261124-0200'
 */
export const scheduledBackupName = (prefix: string, scheduledTime: Date): string =>
  `${prefix}-${utcStamp(scheduledTime).slice(0, 13)}`;

/** The same for a tick's retries, different between ticks and between the targets of one tick. */
const tickKey = (eventId: string, instanceId: unknown): string => `${eventId}:${String(instanceId)}`;

const requestFor = (target: ScheduleTarget, eventId: string, scheduledTime: Date): BackupRequest => ({
  ...target.request,
  name: scheduledBackupName(target.namePrefix ?? target.request.engine, scheduledTime),
  idempotencyKey: tickKey(eventId, target.request.instanceId),
});

/** Checks one entry with the unified request's rules, including the name and key a run would build from it. */
function checkTarget(entry: unknown): { target?: ScheduleTarget; problems: string[] } {
  if (!isRecord(entry)) {
    const optional = '"namePrefix"?, "description"?, "databases"?, "backupDatabasesIndividually"?';
    return { problems: [`must be an object {"engine", "instanceId", ${optional}}`] };
  }
  const unknown = Object.keys(entry).filter((field) => !TARGET_FIELDS.includes(field));
  if (unknown.length > 0)
    return { problems: [`${unknown.join(', ')}: not a target field (use ${TARGET_FIELDS.join(', ')})`] };
  const { namePrefix, ...request } = entry;
  if (namePrefix !== undefined && typeof namePrefix !== 'string') return { problems: ['namePrefix: must be a string'] };

  const sampleName = namePrefix === undefined ? undefined : scheduledBackupName(namePrefix, SAMPLE_TIME);
  try {
    const { name, idempotencyKey, ...checked } = validateBackupRequest({
      ...request,
      ...(sampleName && { name: sampleName }),
      idempotencyKey: tickKey(SAMPLE_EVENT_ID, request.instanceId),
    });
    return { target: { request: checked, ...(namePrefix !== undefined && { namePrefix }) }, problems: [] };
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    const explain = ({ field, message }: { field: string; message: string }) =>
      field === 'name'
        ? `namePrefix: makes names like "${sampleName}" that break the name rule: the name ${message}`
        : field === 'idempotencyKey'
          ? `instanceId: cannot be part of the idempotency key "<event id>:<instanceId>", which ${message}`
          : `${field}: ${message}`;
    return { problems: error.errors.map(explain) };
  }
}

/**
 * Reads `BACKUP_SCHEDULE_TARGETS`, a JSON array of `{"engine", "instanceId", "namePrefix"?, "description"?,
 * "databases"?, "backupDatabasesIndividually"?}`; throws a {@link ConfigurationError} naming every bad entry and
 * what is wrong with it. What only RDS v3 can do is refused when a run sends it, where the RDS API version is known.
 *
 * @example
 * loadScheduleTargets('[{"engine":"dds","instanceId":"a89d…in02","namePrefix":"nightly"}]')
 * // → [{ request: { engine: 'dds', instanceId: 'a89d…in02' }, namePrefix: 'nightly' }]
 */
export function loadScheduleTargets(targetsJson: string): ScheduleTarget[] {
  const fail = (problem: string) =>
    new ConfigurationError({ detail: `Invalid configuration: BACKUP_SCHEDULE_TARGETS ${problem}.` });
  const text = targetsJson.trim();
  if (!text) throw fail('is not set (a JSON array of targets, [] for none)');
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw fail(`is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(entries)) throw fail('must be a JSON array of targets');

  const problems: string[] = [];
  const targets: ScheduleTarget[] = [];
  const entryOf = new Map<string, number>();
  entries.forEach((entry, index) => {
    const { target, problems: own } = checkTarget(entry);
    const { engine, instanceId } = (entry ?? {}) as Record<string, unknown>;
    const label = `[${index}]${typeof instanceId === 'string' ? ` (${String(engine)} ${instanceId})` : ''}`;
    problems.push(...own.map((problem) => `${label} ${problem}`));
    if (!target) return;
    const earlier = entryOf.get(target.request.instanceId);
    if (earlier !== undefined)
      problems.push(`${label} instanceId: already targeted by entry [${earlier}]; one backup per instance and run`);
    entryOf.set(target.request.instanceId, index);
    targets.push(target);
  });
  if (problems.length > 0) throw fail(`has bad entries: ${problems.join('; ')}`);
  return targets;
}

/** The invocation a tick runs in: what stands in for an event's id and time when the event has no usable ones. */
export interface Invocation {
  /** The Lambda request id, which an asynchronous invocation's retries keep. */
  requestId: string;
  now: Date;
}

/**
 * How far a tick's time may be from the invocation's: the platform retries a failed run for up to 6 hours. A time
 * further off is a mistake, and one past the year 9999 would build names that break the name rule.
 */
const MAX_TICK_SKEW_MS = 24 * 60 * 60 * 1000;

/** An id no longer than the sample every target's key was checked with at cold start, and fit for a key itself. */
const isTickId = (id: unknown): id is string => isIdempotencyKey(id) && id.length <= SAMPLE_EVENT_ID.length;

/**
 * The tick's id and scheduled time: the event's own when usable, else the invocation's (a manual invocation's
 * `{}`, a rule with a constant input), and a warning that says which and why.
 */
function readTick(event: unknown, invocation: Invocation): { eventId: string; scheduledTime: Date } {
  const { id, time } = isRecord(event) ? event : {};
  const eventTime = new Date(typeof time === 'string' ? time : Number.NaN);
  // NaN, from a time that is missing or not a date, is never within the bound.
  const timeUsable = Math.abs(eventTime.getTime() - invocation.now.getTime()) <= MAX_TICK_SKEW_MS;
  const eventId = isTickId(id) ? id : invocation.requestId;
  const scheduledTime = timeUsable ? eventTime : invocation.now;
  const quoted = (value: unknown) => JSON.stringify(excerpt(String(value)));
  const problems: string[] = [];
  if (!isTickId(id)) {
    problems.push(id === undefined ? 'it has no id' : `its id ${quoted(id)} cannot be part of an idempotency key`);
  }
  if (!timeUsable) {
    problems.push(time === undefined ? 'it has no time' : `its time ${quoted(time)} is not a date within a day of now`);
  }
  if (problems.length > 0) {
    logger.warn("scheduled event not used as it is: the invocation's own request id or time stands in", {
      problems,
      scheduledEventId: eventId,
      scheduledTime: scheduledTime.toISOString(),
    });
  }
  return { eventId, scheduledTime };
}

/**
 * Requests every target's backup for one tick, concurrently within a bound; one failing target does not stop the
 * others. Throws a {@link ScheduledBackupsFailedError} naming each failed target when any failed.
 *
 * @example
 * const invocation = { requestId: context.awsRequestId, now: new Date() };
 * await runScheduledBackups(scheduledEvent(), loadScheduleTargets(), requestBackup, deadline, invocation);
 * // → { scheduledTime: '2026-11-24T02:00:00.000Z', backups: [{ backupId: '…', name: 'nightly-20261124-0200', … }] }
 */
export async function runScheduledBackups(
  event: unknown,
  targets: ScheduleTarget[],
  requestBackup: RequestBackup,
  deadline: number,
  invocation: Invocation,
): Promise<ScheduledRun> {
  const { eventId, scheduledTime } = readTick(event, invocation);
  const limit = concurrencyLimit(MAX_CONCURRENT_TARGETS);
  const outcomes = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const { engine, instanceId } = target.request;
        const logContext = { scheduledEventId: eventId, engine, instanceId };
        try {
          return {
            result: await requestBackup(requestFor(target, eventId, scheduledTime), deadline, {
              via: 'schedule',
              scheduledEventId: eventId,
            }),
          };
        } catch (error) {
          logFailure(error, logContext);
          const { code, detail } =
            error instanceof GatewayError ? error : { code: 'internal_error', detail: 'unexpected error' };
          return { failed: { engine, instanceId, code, detail } satisfies FailedTarget };
        }
      }),
    ),
  );
  const failed = outcomes.flatMap((outcome) => (outcome.failed ? [outcome.failed] : []));
  if (failed.length > 0) throw new ScheduledBackupsFailedError({ failed, total: targets.length });
  const backups = outcomes.flatMap((outcome) => (outcome.result ? [outcome.result] : []));
  logger.info('scheduled backups requested', { scheduledEventId: eventId, count: backups.length });
  return { scheduledTime: scheduledTime.toISOString(), backups };
}
