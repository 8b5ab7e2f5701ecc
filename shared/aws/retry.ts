/**
 * AWS's standard retry policy, as the SDKs' `standard` mode applies it: retry throttling errors, transient
 * errors (5xx, timeouts, connection failures), nothing else; exponential back-off with full jitter.
 */

/** The error types the SDKs treat as throttling. */
const THROTTLING_TYPES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT_TYPES = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'TimeoutError',
  'NetworkingError',
]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
/** Any 429 is throttling, whatever its error type says (as the SDKs read it). */
const TOO_MANY_REQUESTS = 429;

/** The SDKs' base delay and ceiling of the standard mode. */
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;

/**
 * @example
 * isRetryableAwsError({ type: 'ProvisionedThroughputExceededException', status: 400 }) // → true
 */
export function isRetryableAwsError({ type, status }: { type: string; status: number }): boolean {
  return (
    THROTTLING_TYPES.has(type) ||
    TRANSIENT_TYPES.has(type) ||
    TRANSIENT_STATUSES.has(status) ||
    status === TOO_MANY_REQUESTS
  );
}

/**
 * Full jitter: a random wait between 0 and `min(20 s, 100 ms × 2^attempt)`.
 *
 * @example
 * awsRetryDelayMs(1, Math.random) // → somewhere in [0, 200) ms
 */
export function awsRetryDelayMs(attempt: number, random: () => number): number {
  return random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
}
