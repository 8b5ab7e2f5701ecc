import type { Service } from '../domain/engine-mapping';
import { isRecord } from '../objects';
import type { HuaweiClient } from './client';

/**
 * The list calls of both services (`GET /v3/{project_id}/backups` on the DDS and the RDS endpoint), read into one
 * shape. Neither filters by name, so a backup is looked up by name by listing an instance's backups of a time
 * window, page by page.
 */
export type UpstreamStatus = 'BUILDING' | 'COMPLETED' | 'FAILED' | 'DELETING';

export interface UpstreamBackup {
  id: string;
  name: string;
  instanceId: string;
  status: UpstreamStatus;
  /** ISO 8601 UTC. */
  beganAt?: string;
  endedAt?: string;
  sizeKB?: number;
}

export interface ListQuery {
  instanceId: string;
  backupId?: string;
  /** Both or neither: backups begun within the window. */
  window?: { from: Date; to: Date };
}

/** The largest page both services serve. */
export const PAGE_SIZE = 100;
/** A lookup reads at most this many pages of one instance: an instance with more backups in the window is odd. */
const MAX_PAGES = 10;

// DDS spells "being deleted" DISABLED in its documentation and DELETING in its Go SDK: both are read.
const STATUSES: Record<string, UpstreamStatus> = {
  BUILDING: 'BUILDING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  DELETING: 'DELETING',
  DISABLED: 'DELETING',
};

/**
 * `2026-11-25 10:00:00` (DDS, UTC), `2026-11-25T10:00:00+0000` or `…Z` (RDS) → ISO 8601 UTC; undefined when
 * empty or unreadable (an unfinished backup has no end time).
 *
 * @example
 * upstreamTime('2026-11-25 10:00:00') // → '2026-11-25T10:00:00.000Z'
 */
export function upstreamTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  const offset = !m[3] || m[3] === 'Z' ? 'Z' : `${m[3].slice(0, 3)}:${m[3].slice(-2)}`;
  const at = new Date(`${m[1]}T${m[2]}${offset}`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** A query time in each service's documented form. */
const queryTime = (service: Service, at: Date): string => {
  const iso = at.toISOString().slice(0, 19);
  return service === 'dds' ? iso.replace('T', ' ') : `${iso}Z`;
};

function readBackup(entry: unknown): UpstreamBackup | undefined {
  if (!isRecord(entry) || typeof entry.id !== 'string' || typeof entry.status !== 'string') return undefined;
  const status = STATUSES[entry.status.toUpperCase()];
  if (!status) return undefined;
  const beganAt = upstreamTime(entry.begin_time);
  const endedAt = upstreamTime(entry.end_time);
  const size = typeof entry.size === 'number' ? entry.size : Number.NaN;
  return {
    id: entry.id,
    name: typeof entry.name === 'string' ? entry.name : '',
    instanceId: typeof entry.instance_id === 'string' ? entry.instance_id : '',
    status,
    ...(beganAt && { beganAt }),
    ...(endedAt && { endedAt }),
    ...(Number.isFinite(size) && { sizeKB: size }),
  };
}

/**
 * One page of an instance's backups.
 *
 * @example
 * await listBackups(client, projectId, 'rds', { instanceId, backupId }, 0, deadline) // → { backups: [{ id, status: 'BUILDING', … }], total: 1, served: 1 }
 */
export async function listBackups(
  client: HuaweiClient,
  projectId: string,
  service: Service,
  { instanceId, backupId, window }: ListQuery,
  offset: number,
  deadline: number,
): Promise<{ backups: UpstreamBackup[]; total: number; served: number }> {
  const query: Record<string, string> = {
    instance_id: instanceId,
    offset: String(offset),
    limit: String(PAGE_SIZE),
    ...(backupId && { backup_id: backupId }),
    ...(window && { begin_time: queryTime(service, window.from), end_time: queryTime(service, window.to) }),
  };
  const { body } = await client.get(service, `/v3/${encodeURIComponent(projectId)}/backups`, query, deadline);
  const entries = isRecord(body) && Array.isArray(body.backups) ? body.backups : [];
  const backups = entries.map(readBackup).filter((backup): backup is UpstreamBackup => backup !== undefined);
  // Without a total, only a short page says there is no other.
  const total = isRecord(body) && typeof body.total_count === 'number' ? body.total_count : Number.POSITIVE_INFINITY;
  // `served`: the entries on the page as Huawei Cloud sent them, readable or not; paging goes by these.
  return { backups, total, served: entries.length };
}

/**
 * Every backup of an instance begun within a window, page by page (at most {@link MAX_PAGES}).
 *
 * @example
 * const backups = await listAllBackups(client, projectId, 'dds', { instanceId, window: { from, to } }, deadline);
 */
export async function listAllBackups(
  client: HuaweiClient,
  projectId: string,
  service: Service,
  query: ListQuery,
  deadline: number,
): Promise<UpstreamBackup[]> {
  const all: UpstreamBackup[] = [];
  let servedSoFar = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { backups, total, served } = await listBackups(client, projectId, service, query, page * PAGE_SIZE, deadline);
    all.push(...backups);
    servedSoFar += served;
    // Counted by what was served, not by what could be read: an entry with a status this code does not know
    // made a full page look short, and the pages after it went unread.
    if (served < PAGE_SIZE || servedSoFar >= total) break;
  }
  return all;
}
