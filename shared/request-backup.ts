import { createHash, randomUUID } from 'node:crypto';
import type { IdempotencyStore } from './aws/idempotency-store';
import type { PendingLookup } from './aws/ledger';
import { createBackupUseCase, type CreateBackup } from './create-backup';
import type { RequestedBy } from './domain/backup-record';
import { databasesOf, toBackupCommand, type BackupCommand, type BackupRequest } from './domain/backup-request';
import { serviceOf, type BackupResult } from './domain/engine-mapping';
import {
  EarlierOutcomeUncertainError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStoreError,
  UpstreamError,
} from './errors';
import {
  backupOfAbandonedAttempt,
  IDEMPOTENCY_KEY_PREFIX,
  lookNow,
  recordCreated,
  recordOfResult,
  resultOfFoundBackup,
  type Lifecycle,
} from './lifecycle';
import type { Gateway } from './gateway';
import { logger } from './logger';

/**
 * The use case every entry point calls: at most one backup per idempotency key, the created backup recorded
 * in the ledger and announced, and a create whose outcome is uncertain settled by looking for its backup.
 */
export type RequestBackup = (
  request: BackupRequest,
  deadline: number,
  requestedBy: RequestedBy,
) => Promise<BackupResult>;

export interface RequestBackupPorts {
  createBackup: CreateBackup;
  /** Absent: no table, idempotency off. */
  idempotency?: IdempotencyStore;
  /** Absent: no ledger, backups are not followed. */
  lifecycle?: Lifecycle;
  now?: () => Date;
}

/**
 * Time kept back from the upstream call for the writes after it (idempotency record, ledger, event): each is
 * retried on throttling or a 5xx, and a backup created with no time left to record it would leave its key
 * "in progress".
 */
export const RECORD_RESERVE_MS = 1_500;
/** Looking at once for an uncertain create's backup is worth it only with this much time left. */
const LOOK_NOW_MIN_MS = 2_000;

/** What is stored under a key whose request may or may not have created its backup. */
interface UncertainOutcome {
  code: string;
  detail: string;
  /** Until when the gateway looks for the backup (absent: nobody looks, without a ledger). */
  lookingUntil?: string;
  /** What is looked for, so that a repeat after the window can settle it without waiting for the tracker. */
  lookup?: PendingLookup;
}

/** Key order does not change a request: the hash is taken over its fields sorted by name. */
export const requestHash = (request: Omit<BackupRequest, 'idempotencyKey'>): string =>
  createHash('sha256')
    .update(JSON.stringify(request, Object.keys(request).sort()))
    .digest('hex');

/** The fields a log line needs to find what triggered a request. */
export function logContextOf(requestedBy: RequestedBy): Record<string, string> {
  switch (requestedBy.via) {
    case 'queue':
      return { messageId: requestedBy.messageId };
    case 'schedule':
      return { scheduledEventId: requestedBy.scheduledEventId };
    case 'slack':
      return { slackUserId: requestedBy.userId, slackChannelId: requestedBy.channelId };
    default:
      return requestedBy.sourceIp ? { sourceIp: requestedBy.sourceIp } : {};
  }
}

/**
 * Builds the use case. With an idempotency store, requests with an `idempotencyKey` run at most once per key: a
 * repeat gets the first result, a repeat with a different request an {@link IdempotencyKeyReusedError}, a repeat
 * while the first still runs an {@link IdempotencyKeyInProgressError}. A request that surely created nothing
 * leaves no record, so a retry can succeed. One that may have created its backup is looked for: found, it is the
 * answer; not found yet, the tracker goes on looking and repeats get an {@link EarlierOutcomeUncertainError} until
 * it knows.
 *
 * @example
 * const requestBackup = requestBackupUseCase({ createBackup, idempotency, lifecycle });
 * await requestBackup({ engine: 'dds', instanceId: 'a89d…in02', idempotencyKey: 'deploy-4711' }, deadline, { via: 'http' });
 */
