import type { BackupRecord, BackupStatus } from '../domain/backup-record';
import { backupView } from '../domain/backup-record';
import { logger } from '../logger';
import { definedFields } from '../objects';
import type { AwsClient } from './client';

/**
 * "Backup State Change" events on EventBridge: one for every change of a backup's status, its creation included
 * (`previousStatus: null`). Published by the invocation that recorded the change.
 */
export const EVENT_SOURCE = 'backup-gateway';
export const STATE_CHANGE = 'Backup State Change';

export interface StateChangeDetail {
  backupId: string;
  engine: string;
  service: string;
  instanceId: string;
  name: string;
  status: BackupStatus;
  previousStatus: BackupStatus | null;
  requestedAt: string;
  requestedBy: BackupRecord['requestedBy'];
  completedAt?: string;
  sizeKB?: number;
  reason?: string;
}

export type PublishStateChange = (
  record: BackupRecord,
  previousStatus: BackupStatus | null,
  deadline?: number,
) => Promise<void>;

/** PutEvents answers 200 with per-entry failures: a failed entry is sent again this many times in all. */
const MAX_PUBLISH_ATTEMPTS = 3;
/** The first wait before a failed entry is sent again; it doubles, with jitter, each time. */
const RETRY_BASE_MS = 50;

/**
 * @example
 * const publish = stateChangePublisher(aws, 'default');
 * await publish(record, 'BUILDING'); // → a "Backup State Change" event with status COMPLETED, previousStatus BUILDING
 */
export function stateChangePublisher(aws: AwsClient, eventBusName: string): PublishStateChange {
  return async (record, previousStatus, deadline) => {
    const { backupId, engine, service, instanceId, name, status, requestedAt, requestedBy, ...known } =
      backupView(record);
    const { completedAt, sizeKB, reason } = known;
    const detail: StateChangeDetail = {
      ...{ backupId, engine, service, instanceId, name, status, previousStatus, requestedAt, requestedBy },
      ...definedFields({ completedAt, sizeKB, reason }),
    };
    const entry = {
      Source: EVENT_SOURCE,
      DetailType: STATE_CHANGE,
      Detail: JSON.stringify(detail),
      EventBusName: eventBusName,
    };
    let lastError = 'no attempt';
    for (let attempt = 1; attempt <= MAX_PUBLISH_ATTEMPTS; attempt++) {
      try {
        const answer = await aws.call<{
          FailedEntryCount?: number;
          Entries?: Array<{ ErrorCode?: string; ErrorMessage?: string }>;
        }>('events', 'PutEvents', { Entries: [entry] }, { deadline });
        if (!answer.FailedEntryCount) return;
        const failure = answer.Entries?.[0];
        lastError = `${failure?.ErrorCode ?? 'failed entry'}: ${failure?.ErrorMessage ?? ''}`;
        // A failed entry is mostly throttling or a passing internal failure: sent again at once, it meets the same
        // limit. So each retry waits (50–100 ms, then 100–200 ms), never past the deadline; the log below keeps it.
        const waitMs = RETRY_BASE_MS * 2 ** (attempt - 1) * (1 + Math.random());
        if (attempt === MAX_PUBLISH_ATTEMPTS || (deadline !== undefined && Date.now() + waitMs >= deadline)) break;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      } catch (error) {
        // The client has retried what AWS's policy retries; what is left is not worth another round.
        lastError = (error as Error).message;
        break;
      }
    }
    // Never silently dropped: the log holds the whole event, to be replayed by hand.
    logger.error('backup state change could not be published', {
      event: { ...entry, Detail: detail },
      reason: lastError,
    });
  };
}
