import { isRecord } from '../objects';
import type { BackupCommand, Engine } from './backup-request';

/** Which Huawei Cloud service serves an engine. */
export type Service = 'dds' | 'rds';

export interface DdsCreateBackupBody {
  backup: { instance_id: string; name: string; description?: string };
}
export interface RdsCreateBackupBody {
  backup: { instance: string; name: string; description?: string; databases?: Array<{ name: string }> };
}

/** The upstream call for one command, in the spelling of its service. */
export type UpstreamCall =
  | { service: 'dds'; path: string; body: DdsCreateBackupBody }
  | { service: 'rds'; path: string; body: RdsCreateBackupBody };

/** The unified answer to a created backup, the same for every engine. */
export interface BackupResult {
  backupId: string;
  engine: Engine;
  service: Service;
  instanceId: string;
  name: string;
  description?: string;
  status: string;
  jobIds: string[];
  /** The `X-Request-Id` Huawei Cloud answered with: quote it to Huawei support. */
  upstreamRequestId: string | null;
}

/**
 * Maps a command to its service's path and body, with only the documented fields.
 *
 * @example
 * toUpstreamCall({ engine: 'dds', instanceId: 'i-1', name: 'bk-01' }, projectId)
 * // → { service: 'dds', path: `/v3/${projectId}/backups`, body: { backup: { instance_id: 'i-1', name: 'bk-01' } } }
 */
export function toUpstreamCall(command: BackupCommand, projectId: string): UpstreamCall {
  const project = encodeURIComponent(projectId);
  const description = command.description !== undefined ? { description: command.description } : {};
  if (command.engine === 'dds') {
    return {
      service: 'dds',
      path: `/v3/${project}/backups`,
      body: { backup: { instance_id: command.instanceId, name: command.name, ...description } },
    };
  }
  const databases =
    command.engine === 'sqlserver' && command.databases ? { databases: command.databases.map((name) => ({ name })) } : {};
  return {
    service: 'rds',
    path: `/rds/v1/${project}/backups`,
    body: { backup: { instance: command.instanceId, name: command.name, ...description, ...databases } },
  };
}

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).filter((v): v is string => typeof v === 'string');

/**
 * Reads a 2xx answer of either service into the unified result; `undefined` when the answer carries no backup id
 * (the caller must then treat the outcome as unknown).
 */
export function toBackupResult(
  command: BackupCommand,
  service: Service,
  answer: unknown,
  upstreamRequestId: string | null,
): BackupResult | undefined {
  if (!isRecord(answer)) return undefined;
  const rdsBackup = isRecord(answer.backup) ? answer.backup : undefined;
  const backupId = service === 'dds' ? answer.backup_id : rdsBackup?.id;
  if (typeof backupId !== 'string' || backupId === '') return undefined;
  const jobIds = service === 'dds' ? strings(answer.job_id) : strings(isRecord(answer.extendparam) ? answer.extendparam.jobs : undefined);
  return {
    backupId,
    engine: command.engine,
    service,
    instanceId: command.instanceId,
    name: command.name,
    ...(command.description !== undefined && { description: command.description }),
    status: typeof rdsBackup?.status === 'string' ? rdsBackup.status : 'BUILDING',
    jobIds,
    upstreamRequestId,
  };
}
