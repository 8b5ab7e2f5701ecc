import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isRecord } from '../shared/objects';
import { BackupStore } from './backup-store';
import { formatTime, listingAnswer } from './backup-listing';
import { closeServer, listenOnLoopback, readBody } from './loopback-server';
import { officialSignature } from './official-signature';

/**
 * A stand-in for the Huawei Cloud DDS and RDS "create manual backup" endpoints, on loopback. It checks every
 * request as the real services do (AK/SK signature, judged by Huawei's own SDK signer; date skew, project,
 * documented body rules), answers with the documented bodies and error shapes, keeps backups in memory, and
 * can be scripted with faults.
 *
 * Each service listens on its own address, as the real endpoints do: DDS and RDS v3 share the path
 * `/v3/{project_id}/backups`, so only the endpoint tells them apart.
 */
export type RdsEngineName = 'MySQL' | 'PostgreSQL' | 'SQLServer';

export type Fault =
  | { kind: 'answer'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  /** Closes the connection without reading the request: the upstream surely did not act. */
  | { kind: 'drop-before-read' }
  /** Reads the request and creates the backup, then closes the connection without answering. */
  | { kind: 'drop-after-read' }
  /** Creates the backup and answers 200 with a body cut short. */
  | { kind: 'truncate' }
  /**
   * Checks the request, then waits for `until()` before going on: a test holds requests with it until as many
   * as it wants are in flight, or until something else has happened, instead of guessing how long that takes.
   */
  | { kind: 'hold'; until: () => Promise<unknown> };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  service?: 'dds' | 'rds';
  /** The RDS API the request was for. */
  rdsApiVersion?: 'v1' | 'v3';
  /** The status the stand-in answered, or `undefined` when it dropped the connection. */
  answeredWith?: number;
  /** Why the stand-in refused the request, when it did. */
  refusal?: string;
}

export interface StoredBackup {
  id: string;
  service: 'dds' | 'rds';
  instanceId: string;
  name: string;
  description?: string;
  databases?: string[];
  /** RDS v3 `backup_database_individually`, when it was true. */
  backupDatabaseIndividually?: true;
  createdAt: number;
  status: 'BUILDING' | 'COMPLETED' | 'FAILED';
  /** When it finished (COMPLETED or FAILED), once it has. */
  finishedAt?: number;
  /** Its size once finished, as the list calls report it (KB). */
  sizeKB: number;
  /** The job that builds it, as the create answer names it (DDS `job_id`, RDS v1 `extendparam.jobs`). */
  jobId?: string;
}

export type InstanceBehaviour = 'backups-fail' | 'answers-500-after-creating';

export interface StandInOptions {
  accessKey: string;
  secretKey: string;
  projectId: string;
  /** When set, requests must carry it as a signed `X-Security-Token`. */
  securityToken?: string;
  /** A backup is `BUILDING` until this much time has passed, then `COMPLETED` (or `FAILED`, see below). */
  completeAfterMs?: number;
  /** Refuse a backup while another one of the same instance is `BUILDING`, as the real services do. */
  refuseConcurrentBackups?: boolean;
  /** Delay before every answer. */
  latencyMs?: number;
  /** The engine of an RDS instance that was not registered with `addRdsInstance`; MySQL unless said otherwise. */
  defaultRdsEngine?: RdsEngineName;
  /** The DDS endpoint's port; any free one unless set. */
  port?: number;
  /** The RDS endpoint's port; any free one unless set. */
  rdsPort?: number;
  now?: () => number;
}

