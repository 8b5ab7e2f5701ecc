import { signingSecretsProvider } from './auth/signing-secrets';
import { createAwsClient, type AwsClient } from './aws/client';
import { stateChangePublisher, type PublishStateChange } from './aws/events';
import { dynamoDbIdempotencyStore, type IdempotencyStore } from './aws/idempotency-store';
import { dynamoDbLedger } from './aws/ledger';
import { loadConfig, type Env, type FunctionName, type GatewayConfig, type SlackConfig } from './config';
import { ConfigurationError } from './errors';
import { createHuaweiClient, type HuaweiClient } from './huawei/client';
import { credentialsProvider } from './huawei/credentials';
import type { Lifecycle } from './lifecycle';
import { logger } from './logger';
import { secretsManagerReader, type ReadJsonSecret } from './secrets';
import type { SlackAnnouncer } from './slack/follow-up';

/**
 * The composition root: one function's configuration and its adapters (AWS, Huawei Cloud, secrets, the ledger),
 * made once at cold start. The functions that create backups add the create use case to it (`withRequestBackup`
 * in shared/request-backup.ts), so that the others do not load its code.
 */
export interface Gateway {
  config: GatewayConfig;
  aws: AwsClient;
  huawei: HuaweiClient;
  /** The idempotency records; absent without `IDEMPOTENCY_TABLE`. */
  idempotency?: IdempotencyStore;
  /** The ledger, the tracker's reads and the events; absent without `BACKUPS_TABLE`. */
  lifecycle?: Lifecycle;
  /** The Slack follow-up, for the functions that post to Slack. */
  slack?: SlackAnnouncer;
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
  if (!gateway.lifecycle)
    throw new ConfigurationError({ detail: 'BACKUPS_TABLE is not set: this function reads the ledger' });
  return gateway.lifecycle;
}

/**
 * Builds the Slack follow-up of the functions that post to Slack. Passed in by their handlers rather than imported
 * here, so that the functions that never post to Slack do not load its code at cold start.
 */
export type SlackFollowUpFactory = (
  config: SlackConfig,
  readSecret: ReadJsonSecret,
  looksForUncertainCreates: boolean,
) => SlackAnnouncer;

/**
 * Throws a {@link ConfigurationError} naming every missing or malformed variable.
 *
 * @example
 * const gateway = atColdStart(() => composeGateway('createBackup'));
 * await gateway().requestBackup(request, deadline, { via: 'http' });
 */
export function composeGateway(
  functionName: FunctionName,
  env: Env = process.env,
  slackFollowUp?: SlackFollowUpFactory,
): Gateway {
  const config = loadConfig(functionName, env);
  const aws = createAwsClient(config.aws);
  const readSecret = secretsManagerReader(aws);
  // Read at cold start, side by side, rather than one after the other by the first request: the reads are cached,
  // and one that fails is read again (and reported) when a request needs it.
  for (const secretId of secretsToRead(config)) void readSecret(secretId).catch(() => undefined);
  const huawei = createHuaweiClient({
    endpoints: config.huawei.endpoints,
    projectId: config.huawei.projectId,
    credentials: credentialsProvider(config.huawei.credentials, readSecret),
  });
  const { idempotency, ledger } = config;
  if (!idempotency && functionName !== 'getBackup') {
    logger.warn('idempotency is off because IDEMPOTENCY_TABLE is not set: a repeated request creates another backup');
  }
  const store = idempotency && dynamoDbIdempotencyStore(aws, idempotency.tableName, idempotency.expiresAfterSeconds);
  const slack = config.slack && slackFollowUp?.(config.slack, readSecret, Boolean(ledger));
  const lifecycle: Lifecycle | undefined = ledger && {
    ledger: dynamoDbLedger(aws, ledger.tableName, ledger.retentionDays),
    publish: withSlackFollowUp(stateChangePublisher(aws, ledger.eventBusName), slack),
    huawei,
    projectId: config.huawei.projectId,
    ...(store && { idempotency: store }),
    settings: ledger,
    now: () => Date.now(),
    ...(slack && { onLookupSettled: slack.lookupSettled }),
  };
  const signingSecrets = config.signingSecrets
    ? signingSecretsProvider(config.signingSecrets, readSecret)
    : () => Promise.reject(new Error(`${functionName} takes no signed requests`));
  return {
    config,
    aws,
    huawei,
    ...(store && { idempotency: store }),
    ...(lifecycle && { lifecycle }),
    ...(slack && { slack }),
    signingSecrets,
  };
}

/** The Secrets Manager secrets a function reads for every request. */
function secretsToRead({ huawei, signingSecrets }: GatewayConfig): string[] {
  return [huawei.credentials, signingSecrets].flatMap((source) =>
    source?.kind === 'secretsManager' ? [source.secretId] : [],
  );
}

/** Every state change is published as an event first; its end is then told in the Slack channel that asked. */
function withSlackFollowUp(publish: PublishStateChange, slack: SlackAnnouncer | undefined): PublishStateChange {
  if (!slack) return publish;
  return async (record, previousStatus, deadline) => {
    await publish(record, previousStatus, deadline);
    await slack.stateChanged(record, previousStatus);
  };
}
