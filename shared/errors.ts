/**
 * The one error tree of the gateway. Each error carries its HTTP status and a stable `code`; the mapping to a
 * response (problem+json, Slack reply, batch failure) happens in one place per entry point by `instanceof`.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

/** What Huawei Cloud said, as far as it can be read. Never holds request headers or credentials. */
export interface UpstreamDetails {
  status?: number;
  code?: string;
  message?: string;
  requestId?: string;
}

interface GatewayErrorOptions {
  detail: string;
  cause?: unknown;
}

export abstract class GatewayError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  abstract readonly title: string;
  /** Safe to show to the caller: says what happened and what to do, never internals. */
  readonly detail: string;

  constructor({ detail, cause }: GatewayErrorOptions) {
    super(detail, { cause });
    this.detail = detail;
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends GatewayError {
  readonly status = 400;
  readonly code = 'invalid_request';
  readonly title = 'The request is invalid';
  constructor(readonly errors: FieldProblem[]) {
    super({ detail: errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ') });
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
  readonly title = 'Unsupported media type';
  constructor(expected: string) {
    super({ detail: `Send the body with Content-Type: ${expected}.` });
  }
}

/** The body is larger than the gateway reads; it was refused before anything parsed it. */
export class PayloadTooLargeError extends GatewayError {
  readonly status = 413;
  readonly code = 'payload_too_large';
  readonly title = 'The request body is too large';
  constructor(what: string, limitBytes: number) {
    super({
      detail: `${what} is larger than ${limitBytes / 1024} KiB, the most the gateway reads; no backup was requested.`,
    });
  }
}

/** Why a signed request was refused; logged, and said to the caller in words that do not help an attacker. */
export type SignatureFailure = 'missing_signature' | 'timestamp_not_in_seconds' | 'stale_timestamp' | 'bad_signature';

const SIGNATURE_FAILURE_DETAIL: Record<SignatureFailure, string> = {
  missing_signature: 'The request is not signed.',
  timestamp_not_in_seconds: 'The request\'s timestamp must be Unix time in seconds.',
  stale_timestamp: 'The request\'s timestamp is too far from the current time.',
  bad_signature: 'The request\'s signature is not valid.',
};

/** The request is not signed, or not signed by someone who holds the secret; nothing else was done. */
export class UnauthorizedError extends GatewayError {
  readonly status = 401;
  readonly code = 'unauthorized';
  readonly title = 'The request is not authenticated';
  constructor(readonly reason: SignatureFailure) {
    super({ detail: SIGNATURE_FAILURE_DETAIL[reason] });
  }
}

/** The caller is known but not allowed to create backups; the detail says how an operator can allow them. */
export class NotAllowedError extends GatewayError {
  readonly status = 403;
  readonly code = 'not_allowed';
  readonly title = 'You are not allowed to create backups';
}

/** A command line (such as a Slack slash command's text) does not follow its grammar; the detail names what is wrong. */
export class InvalidCommandError extends GatewayError {
  readonly status = 400;
  readonly code = 'invalid_command';
  readonly title = 'The command is not understood';
}

/** Missing or invalid configuration of the gateway itself; the detail is for the log, not the caller. */
export class ConfigurationError extends GatewayError {
  readonly status = 500;
  readonly code = 'not_configured';
  readonly title = 'The backup gateway is not configured';
}

/** Any failure of the upstream call. `backupMayExist` tells the caller whether a retry could double a backup. */
export abstract class UpstreamError extends GatewayError {
  abstract readonly backupMayExist: boolean;
  constructor(
    detail: string,
    readonly upstream: UpstreamDetails,
    cause?: unknown,
  ) {
    super({ detail, cause });
  }
}

/** Huawei Cloud refused the request itself (a 4xx about the input); its status is kept. */
export class UpstreamRejectedError extends UpstreamError {
  readonly code = 'upstream_rejected';
  readonly title = 'Huawei Cloud refused the backup request';
  readonly backupMayExist = false;
  get status(): number {
    return this.upstream.status ?? 400;
  }
}

/** Our own credentials or permissions failed: an operator must act, the caller cannot. */
export class UpstreamMisconfiguredError extends UpstreamError {
  readonly status = 502;
  readonly code = 'upstream_auth_failed';
  readonly title = 'The backup service is misconfigured';
  readonly backupMayExist = false;
}

export class BackupInProgressError extends UpstreamError {
  readonly status = 409;
  readonly code = 'backup_in_progress';
  readonly title = 'Another backup or operation is in progress on this instance';
  readonly backupMayExist = false;
}

export class UpstreamThrottledError extends UpstreamError {
  readonly status = 429;
  readonly code = 'throttled';
  readonly title = 'Huawei Cloud is throttling requests';
  readonly backupMayExist = false;
  constructor(
    detail: string,
    upstream: UpstreamDetails,
    readonly retryAfterSeconds: number,
  ) {
    super(detail, upstream);
  }
}

/** The upstream surely did not act (503, connection refused): safe to retry. */
export class UpstreamUnavailableError extends UpstreamError {
  readonly status = 502;
  readonly code = 'upstream_unavailable';
  readonly title = 'Huawei Cloud is unavailable';
  readonly backupMayExist = false;
}

/** The upstream may have acted (500/502/504, dropped connection, unreadable answer). */
export class UpstreamFailedError extends UpstreamError {
  readonly status = 502;
  readonly code = 'upstream_error';
  readonly title = 'Huawei Cloud failed to answer properly';
  readonly backupMayExist = true;
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly status = 504;
  readonly code = 'upstream_timeout';
  readonly title = 'Huawei Cloud did not answer in time';
  readonly backupMayExist = true;
}

/** A read (a list of backups) failed; it changed nothing upstream. */
export class UpstreamReadError extends UpstreamError {
  readonly status = 502;
  readonly code = 'upstream_read_failed';
  readonly title = 'Huawei Cloud could not be asked about the backup';
  readonly backupMayExist = false;
}

/** The deadline had (nearly) passed before the call could start, so it was not made: safe to retry. */
export class NoTimeLeftError extends UpstreamError {
  readonly status = 504;
  readonly code = 'no_time_left';
  readonly title = 'No time was left to call Huawei Cloud';
  readonly backupMayExist = false;
}

/** The idempotency key was first used for a different request; repeating it cannot mean "the same again". */
export class IdempotencyKeyReusedError extends GatewayError {
  readonly status = 422;
  readonly code = 'idempotency_key_reused';
  readonly title = 'The idempotency key was already used for a different request';
  constructor(readonly idempotencyKey: string) {
    super({
      detail: `Idempotency key "${idempotencyKey}" was already used for a different request; no backup was requested. Repeat the first request exactly to get its result, or use a new key for a new request.`,
    });
  }
}

/** A request with the same idempotency key is still running; answering now would either guess or double it. */
export class IdempotencyKeyInProgressError extends GatewayError {
  readonly status = 409;
  readonly code = 'idempotency_key_in_progress';
  readonly title = 'A request with this idempotency key is still in progress';
  constructor(readonly idempotencyKey: string) {
    super({
      detail: `A request with idempotency key "${idempotencyKey}" is still in progress; no second backup was requested. Retry in a few seconds to get its result.`,
    });
  }
}

/**
 * An earlier request with this idempotency key ended without knowing whether Huawei Cloud created the backup
 * (a 5xx, a dropped connection, a timeout). Running it again could double the backup, so it is not re-run: a
 * person checks the instance's backups and, if none was made, asks again with a new key.
 */
export class EarlierOutcomeUncertainError extends GatewayError {
  readonly status = 409;
  readonly code = 'earlier_outcome_uncertain';
  readonly title = 'An earlier attempt with this idempotency key may have created the backup';
  readonly backupMayExist = true;
  constructor(
    readonly idempotencyKey: string,
    /** What the earlier request met, and until when the gateway looks for the backup it may have made. */
    readonly earlier: { code: string; detail: string; lookingUntil?: string },
  ) {
    const what = `An earlier request with idempotency key "${idempotencyKey}" failed with ${earlier.code} and may have created the backup.`;
    super({
      detail: earlier.lookingUntil
        ? `${what} The gateway is looking for that backup until ${earlier.lookingUntil}; meanwhile the request is not sent ` +
          'again, so that no backup is doubled. Repeat it with the same key after that time: you get the backup if it ' +
          'was made, or a new attempt if it was not.'
        : `${what} It is not sent again, so that no backup is doubled: check the instance's backups, and if there is ` +
          'none, send the request again with a new key.',
    });
  }
}

/** The idempotency store could not be read or written before the upstream call: nothing was requested. */
export class IdempotencyStoreError extends GatewayError {
  readonly status = 503;
  readonly code = 'idempotency_store_unavailable';
  readonly title = 'The idempotency store is unavailable';
  constructor(cause: unknown) {
    super({
      detail: 'The gateway could not check the idempotency key, so it did not request a backup. It is safe to retry.',
      cause,
    });
  }
}

/** The ledger holds no backup of this id (the gateway did not create it, or its record has expired). */
export class BackupNotFoundError extends GatewayError {
  readonly status = 404;
  readonly code = 'backup_not_found';
  readonly title = 'No such backup';
  constructor(backupId: string) {
    super({
      detail: `The gateway has no backup ${JSON.stringify(backupId.slice(0, 64))}: it holds the backups it created, for as long as their records are kept.`,
    });
  }
}

export interface FailedTarget {
  engine: string;
  instanceId: string;
  code: string;
  detail: string;
}

/** Some targets of a scheduled run failed; thrown at the end so the platform's retry sees the run as failed. */
export class ScheduledBackupsFailedError extends GatewayError {
  readonly status = 502;
  readonly code = 'scheduled_backups_failed';
  readonly title = 'Some scheduled backups failed';
  constructor(
    readonly failed: FailedTarget[],
    total: number,
  ) {
    super({
      detail: `${failed.length} of ${total} scheduled backups failed: ${failed
        .map((target) => `${target.engine} ${target.instanceId} (${target.code})`)
        .join(', ')}.`,
    });
  }
}
