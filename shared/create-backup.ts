import type { Context } from 'aws-lambda';
import type { HuaweiConfig } from './config';
import type { BackupCommand } from './domain/backup-request';
import { toBackupResult, toUpstreamCall, type BackupResult } from './domain/engine-mapping';
import { UpstreamError, UpstreamFailedError } from './errors';
import type { HuaweiClient } from './huawei/client';
import { logger } from './logger';

/** Keys that tie a log line to what triggered it (a queue message id, a scheduled event id). */
export type LogContext = Record<string, string>;

/**
 * The one use case every entry point calls: map, sign, send, map the answer back; logs the outcome once, with
 * the caller's log context so that a queue message or a schedule target can be found in the log.
 */
export type CreateBackup = (command: BackupCommand, deadline: number, logContext?: LogContext) => Promise<BackupResult>;

/**
 * @example
 * const createBackup = createBackupUseCase(client, { projectId, rdsApiVersion: 'v3' });
 * await createBackup({ engine: 'mysql', instanceId: '44b2…51d7', name: 'before-upgrade' }, deadlineOf(context));
 */
export function createBackupUseCase(
  client: HuaweiClient,
  { projectId, rdsApiVersion }: Pick<HuaweiConfig, 'projectId' | 'rdsApiVersion'>,
): CreateBackup {
  return async (command, deadline, logContext = {}) => {
    const started = performance.now();
    // Before anything is sent: refuses what the configured RDS API version cannot express.
    const call = toUpstreamCall(command, projectId, rdsApiVersion);
    const context = { ...logContext, engine: command.engine, instanceId: command.instanceId, backupName: command.name };
    try {
      const answer = await client.post(call.service, call.path, call.body, deadline);
      const result = toBackupResult(command, call, answer.body, answer.requestId);
      if (!result) {
        throw new UpstreamFailedError({
          detail: `Huawei Cloud answered ${answer.status} without a backup id. The backup may have been created: check the instance's backups before retrying.`,
          upstream: { status: answer.status, requestId: answer.requestId ?? undefined },
        });
      }
      logger.info('backup created', {
        ...context,
        backupId: result.backupId,
        upstreamRequestId: result.upstreamRequestId,
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    } catch (error) {
      // Upstream failures are logged here, with the backup's context; every other error (configuration, ones we do
      // not know) is rethrown untouched and logged once by the entry point's error mapping. An outcome that may have
      // created the backup is not a failure yet: the caller looks for the backup and logs what it finds.
      if (error instanceof UpstreamError) {
        logger.warn(error.backupMayExist ? 'backup outcome uncertain' : 'backup failed', {
          ...context,
          code: error.code,
          detail: error.detail,
          upstream: error.upstream,
          backupMayExist: error.backupMayExist,
          durationMs: Math.round(performance.now() - started),
        });
      }
      throw error;
    }
  };
}

/** The absolute time by which the upstream call must be over: the Lambda's own remaining time. */
export const deadlineOf = (context: Pick<Context, 'getRemainingTimeInMillis'>): number =>
  Date.now() + context.getRemainingTimeInMillis();