export interface HuaweiStandIn {
  /** The DDS endpoint, for `HUAWEICLOUD_DDS_ENDPOINT`. */
  ddsUrl: string;
  /** The RDS endpoint (v1 and v3), for `HUAWEICLOUD_RDS_ENDPOINT`. */
  rdsUrl: string;
  /**
   * The DDS endpoint, which also serves RDS v1 (a path of its own): one URL for both services, as before RDS v3.
   * RDS v3 needs `rdsUrl`.
   */
  url: string;
  readonly requests: RecordedRequest[];
  backups(): StoredBackup[];
  /** The next requests meet these faults, one each, in order. */
  script(...faults: Fault[]): void;
  /** Registers an RDS instance's engine; unknown instances are taken as `defaultRdsEngine`. */
  addRdsInstance(instanceId: string, engine: RdsEngineName): void;
  /**
   * Makes an instance misbehave for good: its backups end `FAILED`, or its creates make the backup and then
   * answer 500 (the gateway cannot tell whether it was made).
   */
  setInstanceBehaviour(instanceId: string, behaviour: InstanceBehaviour): void;
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** Written from Huawei's reference, not taken from the gateway's signer, which the stand-in judges. */
const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const NAME_RULE = /^[A-Za-z][A-Za-z0-9_-]{3,63}$/;
const DESCRIPTION_FORBIDDEN = /[>!<"&'=]/;

/** One of the three create APIs; it decides the body's shape, the answer's and the error's. */
type Api = 'dds' | 'rds-v1' | 'rds-v3';
type Endpoint = 'dds' | 'rds';
const V3_BACKUPS = /^\/v3\/([^/]+)\/backups$/;
const RDS_V1_BACKUPS = /^\/rds\/v1\/([^/]+)\/backups$/;
const ROUTES: Record<Endpoint, Array<{ api: Api; pattern: RegExp }>> = {
  dds: [
    { api: 'dds', pattern: V3_BACKUPS },
    { api: 'rds-v1', pattern: RDS_V1_BACKUPS },
  ],
  rds: [
    { api: 'rds-v1', pattern: RDS_V1_BACKUPS },
    { api: 'rds-v3', pattern: V3_BACKUPS },
  ],
};
const INVALID_PARAMETER_CODE: Record<Api, string> = { dds: 'DBS.200001', 'rds-v1': 'RDS.0005', 'rds-v3': 'DBS.200001' };
const FIELDS: Record<Api, string[]> = {
  dds: ['instance_id', 'name', 'description'],
  'rds-v1': ['instance', 'name', 'description', 'databases'],
  'rds-v3': ['instance_id', 'name', 'description', 'databases', 'backup_database_individually'],
};
/** The engines whose backups can be partial, by API. */
const PARTIAL_BACKUP_ENGINES: Record<'rds-v1' | 'rds-v3', RdsEngineName[]> = {
  'rds-v1': ['SQLServer'],
  'rds-v3': ['SQLServer', 'PostgreSQL'],
};

const ENGINE_TITLES: Record<RdsEngineName, string> = {
  MySQL: 'MySQL',
  PostgreSQL: 'PostgreSQL',
  SQLServer: 'Microsoft SQL Server',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseSdkDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Number.NaN;
}

interface CheckedBackup {
  instanceId: string;
  name: string;
  description?: string;
  databases?: string[];
  backupDatabaseIndividually?: true;
}

/** Checks the body against the documented rules of its API; returns the problem, or the backup's fields. */
function checkBody(api: Api, json: unknown, engineOf: (instanceId: string) => RdsEngineName): string | CheckedBackup {
  // DDS and RDS v1 wrap the fields in `backup`; RDS v3 sends them at the top level.
  const backup = api === 'rds-v3' ? json : isRecord(json) ? json.backup : undefined;
  if (!isRecord(backup)) return api === 'rds-v3' ? 'the body must be an object' : 'backup is required';
  const instanceField = api === 'rds-v1' ? 'instance' : 'instance_id';
  const unknown = Object.keys(backup).filter((key) => !FIELDS[api].includes(key));
  if (unknown.length > 0) return `unknown parameter ${unknown.join(', ')}`;
  const instanceId = backup[instanceField];
  if (typeof instanceId !== 'string' || instanceId === '') return `${instanceField} is required`;
  if (typeof backup.name !== 'string' || !NAME_RULE.test(backup.name)) return 'name is invalid';
  const description = backup.description;
  if (
    description !== undefined &&
    (typeof description !== 'string' || [...description].length > 256 || DESCRIPTION_FORBIDDEN.test(description))
  ) {
    return 'description is invalid';
  }
  let databases: string[] | undefined;
  if (backup.databases !== undefined && api !== 'dds') {
    const engines = PARTIAL_BACKUP_ENGINES[api];
    if (!engines.includes(engineOf(instanceId))) {
      return `databases is supported only by ${engines.map((engine) => ENGINE_TITLES[engine]).join(' and ')} instances`;
    }
    if (!Array.isArray(backup.databases) || backup.databases.length === 0) return 'databases is invalid';
    if (
      !backup.databases.every(
        (db) => isRecord(db) && Object.keys(db).join() === 'name' && typeof db.name === 'string' && db.name !== '',
      )
    ) {
      return 'databases is invalid';
    }
    databases = backup.databases.map((db) => (db as { name: string }).name);
  }
  const individually = backup.backup_database_individually;
  if (individually !== undefined && typeof individually !== 'boolean') return 'backup_database_individually is invalid';
  if (individually && !databases) return 'backup_database_individually requires databases';
  return {
    instanceId,
    name: backup.name,
    ...(description !== undefined && { description: description as string }),
    ...(databases && { databases }),
    ...(individually && { backupDatabaseIndividually: true as const }),
  };
}

/** The documented answer of each API to a created backup. */
function createdAnswer(api: Api, backup: StoredBackup, engine: RdsEngineName): unknown {
  const createdAt = new Date(backup.createdAt).toISOString().slice(0, 19);
  if (api === 'dds') return { backup_id: backup.id, job_id: backup.jobId };
  if (api === 'rds-v3') {
    return {
      backup: {
        id: backup.id,
        instance_id: backup.instanceId,
        name: backup.name,
        description: backup.description ?? '',
        databases: (backup.databases ?? []).map((name) => ({ name })),
        begin_time: formatTime('rds', backup.createdAt),
        status: 'BUILDING',
        type: 'manual',
      },
    };
  }
  return {
    backup: {
      created: createdAt,
      dataStore: { type: engine, version: '8.0.28', version_id: randomUUID() },
      description: backup.description ?? '',
      id: backup.id,
      instance_id: backup.instanceId,
      locationRef: null,
      name: backup.name,
      parent_id: null,
      size: null,
      status: 'BUILDING',
      updated: null,
      backuptype: '1',
    },
    extendparam: { jobs: [backup.jobId] },
  };
}

/**
 * @example
 * const standIn = await startHuaweiStandIn({ accessKey: 'AK', secretKey: 'SK', projectId });
 * // HUAWEICLOUD_DDS_ENDPOINT=standIn.ddsUrl, HUAWEICLOUD_RDS_ENDPOINT=standIn.rdsUrl
 */
export async function startHuaweiStandIn(options: StandInOptions): Promise<HuaweiStandIn> {
  const {
    accessKey,
    secretKey,
    projectId,
    securityToken,
    refuseConcurrentBackups = true,
    defaultRdsEngine = 'MySQL',
    now = Date.now,
  } = options;
  const completeAfterMs = options.completeAfterMs ?? 5_000;
  let latencyMs = options.latencyMs ?? 0;
  const requests: RecordedRequest[] = [];
  const stored = new BackupStore();
  const faults: Fault[] = [];
  const rdsEngines = new Map<string, RdsEngineName>();

  const behaviours = new Map<string, InstanceBehaviour>();
  const statusOf = (backup: StoredBackup): StoredBackup => {
    if (now() - backup.createdAt < completeAfterMs) return { ...backup, status: 'BUILDING' };
    const status = behaviours.get(backup.instanceId) === 'backups-fail' ? 'FAILED' : 'COMPLETED';
    return { ...backup, status, finishedAt: backup.createdAt + completeAfterMs };
  };

  // RDS v1 alone has its own error shape; DDS and RDS v3 answer like the API gateway.
  const errorBody = (api: Api, code: string, message: string) =>
    api === 'rds-v1' ? { errCode: code, externalMessage: message } : { error_code: code, error_msg: message };

  function authenticate(req: IncomingMessage, body: string): string | undefined {
    const authorization = req.headers.authorization ?? '';
    const m = new RegExp(`^${SIGNING_ALGORITHM} Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`).exec(
      authorization,
    );
    if (!m) return 'missing or malformed Authorization header';
    const [, access, signedHeaderList, signature] = m;
    if (access !== accessKey) return 'unknown access key';
    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-sdk-date'))
      return 'host and x-sdk-date must be signed';
    const date = req.headers['x-sdk-date'];
    if (
      typeof date !== 'string' ||
      Math.abs(parseSdkDate(date) - now()) > MAX_SKEW_MS ||
      Number.isNaN(parseSdkDate(date))
    ) {
      return 'X-Sdk-Date missing or more than 15 minutes off';
    }
    if (
      securityToken !== undefined &&
      (req.headers['x-security-token'] !== securityToken || !signedHeaders.includes('x-security-token'))
    ) {
      return 'security token missing or not signed';
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      if (typeof value !== 'string') return `signed header ${name} is missing`;
      headers[name] = value;
    }
    // The request target exactly as sent: the URL class would normalise the path before it is judged.
    const target = req.url ?? '/';
    const queryStart = target.includes('?') ? target.indexOf('?') : target.length;
    const path = target.slice(0, queryStart);
    const query = target.slice(queryStart + 1);
    const received = { method: req.method ?? '', path, query, signedHeaders: headers, body };
    let expected: string;
    try {
      expected = officialSignature(received, { accessKey, secretKey });
    } catch (error) {
      if (error instanceof URIError) return 'the path is not validly percent-encoded';
      throw error;
    }
    return timingSafeEqual(Buffer.from(expected), Buffer.from(signature)) ? undefined : 'signature does not match';
  }

  async function handle(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const requestId = randomBytes(16).toString('hex');
    const record: RecordedRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers, body: '' };
    const answer = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (latencyMs > 0) await sleep(latencyMs);
      record.answeredWith = status;
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Request-Id': requestId, ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    if (req.method === 'GET' && url.pathname === '/_stand-in/backups') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(stored.all().map(statusOf), null, 2));
      return;
    }
    requests.push(record);
    const fault = faults.shift();
    if (fault?.kind === 'drop-before-read') {
      req.socket.destroy();
      return;
    }
    record.body = await readBody(req);
    const route = ROUTES[endpoint]
      .map(({ api, pattern }) => ({ api, match: pattern.exec(url.pathname) }))
      .find((r) => r.match);
    const listing = req.method === 'GET' && route?.match && route.api !== 'rds-v1';
    if ((req.method !== 'POST' && !listing) || !route?.match) {
      record.refusal = 'no such API';
      return answer(404, {
        error_code: 'APIGW.0101',
        error_msg: 'The API does not exist or has not been published in the environment.',
        request_id: requestId,
      });
    }
    const { api } = route;
    const service = api === 'dds' ? 'dds' : 'rds';
    record.service = service;
    if (api !== 'dds') record.rdsApiVersion = api === 'rds-v1' ? 'v1' : 'v3';
    const authProblem = authenticate(req, record.body);
    if (authProblem) {
      record.refusal = authProblem;
      return answer(401, {
        error_code: 'APIGW.0301',
        error_msg: `Incorrect IAM authentication information: ${authProblem}`,
        request_id: requestId,
      });
    }
    if (decodeURIComponent(route.match[1]) !== projectId || req.headers['x-project-id'] !== projectId) {
      record.refusal = 'project mismatch';
      return answer(403, {
        error_code: 'APIGW.0305',
        error_msg: 'The project in the URI does not match the token.',
        request_id: requestId,
      });
    }
    if (fault?.kind === 'answer') return answer(fault.status, fault.body ?? '', fault.headers);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'hold') await fault.until();
    if (listing) {
      const listed = listingAnswer(
        service,
        url.searchParams,
        (id) => (id === undefined ? stored.all() : stored.ofInstance(id)),
        statusOf,
      );
      if (typeof listed !== 'string') return answer(200, listed);
      record.refusal = listed;
      return answer(400, errorBody(api, INVALID_PARAMETER_CODE[api], `Invalid parameter: ${listed}.`));
    }

    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      record.refusal = 'body is not JSON';
      return answer(400, errorBody(api, INVALID_PARAMETER_CODE[api], 'Invalid request body.'));
    }
    const engineOf = (instanceId: string) => rdsEngines.get(instanceId) ?? defaultRdsEngine;
    const checked = checkBody(api, json, engineOf);
    if (typeof checked === 'string') {
      record.refusal = checked;
      return answer(400, errorBody(api, INVALID_PARAMETER_CODE[api], `Invalid parameter: ${checked}.`));
    }
    const sameInstance = stored.ofInstance(checked.instanceId).filter((b) => b.service === service);
    if (api === 'rds-v3' && sameInstance.some((b) => b.name === checked.name)) {
      record.refusal = 'name already used';
      const message = `Invalid parameter: the instance already has a backup named ${checked.name}.`;
      return answer(400, errorBody(api, INVALID_PARAMETER_CODE[api], message));
    }
    const newest = sameInstance.at(-1);
    if (refuseConcurrentBackups && newest && statusOf(newest).status === 'BUILDING') {
      record.refusal = 'backup in progress';
      return api === 'rds-v1'
        ? answer(403, errorBody(api, 'RDS.3004', 'A backup is being created for the instance.'))
        : answer(409, errorBody(api, 'DBS.200019', 'Another operation is being performed on the instance.'));
    }
    const created = now();
    const backup: StoredBackup = {
      id: api === 'rds-v1' ? randomUUID() : `${randomBytes(16).toString('hex')}${api === 'dds' ? 'br02' : 'br01'}`,
      service,
      ...checked,
      createdAt: created,
      status: 'BUILDING',
      jobId: randomBytes(16).toString('hex'),
      sizeKB: 1024 + randomBytes(2).readUInt16BE(0),
    };
    stored.add(backup);
    if (fault?.kind === 'drop-after-read') {
      req.socket.destroy();
      return;
    }
    if (behaviours.get(backup.instanceId) === 'answers-500-after-creating') {
      return answer(500, errorBody(api, 'DBS.111205', 'The request timed out on the service side.'));
    }
    const body = createdAnswer(api, backup, engineOf(backup.instanceId));
    if (fault?.kind === 'truncate') {
      const text = JSON.stringify(body);
      record.answeredWith = 200;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(text)),
        'X-Request-Id': requestId,
      });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    return answer(200, body);
  }

  async function listen(endpoint: Endpoint, port = 0): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => {
      handle(endpoint, req, res).catch(() => res.socket?.destroy());
    });
    return { server, url: await listenOnLoopback(server, port) };
  }
  const [dds, rds] = await Promise.all([listen('dds', options.port), listen('rds', options.rdsPort)]);

  return {
    ddsUrl: dds.url,
    rdsUrl: rds.url,
    url: dds.url,
    requests,
    backups: () => stored.all().map(statusOf),
    script: (...next) => faults.push(...next),
    addRdsInstance: (instanceId, engine) => rdsEngines.set(instanceId, engine),
    setInstanceBehaviour: (instanceId, behaviour) => behaviours.set(instanceId, behaviour),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    reset: () => {
      requests.length = 0;
      stored.clear();
      faults.length = 0;
    },
    close: async () => {
      await Promise.all([closeServer(dds.server), closeServer(rds.server)]);
    },
  };
}
