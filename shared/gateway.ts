import { signingSecretsProvider } from './auth/signing-secrets';
import { createAwsClient, type AwsClient } from './aws/client';
import { stateChangePublisher } from './aws/events';
import { dynamoDbIdempotencyStore } from './aws/idempotency-store';
import { dynamoDbLedger } from './aws/ledger';
import { loadConfig, type Env, type FunctionName, type GatewayConfig } from './config';
import { createBackupUseCase } from './create-backup';
import { ConfigurationError } from './errors';
import { createHuaweiClient } from './huawei/client';
import { credentialsProvider } from './huawei/credentials';
import type { Lifecycle } from './lifecycle';
import { logger } from './logger';
import { requestBackupUseCase, type RequestBackup } from './request-backup';
import { secretsManagerReader } from './secrets';

/**
 * The composition root: one function's configuration, its adapters (AWS, Huawei Cloud, secrets) and the use
 * cases built on them, made once at cold start. Handlers take what they need from it.
 */
export interface Gateway {
  config: GatewayConfig;
  aws: AwsClient;
  requestBackup: RequestBackup;
  /** The ledger, the tracker's reads and the events; absent without `BACKUPS_TABLE`. */
  lifecycle?: Lifecycle;
  /** The entry point's signing secrets (HTTP functions only). */
  signingSecrets: () => Promise<string[]>;
}

/**
 * The lifecycle of a function that cannot work without the ledger (its configuration requires `BACKUPS_TABLE`).
 *
 * @example
 * await trackDueBackups(lifecycleOf(gateway()), deadline);
 */
export function lifecycleOf(gateway: Gateway): Lifecycle {
  if (!gateway.lifecycle) throw new ConfigurationError({ detail: 'BACKUPS_TABLE is not set: this function reads the ledger' });
  return gateway.lifecycle;
}

/**
 * Throws a {@link ConfigurationError} naming every missing or malformed variable.
 *
 * @example
 * const gateway = atColdStart(() => composeGateway('createBackup'));
 * await gateway().requestBackup(request, deadline, { via: 'http' });
 */
export function composeGateway(functionName: FunctionName, env: Env = process.env): Gateway {
  const config = loadConfig(functionName, env);
  const aws = createAwsClient(config.aws);
  const readSecret = secretsManagerReader(aws);
  const huawei = createHuaweiClient({
    endpoints: config.huawei.endpoints,
    projectId: config.huawei.projectId,
    credentials: credentialsProvider(config.huawei.credentials, readSecret),
  });
  const createBackup = createBackupUseCase(huawei, config.huawei);
  const { idempotency, ledger } = config;
  if (!idempotency && functionName !== 'getBackup') {
    logger.warn('idempotency is off because IDEMPOTENCY_TABLE is not set: a repeated request creates another backup');
  }
  const store = idempotency && dynamoDbIdempotencyStore(aws, idempotency.tableName, idempotency.expiresAfterSeconds);
  const lifecycle: Lifecycle | undefined = ledger && {
    ledger: dynamoDbLedger(aws, ledger.tableName, ledger.retentionDays),
    publish: stateChangePublisher(aws, ledger.eventBusName),
    huawei,
    projectId: config.huawei.projectId,
    ...(store && { idempotency: store }),
    settings: ledger,
    now: Date.now,
  };
  const signingSecrets = config.signingSecrets
    ? signingSecretsProvider(config.signingSecrets, readSecret)
    : () => Promise.reject(new Error(`${functionName} takes no signed requests`));
  return {
    config,
    aws,
    requestBackup: requestBackupUseCase({ createBackup, ...(store && { idempotency: store }), ...(lifecycle && { lifecycle }) }),
    ...(lifecycle && { lifecycle }),
    signingSecrets,
  };
}
