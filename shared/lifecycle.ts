import type { IdempotencyStore } from './aws/idempotency-store';
import type { PublishStateChange } from './aws/events';
import type { Ledger, PendingLookup } from './aws/ledger';
import { concurrencyLimit } from './concurrency';
import { isFinal, type BackupRecord } from './domain/backup-record';
import type { BackupIdentity, BackupResult, Service } from './domain/engine-mapping';
import { listAllBackups, type UpstreamBackup } from './huawei/backup-list';
import type { HuaweiClient } from './huawei/client';
import { logger } from './logger';

/**
 * Following a backup to its end: recording its creation, asking Huawei Cloud how it is doing, recording and
 * publishing every change, giving up after a while, and settling creates whose outcome was uncertain by
 * looking for the backup they may have made.
 */
export interface LifecycleSettings {
  /** A backup is asked about again once its last check is this old. */
  trackingIntervalSeconds: number;
  /** A backup still BUILDING this long after it was requested becomes UNKNOWN. */
  trackingTimeoutMinutes: number;
  /** How long an uncertain create is looked for before it counts as not created. */
  lookupWindowSeconds: number;
}

export interface Lifecycle {
  ledger: Ledger;
  publish: PublishStateChange;
  huawei: HuaweiClient;
  projectId: string;
  /** The idempotency records, where a settled lookup leaves its outcome for repeats of its key. */
  idempotency?: IdempotencyStore;
  settings: LifecycleSettings;
  now: () => number;
  /** Told when the tracker settles an uncertain create (the Slack follow-up tells the channel that asked). */
  onLookupSettled?: (lookup: PendingLookup, outcome: LookupOutcome) => Promise<void>;
}

/** Instances asked about at once by one tracking run: bounded, so that a long list does not burst API limits. */
export const MAX_CONCURRENT_INSTANCES = 10;
/** Clocks differ: a backup begun this long before its request was sent still counts as the request's. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Idempotency keys are stored under this prefix: the create claims them, a settled lookup writes them. */
export const IDEMPOTENCY_KEY_PREFIX = 'backup-gateway.createBackup#';

const iso = (at: number) => new Date(at).toISOString();

/**
 * Writes a new backup to the ledger and publishes its creation. A ledger that cannot be written does not undo
 * the backup: the failure is logged with all that is needed to find it, and the event still goes out.
 */
export async function recordCreated(lifecycle: Lifecycle, record: BackupRecord, deadline: number): Promise<void> {
  try {
    // A record that was there already has had its creation published by whoever wrote it.
    if (!(await lifecycle.ledger.create(record, deadline))) return;
  } catch (error) {
    logger.error('backup created but not recorded in the ledger', { record, error: error as Error });
  }
  await lifecycle.publish(record, null, deadline);
}

/** A created backup's first ledger record. */
export function recordOfResult(
  result: BackupResult,
  extra: Pick<BackupRecord, 'requestedAt' | 'requestedBy' | 'databases'>,
  now: number,
): BackupRecord {
  const { backupId, engine, service, instanceId, name, description, upstreamRequestId } = result;
  return {
    backupId,
    engine,
    service,
    instanceId,
    name,
    ...(description !== undefined && { description }),
    ...(extra.databases && { databases: extra.databases }),
    status: 'BUILDING',
    requestedAt: extra.requestedAt,
    requestedBy: extra.requestedBy,
    upstreamRequestId,
    checkedAt: iso(now),
  };
}

/** The changes an upstream answer makes to a record; `upstream` undefined: not listed (yet). */
function changesFrom(
  lifecycle: Lifecycle,
  record: BackupRecord,
  upstream: UpstreamBackup | undefined,
): Partial<BackupRecord> {
  const now = lifecycle.now();
  const changes: Partial<BackupRecord> = { checkedAt: iso(now) };
  if (upstream) {
    changes.status = upstream.status;
    if (upstream.beganAt) changes.startedAt = upstream.beganAt;
    if (upstream.endedAt && upstream.status !== 'BUILDING') changes.completedAt = upstream.endedAt;
    // Both services list a backup still building with size 0, and a failed one has no size worth telling: only a
    // completed backup's size counts.
    if (upstream.sizeKB !== undefined && upstream.status === 'COMPLETED') changes.sizeKB = upstream.sizeKB;
    if (upstream.status === 'FAILED') changes.reason = 'Huawei Cloud reports the backup as failed.';
  }
  const stillBuilding = (changes.status ?? record.status) === 'BUILDING';
  const giveUpAt = Date.parse(record.requestedAt) + lifecycle.settings.trackingTimeoutMinutes * 60_000;
  if (stillBuilding && now >= giveUpAt) {
    changes.status = 'UNKNOWN';
    changes.reason = upstream
      ? `Still BUILDING ${lifecycle.settings.trackingTimeoutMinutes} minutes after it was requested; no longer tracked.`
      : `Not listed by Huawei Cloud ${lifecycle.settings.trackingTimeoutMinutes} minutes after it was requested; no longer tracked.`;
  }
  return changes;
}

