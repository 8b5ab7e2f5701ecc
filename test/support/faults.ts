import type { Fault } from '../../local/huawei-stand-in';

/**
 * Scripted answers of the Huawei stand-in, shared by the fault tests: what Huawei Cloud answers when it is busy,
 * unavailable or failing.
 *
 * @example
 * standIn.script(throttled({ 'Retry-After': '0' }), unavailable());
 */
export const answer = (status: number, headers: Record<string, string> = {}, body = ''): Fault => ({
  kind: 'answer',
  status,
  headers,
  body,
});

/** The API gateway's throttling answer (APIGW.0308). */
export const throttled = (headers: Record<string, string> = {}) =>
  answer(429, headers, JSON.stringify({ error_code: 'APIGW.0308', error_msg: 'Throttled', request_id: 'r' }));

/** A 503 that invites a retry at once. */
export const unavailable = () => answer(503, { 'Retry-After': '0' });

/** A 500 after which the backup may or may not exist. */
export const internalError = () =>
  answer(500, {}, JSON.stringify({ error_code: 'DBS.200003', error_msg: 'Internal error' }));
