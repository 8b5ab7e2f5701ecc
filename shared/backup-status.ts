import type { BackupRecord } from './domain/backup-record';
import { BackupNotFoundError, InvalidRequestError, type FieldProblem } from './errors';
import { refreshBackup, type Lifecycle } from './lifecycle';

/**
 * The status API's use cases: one backup's status (asked of Huawei Cloud first when the ledger's is stale), and
 * the gateway's most recent backups.
 */

/** A status that is not final and older than this is asked of Huawei Cloud before it is answered. */
export const STALE_AFTER_MS = 10_000;
/**
 * How long a status read waits for Huawei Cloud before it answers with the ledger's view: a waiting client
 * asks again in seconds, and the tracker keeps the ledger current anyway.
 */
export const REFRESH_BUDGET_MS = 3_000;
export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** What a backup or instance id may be, as the status and list calls take it (and the CLI checks before asking). */
export const isGatewayId = (text: string): boolean => ID_PATTERN.test(text);
/** A list's `limit` as text: a whole number from 1 to {@link MAX_LIST_LIMIT}. */
export const isListLimit = (text: string): boolean =>
  /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_LIST_LIMIT;

/**
 * @example
 * await backupStatus(lifecycle, '2f4ddb93-b901-4b08-93d8-1d2e472f30fe', deadline) // → { backupId, status: 'COMPLETED', … }
 */
export async function backupStatus(lifecycle: Lifecycle, backupId: string, deadline: number): Promise<BackupRecord> {
  if (!isGatewayId(backupId)) throw new BackupNotFoundError({ backupId });
  const record = await lifecycle.ledger.get(backupId, deadline);
  if (!record) throw new BackupNotFoundError({ backupId });
  const stale = lifecycle.now() - Date.parse(record.checkedAt) > STALE_AFTER_MS;
  return stale ? refreshBackup(lifecycle, record, Math.min(deadline, Date.now() + REFRESH_BUDGET_MS)) : record;
}

export interface ListQuery {
  instanceId?: string;
  limit: number;
}

/**
 * Reads `instanceId` and `limit` (1–100, default 20) from a query string; refuses anything else, naming it.
 *
 * @example
 * listQueryOf({ instanceId: 'a89d…in02', limit: '5' }) // → { instanceId: 'a89d…in02', limit: 5 }
 */
export function listQueryOf(parameters: Record<string, string | undefined>): ListQuery {
  const problems: FieldProblem[] = [];
  const { instanceId, limit, ...rest } = parameters;
  for (const name of Object.keys(rest).slice(0, 5))
    problems.push({ field: name.slice(0, 40), message: 'is not a known query parameter (use instanceId, limit)' });
  if (instanceId !== undefined && !isGatewayId(instanceId)) {
    problems.push({ field: 'instanceId', message: 'must be an instance id: 1 to 128 letters, digits, - or _' });
  }
  if (limit !== undefined && !isListLimit(limit)) {
    problems.push({ field: 'limit', message: `must be a whole number from 1 to ${MAX_LIST_LIMIT}` });
  }
  if (problems.length > 0) throw new InvalidRequestError({ errors: problems });
  return {
    ...(instanceId !== undefined && { instanceId }),
    limit: limit === undefined ? DEFAULT_LIST_LIMIT : Number(limit),
  };
}