/**
 * Applies what Huawei Cloud said to a record: the ledger first (only if nobody changed it meanwhile), then the
 * event for a change of status. Returns the record as it now stands.
 */
async function apply(
  lifecycle: Lifecycle,
  record: BackupRecord,
  upstream: UpstreamBackup | undefined,
  deadline: number,
): Promise<BackupRecord> {
  const changes = changesFrom(lifecycle, record, upstream);
  const updated: BackupRecord = { ...record, ...changes };
  const changed = updated.status !== record.status;
  const won = await lifecycle.ledger.update(record.backupId, record.status, changes, deadline);
  if (!won) return (await lifecycle.ledger.get(record.backupId, deadline)) ?? updated;
  if (changed) {
    logger.info('backup status changed', {
      backupId: record.backupId,
      from: record.status,
      to: updated.status,
      instanceId: record.instanceId,
    });
    await lifecycle.publish(updated, record.status, deadline);
  }
  return updated;
}

/**
 * Asks Huawei Cloud about one backup now (the status API does when its record is stale). A failed read leaves
 * the record as it was.
 *
 * @example
 * const fresh = await refreshBackup(lifecycle, record, deadline); // → { …record, status: 'COMPLETED', completedAt, sizeKB }
 */
export async function refreshBackup(
  lifecycle: Lifecycle,
  record: BackupRecord,
  deadline: number,
): Promise<BackupRecord> {
  if (isFinal(record.status)) return record;
  try {
    const [upstream] = await listAllBackups(
      lifecycle.huawei,
      lifecycle.projectId,
      record.service,
      { instanceId: record.instanceId, backupId: record.backupId },
      deadline,
    );
    return await apply(lifecycle, record, upstream, deadline);
  } catch (error) {
    logger.warn('backup status could not be refreshed', { backupId: record.backupId, error: error as Error });
    return record;
  }
}

/** The backups an uncertain create may have made: the instance's backups of that name begun since the request. */
const candidatesFor = (lookup: Pick<PendingLookup, 'name' | 'requestedAt'>, backups: UpstreamBackup[]) =>
  backups.filter(
    (backup) =>
      backup.name === lookup.name &&
      (!backup.beganAt || Date.parse(backup.beganAt) >= Date.parse(lookup.requestedAt) - CLOCK_SKEW_MS),
  );

/**
 * The backup an uncertain create made, if it shows, and its ledger record when it has one already. A candidate the
 * ledger holds for another request is not it: DDS names need not be unique, and a retry under a new key that named
 * its backup like the first was answered with the first's backup, its own left untracked. A record with the
 * lookup's `requestedAt` is this lookup's own (settled before, its lookup not closed). A ledger that cannot be read
 * does not stop the look.
 */
async function madeBy(lifecycle: Lifecycle, lookup: PendingLookup, backups: UpstreamBackup[], deadline: number) {
  for (const backup of candidatesFor(lookup, backups)) {
    const recorded = await lifecycle.ledger.get(backup.id, deadline).catch(() => undefined);
    if (!recorded || recorded.requestedAt === lookup.requestedAt) return { backup, recorded };
  }
  return undefined;
}

/** The longest a Lambda invocation runs: an attempt that ended holding its key began at most this long before. */
const MAX_INVOCATION_MS = 15 * 60 * 1000;

/**
 * The backup an attempt that ended while holding its idempotency key may have made: the instance's newest backup
 * of the request's name, begun since that invocation could have started. The request's name comes from its key
 * (or is the caller's own), so a later attempt of the same request looks for the same name.
 *
 * @example
 * await backupOfAbandonedAttempt(lifecycle, { service: 'dds', instanceId, name }, heldUntil, deadline) // → { id, status, … } | undefined
 */
