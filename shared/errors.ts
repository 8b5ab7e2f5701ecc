/**
 * The one error tree of the gateway. Each error carries a stable `code`, a `detail` a caller can act on, and the
 * data of its kind; every constructor takes one options object. What a code means to a caller — its HTTP status
 * and title — is the HTTP adapter's table (shared/http/problem.ts), and Slack words it from there.
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

/** Every code an error of the gateway can carry. */
export type ErrorCode =
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'not_allowed'
  | 'invalid_command'
  | 'not_configured'
  | 'upstream_rejected'
  | 'upstream_auth_failed'
  | 'backup_in_progress'
  | 'throttled'
  | 'upstream_unavailable'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'upstream_read_failed'
  | 'no_time_left'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_progress'
  | 'earlier_outcome_uncertain'
  | 'idempotency_store_unavailable'
  | 'backup_not_found'
  | 'scheduled_backups_failed';

export interface GatewayErrorOptions {
  /** Safe to show to the caller. */
  detail: string;
  cause?: unknown;
}

export abstract class GatewayError extends Error {
  abstract readonly code: ErrorCode;
  /** Safe to show to the caller: says what happened and what to do, never internals. */
  readonly detail: string;

  constructor({ detail, cause }: GatewayErrorOptions) {
    super(detail, { cause });
    this.detail = detail;
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends GatewayError {
  readonly code = 'invalid_request';
  readonly errors: FieldProblem[];
  constructor({ errors }: { errors: FieldProblem[] }) {
    super({ detail: errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ') });
    this.errors = errors;
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  readonly code = 'unsupported_media_type';
  constructor({ expected }: { expected: string }) {
    super({ detail: `Send the body with Content-Type: ${expected}.` });
  }
}

/** The body is larger than the gateway reads; it was refused before anything parsed it. */
export class PayloadTooLargeError extends GatewayError {
  readonly code = 'payload_too_large';
  constructor({ what, limitBytes }: { what: string; limitBytes: number }) {
    super({
      detail: `${what} is larger than ${limitBytes / 1024} KiB, the most the gateway reads; no backup was requested.`,
    });
  }
}

/** Why a signed request was refused; logged, and said to the caller in words that do not help an attacker. */
export type SignatureFailure = 'missing_signature' | 'timestamp_not_in_seconds' | 'stale_timestamp' | 'bad_signature';

const SIGNATURE_FAILURE_DETAIL: Record<SignatureFailure, string> = {
  missing_signature: 'The request is not signed.',
  timestamp_not_in_seconds: "The request's timestamp must be Unix time in seconds.",
  stale_timestamp: "The request's timestamp is too far from the current time.",
  bad_signature: "The request's signature is not valid.",
};

/** The request is not signed, or not signed by someone who holds the secret; nothing else was done. */
export class UnauthorizedError extends GatewayError {
  readonly code = 'unauthorized';
  readonly reason: SignatureFailure;
  constructor({ reason }: { reason: SignatureFailure }) {
    super({ detail: SIGNATURE_FAILURE_DETAIL[reason] });
    this.reason = reason;
  }
}

/** The caller is known but not allowed to create backups; the detail says how an operator can allow them. */
export class NotAllowedError extends GatewayError {
  readonly code = 'not_allowed';
}

/** A command line (such as a Slack slash command's text) does not follow its grammar; the detail names what is wrong. */
export class InvalidCommandError extends GatewayError {
  readonly code = 'invalid_command';
}

/** Missing or invalid configuration of the gateway itself; the detail is for the log, not the caller. */
export class ConfigurationError extends GatewayError {
  readonly code = 'not_configured';
}

/** Any failure of the upstream call. `backupMayExist` tells the caller whether a retry could double a backup. */
export abstract class UpstreamError extends GatewayError {
  abstract readonly backupMayExist: boolean;
  readonly upstream: UpstreamDetails;
  constructor({ detail, upstream = {}, cause }: GatewayErrorOptions & { upstream?: UpstreamDetails }) {
    super({ detail, cause });
    this.upstream = upstream;
  }
}

/** Huawei Cloud refused the request itself (a 4xx about the input); its status is kept. */
export class UpstreamRejectedError extends UpstreamError {
  readonly code = 'upstream_rejected';
  readonly backupMayExist = false;
}

/** Our own credentials or permissions failed: an operator must act, the caller cannot. */
export class UpstreamMisconfiguredError extends UpstreamError {
  readonly code = 'upstream_auth_failed';
  readonly backupMayExist = false;
}

export class BackupInProgressError extends UpstreamError {
  readonly code = 'backup_in_progress';
  readonly backupMayExist = false;
}

export class UpstreamThrottledError extends UpstreamError {
  readonly code = 'throttled';
  readonly backupMayExist = false;
  readonly retryAfterSeconds: number;
  constructor({
    retryAfterSeconds,
    ...options
  }: GatewayErrorOptions & { upstream?: UpstreamDetails; retryAfterSeconds: number }) {
    super(options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The upstream surely did not act (503, connection refused): safe to retry. */
export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'upstream_unavailable';
  readonly backupMayExist = false;
}

/** The upstream may have acted (500/502/504, dropped connection, unreadable answer). */
export class UpstreamFailedError extends UpstreamError {
  readonly code = 'upstream_error';
  readonly backupMayExist = true;
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly code = 'upstream_timeout';
  readonly backupMayExist = true;
}

/** A read (a list of backups) failed; it changed nothing upstream. */
export class UpstreamReadError extends UpstreamError {
  readonly code = 'upstream_read_failed';
  readonly backupMayExist = false;
}

/** The deadline had (nearly) passed before the call could start, so it was not made: safe to retry. */
export class NoTimeLeftError extends UpstreamError {
  readonly code = 'no_time_left';
  readonly backupMayExist = false;
}

/** The idempotency key was first used for a different request; repeating it cannot mean "the same again". */
export class IdempotencyKeyReusedError extends GatewayError {
  readonly code = 'idempotency_key_reused';
  constructor({ idempotencyKey }: { idempotencyKey: string }) {
    super({
      detail: `Idempotency key "${idempotencyKey}" was already used for a different request; no backup was requested. Repeat the first request exactly to get its result, or use a new key for a new request.`,
    });
  }
}

/** A request with the same idempotency key is still running; answering now would either guess or double it. */
export class IdempotencyKeyInProgressError extends GatewayError {
  readonly code = 'idempotency_key_in_progress';
  constructor({ idempotencyKey }: { idempotencyKey: string }) {
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
  readonly code = 'earlier_outcome_uncertain';
  readonly backupMayExist = true;
  /** Until when the gateway looks for the backup; absent when nobody looks (no ledger). */
  readonly lookingUntil?: string;
  constructor({
    idempotencyKey,
    earlier,
  }: {
    idempotencyKey: string;
    /** What the earlier request met, and until when the gateway looks for the backup it may have made. */
    earlier: { code: string; detail: string; lookingUntil?: string };
  }) {
    const what = `An earlier request with idempotency key "${idempotencyKey}" failed with ${earlier.code} and may have created the backup.`;
    super({
      detail: earlier.lookingUntil
        ? `${what} The gateway is looking for that backup until ${earlier.lookingUntil}; meanwhile the request is not sent ` +
          'again, so that no backup is doubled. Repeat it with the same key after that time: you get the backup if it ' +
          'was made, or a new attempt if it was not.'
        : `${what} It is not sent again, so that no backup is doubled: check the instance's backups, and if there is ` +
          'none, send the request again with a new key.',
    });
    if (earlier.lookingUntil) this.lookingUntil = earlier.lookingUntil;
  }
}

/** The idempotency store could not be read or written before the upstream call: nothing was requested. */
export class IdempotencyStoreError extends GatewayError {
  readonly code = 'idempotency_store_unavailable';
  constructor({ cause }: { cause: unknown }) {
    super({
      detail: 'The gateway could not check the idempotency key, so it did not request a backup. It is safe to retry.',
      cause,
    });
  }
}

/** The ledger holds no backup of this id (the gateway did not create it, or its record has expired). */
export class BackupNotFoundError extends GatewayError {
  readonly code = 'backup_not_found';
  constructor({ backupId }: { backupId: string }) {
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
  readonly code = 'scheduled_backups_failed';
  readonly failed: FailedTarget[];
  constructor({ failed, total }: { failed: FailedTarget[]; total: number }) {
    super({
      detail: `${failed.length} of ${total} scheduled backups failed: ${failed
        .map((target) => `${target.engine} ${target.instanceId} (${target.code})`)
        .join(', ')}.`,
    });
    this.failed = failed;
  }
}
