import { signingSecretsProvider } from './auth/signing-secrets';
import { createAwsClient, type AwsClient } from './aws/client';
import { stateChangePublisher, type PublishStateChange } from './aws/events';
import { dynamoDbIdempotencyStore } from './aws/idempotency-store';
import { dynamoDbLedger } from './aws/ledger';
import { loadConfig, type Env, type FunctionName, type GatewayConfig, type SlackConfig } from './config';
import { createBackupUseCase } from './create-backup';
import { ConfigurationError } from './errors';
import { createHuaweiClient } from './huawei/client';
import { credentialsProvider } from './huawei/credentials';
import type { Lifecycle } from './lifecycle';
import { logger } from './logger';
import { requestBackupUseCase, type RequestBackup } from './request-backup';
import { secretsManagerReader, type ReadJsonSecret } from './secrets';
import { slackAnnouncer, type SlackAnnouncer } from './slack/follow-up';
import { slackPoster } from './slack/post';

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
  const slack = config.slack && slackAnnouncerOf(config.slack, readSecret, Boolean(ledger));
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
    requestBackup: requestBackupUseCase({ createBackup, ...(store && { idempotency: store }), ...(lifecycle && { lifecycle }) }),
    ...(lifecycle && { lifecycle }),
    ...(slack && { slack }),
    signingSecrets,
  };
}

/** The Slack follow-up: posts only under the allowed prefix; the late-completion webhook from its source. */
function slackAnnouncerOf(config: SlackConfig, readSecret: ReadJsonSecret, looksForUncertainCreates: boolean): SlackAnnouncer {
  const webhook = config.notifyWebhook;
  const notifyWebhook = async (): Promise<string | undefined> => {
    if (!webhook) return undefined;
    if (webhook.kind === 'value') return webhook.url;
    const field = (await readSecret(webhook.secretId)).SLACK_NOTIFY_WEBHOOK_URL;
    return typeof field === 'string' && field !== '' ? field : undefined;
  };
  return slackAnnouncer({ post: slackPoster({ allowedPrefix: config.responseUrlPrefix }), notifyWebhook, looksForUncertainCreates });
}

/** Every state change is published as an event first; its end is then told in the Slack channel that asked. */
function withSlackFollowUp(publish: PublishStateChange, slack: SlackAnnouncer | undefined): PublishStateChange {
  if (!slack) return publish;
  return async (record, previousStatus, deadline) => {
    await publish(record, previousStatus, deadline);
    await slack.stateChanged(record, previousStatus);
  };
}
