import type { StoredBackup } from './huawei-stand-in';

/**
 * The stand-in's answer to the list calls, as the reference documents them: DDS `GET /v3/{project_id}/backups`
 * (times `yyyy-mm-dd hh:mm:ss` UTC, `instance_id` optional) and RDS v3's (times ISO 8601 with `+0000`,
 * `instance_id` required); filters `backup_id`, `begin_time` + `end_time` (both or neither), `offset`, `limit`
 * (1–100). Returns the answer body, or the refusal's message.
 */
export type ListingService = 'dds' | 'rds';

const DDS_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const RDS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const KNOWN = ['instance_id', 'backup_id', 'backup_type', 'offset', 'limit', 'begin_time', 'end_time', 'mode'];

/** A time as each service's answers write it. */
export const formatTime = (service: ListingService, at: number): string => {
  const iso = new Date(at).toISOString().slice(0, 19);
  return service === 'dds' ? iso.replace('T', ' ') : `${iso}+0000`;
};
const parseTime = (service: ListingService, text: string): number =>
  Date.parse(service === 'dds' ? `${text.replace(' ', 'T')}Z` : text);

/**
 * @example
 * listingAnswer('rds', new URLSearchParams('instance_id=i-1&limit=10'), backupsOf, statusOf) // → { backups: [...], total_count: 1 }
 */
export function listingAnswer(
  service: ListingService,
  query: URLSearchParams,
  backupsOf: (instanceId: string | undefined) => StoredBackup[],
  statusOf: (backup: StoredBackup) => StoredBackup,
): { backups: unknown[]; total_count: number } | string {
  const unknown = [...query.keys()].filter((key) => !KNOWN.includes(key));
  if (unknown.length > 0) return `unknown parameter ${unknown.join(', ')}`;
  const instanceId = query.get('instance_id') ?? undefined;
  if (service === 'rds' && !instanceId) return 'instance_id is required';
  const offset = Number(query.get('offset') ?? '0');
  const limit = Number(query.get('limit') ?? '100');
  if (!Number.isInteger(offset) || offset < 0) return 'offset is invalid';
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return 'limit is invalid';
  const begin = query.get('begin_time');
  const end = query.get('end_time');
  if ((begin === null) !== (end === null)) return 'begin_time and end_time go together';
  const timeRule = service === 'dds' ? DDS_TIME : RDS_TIME;
  if (begin !== null && end !== null && (!timeRule.test(begin) || !timeRule.test(end)))
    return 'begin_time or end_time is invalid';
  const backupId = query.get('backup_id');

  const window =
    begin !== null && end !== null ? { from: parseTime(service, begin), to: parseTime(service, end) } : undefined;

  const matching = backupsOf(instanceId)
    .filter((backup) => backup.service === service)
    .filter((backup) => backupId === null || backup.id === backupId)
    .filter((backup) => !window || (backup.createdAt >= window.from && backup.createdAt <= window.to));
  // Only the page's backups are answered with their status (the count needs none).
  const page = matching
    .slice(offset, offset + limit)
    .map(statusOf)
    .map((backup) => {
      const finished = backup.status !== 'BUILDING';
      const common = {
        id: backup.id,
        name: backup.name,
        instance_id: backup.instanceId,
        begin_time: formatTime(service, backup.createdAt),
        end_time: finished && backup.finishedAt !== undefined ? formatTime(service, backup.finishedAt) : '',
        status: backup.status,
        type: service === 'dds' ? 'Manual' : 'manual',
        size: backup.status === 'COMPLETED' ? backup.sizeKB : 0,
      };
      return service === 'dds'
        ? {
            ...common,
            instance_name: `instance-${backup.instanceId.slice(0, 8)}`,
            description: backup.description ?? '',
            datastore: { type: 'DDS-Community', version: '4.0' },
          }
        : {
            ...common,
            databases: (backup.databases ?? []).map((name) => ({ name })),
            datastore: { type: 'MySQL', version: '8.0' },
            associated_with_ddm: false,
          };
    });
  return { backups: page, total_count: matching.length };
}
