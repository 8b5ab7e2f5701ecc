import type { BackupIdentity } from './engine-mapping';

/**
 * A backup's life as the gateway follows it: requested → BUILDING → COMPLETED or FAILED (or DELETING when someone
 * deletes it, or UNKNOWN when tracking gave up), each change recorded in the ledger and published as an event.
 */
export type BackupStatus = 'BUILDING' | 'COMPLETED' | 'FAILED' | 'DELETING' | 'UNKNOWN';

/** Statuses that no longer change by themselves: tracking stops there. */
export const isFinal = (status: BackupStatus): boolean => status !== 'BUILDING';

/** Who asked for a backup, through which entry point. */
export type RequestedBy =
  | { via: 'http'; sourceIp?: string }
  | { via: 'queue'; messageId: string }
  | { via: 'schedule'; scheduledEventId: string }
  | { via: 'slack'; userId: string; channelId: string; teamId?: string; responseUrl?: string; commandText?: string };

/** A backup the gateway created, as the ledger holds it. Every time is ISO 8601 UTC. */
export interface BackupRecord extends BackupIdentity {
  backupId: string;
  databases?: string[];
  status: BackupStatus;
  requestedAt: string;
  requestedBy: RequestedBy;
  upstreamRequestId: string | null;
  checkedAt: string;
  startedAt?: string;
  completedAt?: string;
  sizeKB?: number;
  /** Why it is FAILED or UNKNOWN, when known. */
  reason?: string;
}

/** What `GET /backups/{id}` answers: the record without what only the gateway needs (a Slack response URL). */
export function backupView(record: BackupRecord): BackupRecord {
  if (record.requestedBy.via !== 'slack') return record;
  const { responseUrl, commandText, ...caller } = record.requestedBy;
  return { ...record, requestedBy: caller };
}