export async function backupOfAbandonedAttempt(
  lifecycle: Lifecycle,
  target: { service: Service; instanceId: string; name: string },
  heldUntil: number,
  deadline: number,
): Promise<UpstreamBackup | undefined> {
  const since = heldUntil - MAX_INVOCATION_MS;
  const listed = await listFor(lifecycle, target.service, target.instanceId, since, deadline);
  return candidatesFor({ name: target.name, requestedAt: iso(since) }, listed).at(-1);
}

/**
 * The unified answer for a backup found by looking rather than by the create's own answer: what the create would
 * have answered, with the status Huawei Cloud lists.
 */
export function resultOfFoundBackup(
  { engine, service, instanceId, name, description }: BackupIdentity,
  found: UpstreamBackup,
): BackupResult {
  return {
    backupId: found.id,
    engine,
    service,
    instanceId,
    name,
    ...(description !== undefined && { description }),
    status: found.status,
    jobIds: [],
    upstreamRequestId: null,
  };
}

export type LookupOutcome =
  | { kind: 'found'; result: BackupResult }
  | { kind: 'not-created' }
  | { kind: 'still-looking' };

/**
 * Settles one uncertain create against what Huawei Cloud lists: found → recorded as created (ledger, event, and
 * the idempotency record of its key, so a repeat gets `202` with it); not found once the window has passed →
 * recorded as not created (the key is freed, so a repeat runs again); otherwise still looking.
 */
export async function settleLookup(
  lifecycle: Lifecycle,
  lookup: PendingLookup,
  listed: UpstreamBackup[],
  deadline: number,
): Promise<LookupOutcome> {
  const made = await madeBy(lifecycle, lookup, listed, deadline);
  const key = lookup.idempotencyKey && `${IDEMPOTENCY_KEY_PREFIX}${lookup.idempotencyKey}`;
  const context = { instanceId: lookup.instanceId, name: lookup.name, idempotencyKey: lookup.idempotencyKey };
  if (made) {
    const found = made.backup;
    const result = resultOfFoundBackup(lookup, found);
    // Recorded (and announced) already when an earlier settle of this lookup could not close it: not again.
    const record = made.recorded ?? recordOfResult(result, lookup, lifecycle.now());
    if (!made.recorded) await recordCreated(lifecycle, record, deadline);
    // The backup exists whatever the ledger says: a ledger write that fails from here on is logged, never turned
    // into a failed look (which answered 502 to a caller whose backup exists, and left its key uncertain).
    const current = await apply(lifecycle, record, found, deadline).catch((error: Error) => {
      logger.error('backup found by looking but its status not recorded in the ledger', { record, error });
      return record;
    });
    if (key) await lifecycle.idempotency?.settle(key, 'COMPLETED', { ...result, status: current.status }, deadline);
    await lifecycle.ledger.closeLookup(lookup.lookupId, deadline).catch((error: Error) => {
      logger.error('backup found by looking but its lookup not closed in the ledger', {
        lookupId: lookup.lookupId,
        backupId: found.id,
        error,
      });
    });
    logger.info('uncertain create settled: the backup was created', { ...context, backupId: found.id });
    return { kind: 'found', result: { ...result, status: current.status } };
  }
  if (lifecycle.now() < Date.parse(lookup.lookUntil)) return { kind: 'still-looking' };
  if (key) await lifecycle.idempotency?.release(key, deadline);
  await lifecycle.ledger.closeLookup(lookup.lookupId, deadline);
  logger.info('uncertain create settled: no backup was created', context);
  return { kind: 'not-created' };
}

/** Lists an instance's backups over the window its backups and lookups need. */
function listFor(lifecycle: Lifecycle, service: Service, instanceId: string, since: number, deadline: number) {
  const window = { from: new Date(since - CLOCK_SKEW_MS), to: new Date(lifecycle.now() + CLOCK_SKEW_MS) };
  return listAllBackups(lifecycle.huawei, lifecycle.projectId, service, { instanceId, window }, deadline);
}

/**
 * Looks for an uncertain create's backup now; the tracker goes on looking when it is not found yet.
 *
 * @example
 * const outcome = await lookNow(lifecycle, lookup, deadline); // → { kind: 'found', result } | { kind: 'still-looking' }
 */
