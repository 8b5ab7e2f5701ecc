import type { Context } from 'aws-lambda';
import { refuseConfiguration, variable, type Env } from './config';
import { createBackupFromEnvironment, type CreateBackup, type LogContext } from './create-backup';
import { toBackupCommand, type BackupRequest } from './domain/backup-request';
import type { BackupResult } from './domain/engine-mapping';
import {
  ConfigurationError,
  EarlierOutcomeUncertainError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  IdempotencyStoreError,
  UpstreamError,
} from './errors';
import { logger } from './logger';

/**
 * Idempotency for every entry point: a request that carries an `idempotencyKey` creates at most one backup per
 * key, however often it is delivered. Built on Powertools idempotency with its DynamoDB persistence layer.
 */
export interface IdempotencySettings {
  tableName: string;
  dynamoDb: DynamoDbLocation;
  /** How long a key is remembered after its request finished. */
  expiresAfterSeconds: number;
}

/** Requests a backup: at most one per idempotency key, when the request has one. */
export type RequestBackup = (request: BackupRequest, deadline: number, logContext?: LogContext) => Promise<BackupResult>;

/**
 * Where the table lives: AWS in the function's region, or a DynamoDB-compatible server for local runs. Such a
 * server checks neither region nor keys, but requests are signed all the same: the environment's keys are used
 * when set, placeholders otherwise.
 */
interface DynamoDbLocation {
  region: string;
  endpoint?: string;
  placeholderCredentials?: { accessKeyId: string; secretAccessKey: string };
}


const DEFAULT_EXPIRY_SECONDS = 24 * 60 * 60;
/** One namespace for all entry points, so that a key sent over HTTP and again through the queue is one request. */
const KEY_PREFIX = 'backup-gateway.createBackup';

/**
 * Reads `IDEMPOTENCY_TABLE`, `DYNAMODB_ENDPOINT` and `IDEMPOTENCY_EXPIRES_AFTER_SECONDS`; `undefined` when no
 * table is configured (idempotency off). Throws a {@link ConfigurationError} naming every malformed value.
 *
 * @example
 * loadIdempotencySettings({ IDEMPOTENCY_TABLE: 'backup-gateway-dev-idempotency' })
 * // → { tableName: 'backup-gateway-dev-idempotency', expiresAfterSeconds: 86400 }
 */