export function requestBackupUseCase({
  createBackup,
  idempotency,
  lifecycle,
  now = () => new Date(),
}: RequestBackupPorts): RequestBackup {
  const requestBackup: RequestBackup = async (request, deadline, requestedBy) => {
    const { idempotencyKey, ...fingerprint } = request;
    const logContext = { ...logContextOf(requestedBy), ...(idempotencyKey && { idempotencyKey }) };
    const key = idempotency && idempotencyKey !== undefined ? `${IDEMPOTENCY_KEY_PREFIX}${idempotencyKey}` : undefined;
    const hash = requestHash(fingerprint);

    if (idempotency && key && idempotencyKey !== undefined) {
      let claim: Awaited<ReturnType<IdempotencyStore['claim']>>;
      try {
        claim = await idempotency.claim(key, hash, deadline, deadline);
      } catch (error) {
        throw new IdempotencyStoreError({ cause: error });
      }
      if (!claim.claimed) {
        const { record } = claim;
        if (record.requestHash !== hash) throw new IdempotencyKeyReusedError({ idempotencyKey });
        if (record.status === 'INPROGRESS') throw new IdempotencyKeyInProgressError({ idempotencyKey });
        if (record.status === 'UNCERTAIN') {
          const { lookup, ...earlier } = record.data as UncertainOutcome;
          // Once the window has passed, the repeat settles it itself rather than wait for the tracker's next run.
          const due = lifecycle && lookup && earlier.lookingUntil && Date.now() >= Date.parse(earlier.lookingUntil);
          const settled = due ? await lookNow(lifecycle, lookup, deadline - RECORD_RESERVE_MS) : undefined;
          if (settled?.kind === 'found') return settled.result;
          // No backup was made, and the key is free again: the repeat is a new attempt.
          if (settled?.kind === 'not-created') return requestBackup(request, deadline, requestedBy);
          logger.warn('repeated request not sent again: the first may have made the backup', {
            ...logContext,
            earlier,
          });
          throw new EarlierOutcomeUncertainError({ idempotencyKey, earlier });
        }
        const first = record.data as BackupResult;
        logger.info('repeated request answered with the first result', { ...logContext, backupId: first.backupId });
        return first;
      }
      if (claim.previous?.heldUntil !== undefined && lifecycle) {
        // The key's last holder ended without writing its outcome (its store write failed, or it crashed): the
        // backup it may have made is looked for before anything is sent again.
        const earlier = await adoptAbandonedAttempt(request, claim.previous.heldUntil, {
          key,
          requestedBy,
          deadline,
          lifecycle,
          idempotency,
          now,
        });
        if (earlier) return earlier;
      }
    }

    const requestedAt = now();
    const command = toBackupCommand(request, requestedAt);
    let result: BackupResult;
    try {
      // Only writes after the call need time kept back for them.
      result = await createBackup(
        command,
        idempotency || lifecycle ? deadline - RECORD_RESERVE_MS : deadline,
        logContext,
      );
    } catch (error) {
      if (!(error instanceof UpstreamError && error.backupMayExist)) {
        await storeWrite(logContext, () => key && idempotency?.release(key, deadline));
        throw error;
      }
      const { found, lookup } = await settleUncertain(command, error, {
        requestedAt,
        requestedBy,
        idempotencyKey,
        deadline,
        lifecycle,
      });
      if (found) return found;
      const lookingUntil = lookup?.lookUntil;
      logger.warn('backup failed', {
        ...logContext,
        engine: command.engine,
        instanceId: command.instanceId,
        backupName: command.name,
        code: error.code,
        detail: error.detail,
        backupMayExist: true,
        ...(lookingUntil && { lookingUntil }),
      });
      const uncertain: UncertainOutcome = {
        code: error.code,
        detail: error.detail,
        ...(lookingUntil && { lookingUntil, lookup }),
      };
      await storeWrite(logContext, () => key && idempotency?.settle(key, 'UNCERTAIN', uncertain, deadline));
      throw error;
    }

    if (lifecycle) {
      await recordCreated(
        lifecycle,
        recordOfResult(
          result,
          { requestedAt: requestedAt.toISOString(), requestedBy, databases: databasesOf(command) },
          requestedAt.getTime(),
        ),
        deadline,
      );
    }
    // The backup exists whatever the store says: the caller hears so, and the key frees itself once this
    // invocation has surely ended.
    await storeWrite(
      { ...logContext, backupId: result.backupId, instanceId: result.instanceId, name: result.name },
      () => key && idempotency?.settle(key, 'COMPLETED', result, deadline),
    );
    return result;
  };
  return requestBackup;
}

interface AbandonedAttemptContext {
  key: string;
  requestedBy: RequestedBy;
  deadline: number;
  lifecycle: Lifecycle;
  idempotency: IdempotencyStore;
  now: () => Date;
}

/**
 * The backup an abandoned attempt of this request made, recorded as this request's outcome; undefined when
 * there is none (or it cannot be looked for: then the request runs, as it would have without the look).
 */