export async function lookNow(lifecycle: Lifecycle, lookup: PendingLookup, deadline: number): Promise<LookupOutcome> {
  let listed: UpstreamBackup[];
  try {
    listed = await listFor(lifecycle, lookup.service, lookup.instanceId, Date.parse(lookup.requestedAt), deadline);
  } catch (error) {
    // A list call that failed saw nothing: the caller opens the lookup and the tracker goes on looking. Thrown, it
    // kept the lookup from being opened, and the key answered 409 until its record expired.
    logger.warn('uncertain create could not be looked for at once; the tracker looks for it', {
      instanceId: lookup.instanceId,
      name: lookup.name,
      error: error as Error,
    });
    return { kind: 'still-looking' };
  }
  return settleLookup(lifecycle, lookup, listed, deadline);
}

export interface TrackingRun {
  checked: number;
  changed: number;
  lookupsSettled: number;
  upstreamCalls: number;
  failedInstances: number;
}

/** What one list call of a tracking run answers for: an instance's due backups and open lookups. */
interface InstanceGroup {
  service: Service;
  instanceId: string;
  backups: BackupRecord[];
  lookups: PendingLookup[];
}

/** At most this many records per run: a run must end in its time; the rest wait for the next. */
const MAX_RECORDS_PER_RUN = 1_000;

/**
 * One tracking run: every backup still BUILDING and every open lookup whose last check is at least the interval
 * old, grouped by instance (one list call per instance and page), instances asked a few at a time, within the
 * deadline. An instance that cannot be asked is left for the next run.
 *
 * @example
 * await trackDueBackups(lifecycle, deadline) // → { checked: 500, changed: 12, lookupsSettled: 0, upstreamCalls: 50, failedInstances: 0 }
 */
export async function trackDueBackups(lifecycle: Lifecycle, deadline: number): Promise<TrackingRun> {
  const before = iso(lifecycle.now() - lifecycle.settings.trackingIntervalSeconds * 1000);
  const { backups, lookups } = await lifecycle.ledger.dueForCheck(before, MAX_RECORDS_PER_RUN, deadline);
  const instances = new Map<string, InstanceGroup>();
  const groupOf = (service: Service, instanceId: string): InstanceGroup => {
    const id = `${service}:${instanceId}`;
    const group = instances.get(id) ?? { service, instanceId, backups: [], lookups: [] };
    instances.set(id, group);
    return group;
  };
  for (const backup of backups) groupOf(backup.service, backup.instanceId).backups.push(backup);
  for (const lookup of lookups) groupOf(lookup.service, lookup.instanceId).lookups.push(lookup);

  const run: TrackingRun = { checked: 0, changed: 0, lookupsSettled: 0, upstreamCalls: 0, failedInstances: 0 };
  const limit = concurrencyLimit(MAX_CONCURRENT_INSTANCES);
  await Promise.all(
    [...instances.values()].map((group) =>
      limit(async () => {
        // Deadlines are wall-clock time, as the clients keep them; `now` is the lifecycle's own clock.
        if (deadline - Date.now() < 1_000) return;
        const since = Math.min(...[...group.backups, ...group.lookups].map((item) => Date.parse(item.requestedAt)));
        let listed: UpstreamBackup[];
        try {
          run.upstreamCalls++;
          listed = await listFor(lifecycle, group.service, group.instanceId, since, deadline);
        } catch (error) {
          run.failedInstances++;
          logger.warn('instance could not be asked about its backups; it is tracked again next run', {
            instanceId: group.instanceId,
            error: error as Error,
          });
          return;
        }
        const byId = new Map(listed.map((backup) => [backup.id, backup]));
        for (const record of group.backups) {
          run.checked++;
          const updated = await apply(lifecycle, record, byId.get(record.backupId), deadline);
          if (updated.status !== record.status) run.changed++;
        }
        for (const lookup of group.lookups) {
          const outcome = await settleLookup(lifecycle, lookup, listed, deadline);
          if (outcome.kind === 'still-looking') {
            await lifecycle.ledger.touchLookup(lookup.lookupId, iso(lifecycle.now()), deadline);
          } else {
            run.lookupsSettled++;
            await lifecycle.onLookupSettled?.(lookup, outcome);
          }
        }
      }),
    ),
  );
  logger.info('tracking run done', { ...run });
  return run;
}