export function loadIdempotencySettings(env: Env = process.env): IdempotencySettings | undefined {
  const value = (name: string) => variable(env, name);
  const tableName = value('IDEMPOTENCY_TABLE');
  if (!tableName) return undefined;
  const problems: string[] = [];

  const endpoint = value('DYNAMODB_ENDPOINT');
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) {
    problems.push(`DYNAMODB_ENDPOINT "${endpoint}" must be an http(s) URL such as http://127.0.0.1:8000`);
  }
  const expiry = value('IDEMPOTENCY_EXPIRES_AFTER_SECONDS');
  const expiresAfterSeconds = expiry === undefined ? DEFAULT_EXPIRY_SECONDS : Number(expiry);
  if (!Number.isSafeInteger(expiresAfterSeconds) || expiresAfterSeconds <= 0) {
    problems.push(`IDEMPOTENCY_EXPIRES_AFTER_SECONDS "${expiry}" must be a whole number of seconds above 0 (default ${DEFAULT_EXPIRY_SECONDS}, 24 h)`);
  }
  const region = value('AWS_REGION');
  if (!endpoint && !region) problems.push('AWS_REGION is not set (the Lambda runtime sets it; set DYNAMODB_ENDPOINT for a local DynamoDB)');
  refuseConfiguration(problems);
  const dynamoDb: DynamoDbLocation = endpoint
    ? {
        endpoint,
        region: region ?? 'local',
        ...(!value('AWS_ACCESS_KEY_ID') && { placeholderCredentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      }
    : { region: region as string };
  return { tableName, dynamoDb, expiresAfterSeconds };
}

/**
 * Loads Powertools idempotency and its DynamoDB store on first use: a cold start without a table, or one whose
 * first request has no key, does not pay for them.
 */
async function openStore({ tableName, dynamoDb: { region, endpoint, placeholderCredentials } }: IdempotencySettings) {
  const [idempotency, { DynamoDbIdempotencyStore }, { dynamoDb, credentialsFromEnvironment }] = await Promise.all([
    import('@aws-lambda-powertools/idempotency'),
    import('./aws/idempotency-store'),
    import('./aws/dynamodb'),
  ]);
  const call = dynamoDb({ region, endpoint, credentials: () => placeholderCredentials ?? credentialsFromEnvironment() });
  return { ...idempotency, persistenceStore: new DynamoDbIdempotencyStore(tableName, call) };
}

/** What the idempotent call did before Powertools answered, to read its persistence errors correctly. */
type Outcome = { kind: 'created'; result: BackupResult } | { kind: 'failed'; error: unknown };

/**
 * What is stored under a key whose request may or may not have created its backup: stored like a result, so
 * that every repeat is answered from it instead of calling Huawei Cloud again.
 */
interface UncertainOutcome {
  uncertain: { code: string; detail: string };
}
const isUncertain = (stored: BackupResult | UncertainOutcome): stored is UncertainOutcome => 'uncertain' in stored;

/**
 * Wraps the use case so that requests with an `idempotencyKey` run at most once per key: a repeat gets the first
 * result, a repeat with a different request a {@link IdempotencyKeyReusedError}, a repeat while the first is
 * still running a {@link IdempotencyKeyInProgressError}. A request that surely created nothing (refused,
 * throttled, unavailable) leaves no record, so a retry can succeed; one that may have created its backup is
 * remembered, and every repeat gets an {@link EarlierOutcomeUncertainError} instead of a second backup.
 * Without settings (no table), every request runs.
 *
 * @example
 * const requestBackup = idempotentRequestBackup(createBackup, loadIdempotencySettings());
 * await requestBackup({ engine: 'dds', instanceId: 'a89d…in02', idempotencyKey: 'deploy-4711' }, deadline);
 */
export function idempotentRequestBackup(
  createBackup: CreateBackup,
  settings: IdempotencySettings | undefined,
  now: () => Date = () => new Date(),
): RequestBackup {
  const run: RequestBackup = (request, deadline, logContext) => createBackup(toBackupCommand(request, now()), deadline, logContext);
  if (!settings) return run;
  let store: ReturnType<typeof openStore> | undefined;

  return async (request, deadline, logContext = {}) => {
    const { idempotencyKey, ...fingerprint } = request;
    if (idempotencyKey === undefined) return run(request, deadline, logContext);
    store ??= openStore(settings);
    const { makeIdempotent, IdempotencyConfig, IdempotencyValidationError, IdempotencyAlreadyInProgressError, IdempotencyUnknownError, persistenceStore } =
      await store;

    let outcome: Outcome | undefined;
    const once = makeIdempotent(
      async (_payload: { idempotencyKey: string; request: Omit<BackupRequest, 'idempotencyKey'> }): Promise<BackupResult | UncertainOutcome> => {
        try {
          const result = await run(request, deadline, logContext);
          outcome = { kind: 'created', result };
          return result;
        } catch (error) {
          outcome = { kind: 'failed', error };
          if (error instanceof UpstreamError && error.backupMayExist) return { uncertain: { code: error.code, detail: error.detail } };
          throw error;
        }
      },
      {
        persistenceStore,
        keyPrefix: KEY_PREFIX,
        config: new IdempotencyConfig({
          eventKeyJmesPath: 'idempotencyKey',
          payloadValidationJmesPath: 'request',
          throwOnNoIdempotencyKey: true,
          expiresAfterSeconds: settings.expiresAfterSeconds,
          // Powertools only reads the remaining time, to let a crashed invocation's key be taken over after it.
          lambdaContext: { getRemainingTimeInMillis: () => Math.max(1, deadline - Date.now()) } as Context,
        }),
      },
    );

    let stored: BackupResult | UncertainOutcome;
    try {
      stored = await once({ idempotencyKey, request: fingerprint });
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw new IdempotencyKeyReusedError(idempotencyKey);
      if (error instanceof IdempotencyAlreadyInProgressError) throw new IdempotencyKeyInProgressError(idempotencyKey);
      if (!(error instanceof IdempotencyUnknownError)) throw error;
      // The store failed. What the caller must hear depends on what happened upstream before it did.
      if (outcome?.kind === 'created') {
        logger.warn('backup created but its idempotency record could not be completed', {
          ...logContext,
          idempotencyKey,
          backupId: outcome.result.backupId,
          error,
        });
        return outcome.result;
      }
      if (outcome?.kind === 'failed') throw outcome.error;
      throw new IdempotencyStoreError(error);
    }
    if (outcome?.kind === 'failed') throw outcome.error;
    if (isUncertain(stored)) {
      const refusal = new EarlierOutcomeUncertainError(idempotencyKey, stored.uncertain);
      logger.warn('repeated request not sent again: the first may have created the backup', { ...logContext, idempotencyKey, earlier: stored.uncertain });
      throw refusal;
    }
    if (!outcome) logger.info('repeated request answered with the first result', { ...logContext, idempotencyKey, backupId: stored.backupId });
    return stored;
  };
}

/**
 * The use case every entry point calls, built once at cold start: Huawei configuration and idempotency from the
 * environment, and a warning when idempotency is off.
 *
 * @example
 * const requestBackup = atColdStart(() => requestBackupFromEnvironment());
 * await requestBackup()(validateBackupRequest(body), deadlineOf(context));
 */
export function requestBackupFromEnvironment(env: Env = process.env): RequestBackup {
  const { createBackup } = createBackupFromEnvironment(env);
  const settings = loadIdempotencySettings(env);
  if (!settings) {
    logger.warn('idempotency is off because IDEMPOTENCY_TABLE is not set: a repeated request creates another backup');
  }
  return idempotentRequestBackup(createBackup, settings);
}