async function adoptAbandonedAttempt(
  request: BackupRequest,
  heldUntil: number,
  context: AbandonedAttemptContext,
): Promise<BackupResult | undefined> {
  const { key, requestedBy, deadline, lifecycle, idempotency, now } = context;
  const command = toBackupCommand(request, now());
  const service = serviceOf(command.engine);
  let found: Awaited<ReturnType<typeof backupOfAbandonedAttempt>>;
  try {
    found = await backupOfAbandonedAttempt(
      lifecycle,
      { service, instanceId: command.instanceId, name: command.name },
      heldUntil,
      deadline - RECORD_RESERVE_MS,
    );
  } catch (error) {
    logger.warn('an abandoned attempt could not be looked for; the request runs again', {
      instanceId: command.instanceId,
      error: error as Error,
    });
    return undefined;
  }
  if (!found) return undefined;
  const result = resultOfFoundBackup({ ...command, service }, found);
  await recordCreated(
    lifecycle,
    recordOfResult(
      result,
      { requestedAt: found.beganAt ?? now().toISOString(), requestedBy, databases: databasesOf(command) },
      Date.now(),
    ),
    deadline,
  );
  await storeWrite({ backupId: found.id }, () => idempotency.settle(key, 'COMPLETED', result, deadline));
  logger.info('an abandoned attempt had made the backup: it is the answer', {
    backupId: found.id,
    instanceId: command.instanceId,
    name: command.name,
  });
  return result;
}

/**
 * The gateway of a function that creates backups, with the create use case built on its adapters.
 *
 * @example
 * const gateway = atColdStart(() => withRequestBackup(composeGateway('createBackup')));
 * await gateway().requestBackup(request, deadline, { via: 'http' });
 */
export function withRequestBackup<G extends Gateway>(gateway: G): G & { requestBackup: RequestBackup } {
  const { huawei, config, idempotency, lifecycle } = gateway;
  const createBackup = createBackupUseCase(huawei, config.huawei);
  return {
    ...gateway,
    requestBackup: requestBackupUseCase({
      createBackup,
      ...(idempotency && { idempotency }),
      ...(lifecycle && { lifecycle }),
    }),
  };
}

/** A write after the upstream call: its failure is logged, never turned into the caller's error. */
async function storeWrite(
  context: Record<string, string>,
  write: () => Promise<void> | undefined | '' | false,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    logger.error('idempotency record could not be updated after the upstream call', {
      ...context,
      error: error as Error,
    });
  }
}

interface UncertainContext {
  requestedAt: Date;
  requestedBy: RequestedBy;
  idempotencyKey?: string;
  deadline: number;
  lifecycle?: Lifecycle;
}

/**
 * Looks for the backup an uncertain create may have made: at once when time allows (found: it is the answer),
 * otherwise by the tracker, which settles the key's record either way.
 */
async function settleUncertain(
  command: BackupCommand,
  error: UpstreamError,
  context: UncertainContext,
): Promise<{ found?: BackupResult; lookup?: PendingLookup }> {
  const { lifecycle, requestedAt, requestedBy, idempotencyKey, deadline } = context;
  if (!lifecycle) return {};
  const databases = databasesOf(command);
  const lookup: PendingLookup = {
    lookupId: randomUUID(),
    engine: command.engine,
    service: serviceOf(command.engine),
    instanceId: command.instanceId,
    name: command.name,
    ...(command.description !== undefined && { description: command.description }),
    ...(databases && { databases }),
    requestedAt: requestedAt.toISOString(),
    requestedBy,
    ...(idempotencyKey !== undefined && { idempotencyKey }),
    lookUntil: new Date(requestedAt.getTime() + lifecycle.settings.lookupWindowSeconds * 1000).toISOString(),
    checkedAt: new Date(lifecycle.now()).toISOString(),
    uncertainty: { code: error.code, detail: error.detail },
  };
  // Opened first, so that the tracker looks whatever happens to the look at once; finding the backup closes it.
  try {
    await lifecycle.ledger.openLookup(lookup, deadline);
  } catch (error) {
    logger.error('uncertain create could not be handed to the tracker; check the instance by hand', {
      lookup,
      error: error as Error,
    });
  }
  if (deadline - Date.now() < LOOK_NOW_MIN_MS) return { lookup };
  try {
    const outcome = await lookNow(lifecycle, lookup, deadline - RECORD_RESERVE_MS / 2);
    return outcome.kind === 'found' ? { found: outcome.result } : { lookup };
  } catch (error) {
    logger.warn('uncertain create could not be looked for at once; the tracker looks for it', {
      lookup,
      error: error as Error,
    });
    return { lookup };
  }
}
