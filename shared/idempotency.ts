import { createHash } from 'node:crypto';
import type { IdempotencyStore } from './aws/idempotency-store';
import type { CreateBackup, LogContext } from './create-backup';
import { toBackupCommand, type BackupRequest } from './domain/backup-request';
import type { BackupResult } from './domain/engine-mapping';
import {
  EarlierOutcomeUncertainError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStoreError,
  UpstreamError,
} from './errors';
import { logger } from './logger';

/**
 * Idempotency for every entry point: a request that carries an `idempotencyKey` creates at most one backup per
 * key, however often it is delivered.
 */

/** Requests a backup: at most one per idempotency key, when the request has one. */
export type RequestBackup = (request: BackupRequest, deadline: number, logContext?: LogContext) => Promise<BackupResult>;

/** One namespace for all entry points, so that a key sent over HTTP and again through the queue is one request. */
const KEY_PREFIX = 'backup-gateway.createBackup#';

/**
 * Time kept back from the upstream call for the record written after it: the write is retried on throttling or
 * a 5xx, and a backup created with no time left to record it would leave its key "in progress".
 */
export const RECORD_RESERVE_MS = 1_500;

/** What is stored under a key whose request may or may not have created its backup. */
interface UncertainOutcome {
  code: string;
  detail: string;
}

/** Key order does not change a request: the hash is taken over its fields sorted by name. */
export const requestHash = (request: Omit<BackupRequest, 'idempotencyKey'>): string =>
  createHash('sha256')
    .update(JSON.stringify(request, Object.keys(request).sort()))
    .digest('hex');

/**
 * Wraps the use case so that requests with an `idempotencyKey` run at most once per key: a repeat gets the first
 * result, a repeat with a different request an {@link IdempotencyKeyReusedError}, a repeat while the first is
 * still running an {@link IdempotencyKeyInProgressError}. A request that surely created nothing (refused,
 * throttled, unavailable) leaves no record, so a retry can succeed; one that may have created its backup is
 * remembered, and every repeat gets an {@link EarlierOutcomeUncertainError} instead of a second backup.
 * Without a store (no table), every request runs.
 *
 * @example
 * const requestBackup = idempotentRequestBackup(createBackup, dynamoDbIdempotencyStore(aws, table, 86_400));
 * await requestBackup({ engine: 'dds', instanceId: 'a89d…in02', idempotencyKey: 'deploy-4711' }, deadline);
 */
export function idempotentRequestBackup(
  createBackup: CreateBackup,
  store: IdempotencyStore | undefined,
  now: () => Date = () => new Date(),
): RequestBackup {
  const run = (request: BackupRequest, deadline: number, logContext?: LogContext) =>
    createBackup(toBackupCommand(request, now()), deadline, logContext);
  if (!store) return run;

  return async (request, deadline, logContext = {}) => {
    const { idempotencyKey, ...fingerprint } = request;
    if (idempotencyKey === undefined) return run(request, deadline, logContext);
    const key = `${KEY_PREFIX}${idempotencyKey}`;
    const hash = requestHash(fingerprint);
    const context = { ...logContext, idempotencyKey };

    let claim: Awaited<ReturnType<IdempotencyStore['claim']>>;
    try {
      claim = await store.claim(key, hash, deadline, deadline);
    } catch (error) {
      throw new IdempotencyStoreError(error);
    }
    if (!claim.claimed) {
      const { record } = claim;
      if (record.requestHash !== hash) throw new IdempotencyKeyReusedError(idempotencyKey);
      if (record.status === 'INPROGRESS') throw new IdempotencyKeyInProgressError(idempotencyKey);
      if (record.status === 'UNCERTAIN') {
        const earlier = record.data as UncertainOutcome;
        logger.warn('repeated request not sent again: the first may have created the backup', { ...context, earlier });
        throw new EarlierOutcomeUncertainError(idempotencyKey, earlier);
      }
      const first = record.data as BackupResult;
      logger.info('repeated request answered with the first result', { ...context, backupId: first.backupId });
      return first;
    }

    let result: BackupResult;
    try {
      result = await run(request, deadline - RECORD_RESERVE_MS, logContext);
    } catch (error) {
      const mayExist = error instanceof UpstreamError && error.backupMayExist;
      try {
        if (mayExist) await store.settle(key, 'UNCERTAIN', { code: error.code, detail: error.detail } satisfies UncertainOutcome, deadline);
        else await store.release(key, deadline);
      } catch (storeError) {
        // The key stays "in progress" until the invocation's end, then frees itself: a late retry runs again.
        logger.error('idempotency record could not be updated after a failed request', { ...context, error: storeError as Error });
      }
      throw error;
    }
    try {
      await store.settle(key, 'COMPLETED', result, deadline);
    } catch (error) {
      // The backup exists: the caller hears so. The record frees itself once this invocation has surely ended.
      logger.error('backup created but its idempotency record could not be completed', {
        ...context,
        backupId: result.backupId,
        instanceId: result.instanceId,
        name: result.name,
        error: error as Error,
      });
    }
    return result;
  };
}
