import { loadHuaweiConfig, type HuaweiConfig } from './config';
import type { BackupCommand } from './domain/backup-request';
import { toBackupResult, toUpstreamCall, type BackupResult } from './domain/engine-mapping';
import { GatewayError, UpstreamError, UpstreamFailedError } from './errors';
import { createHuaweiClient, type HuaweiClient } from './huawei/client';
import { credentialsProvider } from './huawei/credentials';
import { logger } from './logger';

/** The one use case every entry point calls: map, sign, send, map the answer back; logs the outcome once. */
export type CreateBackup = (command: BackupCommand, deadline: number) => Promise<BackupResult>;

export function createBackupUseCase(client: HuaweiClient, projectId: string): CreateBackup {
  return async (command, deadline) => {
    const started = performance.now();
    const call = toUpstreamCall(command, projectId);
    const context = { engine: command.engine, instanceId: command.instanceId, backupName: command.name };
    try {
      const answer = await client.post(call.service, call.path, call.body, deadline);
      const result = toBackupResult(command, call.service, answer.body, answer.requestId);
      if (!result) {
        throw new UpstreamFailedError(
          `Huawei Cloud answered ${answer.status} without a backup id. The backup may have been created: check the instance's backups before retrying.`,
          { status: answer.status, requestId: answer.requestId ?? undefined },
        );
      }
      logger.info('backup created', {
        ...context,
        backupId: result.backupId,
        upstreamRequestId: result.upstreamRequestId,
        durationMs: Math.round(performance.now() - started),
      });
      return result;
    } catch (error) {
      // Errors we do not know are rethrown untouched; the entry point's error mapping logs them.
      if (error instanceof GatewayError) {
        logger.warn('backup failed', {
          ...context,
          code: error.code,
          status: error.status,
          detail: error.detail,
          ...(error instanceof UpstreamError && { upstream: error.upstream, backupMayExist: error.backupMayExist }),
          durationMs: Math.round(performance.now() - started),
        });
      }
      throw error;
    }
  };
}

/**
 * Builds the use case from the environment; called once at cold start by each handler. Throws a
 * {@link ConfigurationError} naming every missing or malformed variable.
 */
export function createBackupFromEnvironment(env: Record<string, string | undefined> = process.env): {
  config: HuaweiConfig;
  createBackup: CreateBackup;
} {
  const config = loadHuaweiConfig(env);
  const client = createHuaweiClient({
    endpoints: config.endpoints,
    projectId: config.projectId,
    credentials: credentialsProvider(config.credentials),
  });
  return { config, createBackup: createBackupUseCase(client, config.projectId) };
}
