import { InvalidRequestError, type FieldProblem } from '../errors';
import { definedFields, isRecord } from '../objects';
import type { BackupCommand, Engine, PartialBackupCommand } from './backup-request';

/** Which Huawei Cloud service serves an engine. */
export type Service = 'dds' | 'rds';

/** The Huawei Cloud service that backs an engine: DDS for DDS, RDS for the rest. */
export const serviceOf = (engine: Engine): Service => (engine === 'dds' ? 'dds' : 'rds');

/**
 * The RDS API that creates backups: v1 is the one our reference page documents, v3 the one Huawei Cloud now
 * recommends (and the only one its SDKs use).
 */
export const RDS_API_VERSIONS = ['v1', 'v3'] as const;
export type RdsApiVersion = (typeof RDS_API_VERSIONS)[number];

export interface DdsCreateBackupBody {
  backup: { instance_id: string; name: string; description?: string };
}
export interface RdsV1CreateBackupBody {
  backup: { instance: string; name: string; description?: string; databases?: Array<{ name: string }> };
}
/** Flat, unlike v1: no `backup` wrapper, and the instance is `instance_id`. */
export interface RdsV3CreateBackupBody {
  instance_id: string;
  name: string;
  description?: string;
  databases?: Array<{ name: string }>;
  backup_database_individually?: true;
}

/** The API a call goes to; it decides the shape of the answer. */
export type UpstreamApi = { service: 'dds' } | { service: 'rds'; apiVersion: RdsApiVersion };

/** The upstream call for one command, in the spelling of its service and API version. */
export type UpstreamCall =
  | { service: 'dds'; path: string; body: DdsCreateBackupBody }
  | { service: 'rds'; apiVersion: 'v1'; path: string; body: RdsV1CreateBackupBody }
  | { service: 'rds'; apiVersion: 'v3'; path: string; body: RdsV3CreateBackupBody };

/** The unified answer to a created backup, the same for every engine. */
/** Which backup: of what engine and instance, under which name (as the ledger, look-ups and answers name it). */
export interface BackupIdentity {
  engine: Engine;
  service: Service;
  instanceId: string;
  name: string;
  description?: string;
}

export interface BackupResult extends BackupIdentity {
  backupId: string;
  status: string;
  jobIds: string[];
  /** The `X-Request-Id` Huawei Cloud answered with: quote it to Huawei support. */
  upstreamRequestId: string | null;
}

const needsRdsV3 = (why: string): string =>
  `needs RDS API v3 (HUAWEICLOUD_RDS_API_VERSION=v3): this gateway calls RDS API v1, ${why}`;

/** What a command asks for that RDS v1 cannot do: partial PostgreSQL backups, one backup per database. */
function beyondRdsV1(command: BackupCommand): FieldProblem[] {
  if (command.engine === 'dds' || command.engine === 'mysql') return [];
  const problems: FieldProblem[] = [];
  if (command.engine === 'postgresql' && command.databases) {
    const message = `with engine postgresql ${needsRdsV3('whose partial backups are for SQL Server only')}`;
    problems.push({ field: 'databases', message });
  }
  if (command.backupDatabasesIndividually) {
    problems.push({ field: 'backupDatabasesIndividually', message: needsRdsV3('which has no such option') });
  }
  return problems;
}

/**
 * Maps a command to its service's path and body, with only the documented fields. Throws
 * {@link InvalidRequestError} naming each field the configured RDS API version cannot express.
 *
 * @example
 * toUpstreamCall({ engine: 'postgresql', instanceId: 'i-1', name: 'bk-01', databases: ['sales'] }, projectId, 'v3')
 * // → { service: 'rds', apiVersion: 'v3', path: `/v3/${projectId}/backups`,
 * //     body: { instance_id: 'i-1', name: 'bk-01', databases: [{ name: 'sales' }] } }
 */
export function toUpstreamCall(command: BackupCommand, projectId: string, rdsApiVersion: RdsApiVersion): UpstreamCall {
  const project = encodeURIComponent(projectId);
  const { instanceId, name, description } = command;
  if (command.engine === 'dds') {
    return {
      service: 'dds',
      path: `/v3/${project}/backups`,
      body: { backup: { instance_id: instanceId, name, ...definedFields({ description }) } },
    };
  }
  const partial: Partial<PartialBackupCommand> = command.engine === 'mysql' ? {} : command;
  const databases = partial.databases?.map((database) => ({ name: database }));
  if (rdsApiVersion === 'v3') {
    const individually = partial.backupDatabasesIndividually ? { backup_database_individually: true as const } : {};
    return {
      service: 'rds',
      apiVersion: 'v3',
      path: `/v3/${project}/backups`,
      body: { instance_id: instanceId, name, ...definedFields({ description, databases }), ...individually },
    };
  }
  const problems = beyondRdsV1(command);
  if (problems.length > 0) throw new InvalidRequestError({ errors: problems });
  return {
    service: 'rds',
    apiVersion: 'v1',
    path: `/rds/v1/${project}/backups`,
    body: { backup: { instance: instanceId, name, ...definedFields({ description, databases }) } },
  };
}

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).filter(
    (v): v is string => typeof v === 'string',
  );

/** The job ids an answer carries: DDS `job_id`, RDS v1 `extendparam.jobs`; RDS v3 answers with none. */
function jobIdsOf(api: UpstreamApi, answer: Record<string, unknown>): string[] {
  if (api.service === 'dds') return strings(answer.job_id);
  if (api.apiVersion === 'v1') return strings(isRecord(answer.extendparam) ? answer.extendparam.jobs : undefined);
  return [];
}

/**
 * Reads a 2xx answer of any of the APIs into the unified result; `undefined` when the answer carries no backup id
 * (the caller must then treat the outcome as unknown). RDS v1 and v3 both answer `{"backup": {"id", "status", …}}`.
 *
 * @example
 * toBackupResult(command, { service: 'rds', apiVersion: 'v3' }, { backup: { id: 'b-1', status: 'BUILDING' } }, 'r-1')
 * // → { backupId: 'b-1', engine: 'mysql', service: 'rds', …, status: 'BUILDING', jobIds: [],
 * //     upstreamRequestId: 'r-1' }
 */
export function toBackupResult(
  command: BackupCommand,
  api: UpstreamApi,
  answer: unknown,
  upstreamRequestId: string | null,
): BackupResult | undefined {
  if (!isRecord(answer)) return undefined;
  const rdsBackup = isRecord(answer.backup) ? answer.backup : undefined;
  const backupId = api.service === 'dds' ? answer.backup_id : rdsBackup?.id;
  if (typeof backupId !== 'string' || backupId === '') return undefined;
  return {
    backupId,
    engine: command.engine,
    service: api.service,
    instanceId: command.instanceId,
    name: command.name,
    ...(command.description !== undefined && { description: command.description }),
    status: typeof rdsBackup?.status === 'string' ? rdsBackup.status : 'BUILDING',
    jobIds: jobIdsOf(api, answer),
    upstreamRequestId,
  };
}
