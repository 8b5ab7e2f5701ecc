import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../shared/objects';
import { BackupStore } from './backup-store';
import { officialSignature } from './official-signature';

/**
 * A stand-in for the Huawei Cloud DDS and RDS "create manual backup" endpoints, on loopback. It checks every
 * request as the real services do (AK/SK signature, judged by Huawei's own SDK signer; date skew, project,
 * documented body rules), answers with the documented bodies and error shapes, keeps backups in memory, and
 * can be scripted with faults.
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
  createdAt: number;
  status: 'BUILDING' | 'COMPLETED';
  /** The job that builds it, as the create answer names it (DDS `job_id`, RDS v1 `extendparam.jobs`). */
  jobId?: string;
}

export interface StandInOptions {
  accessKey: string;
  secretKey: string;
  projectId: string;
  /** When set, requests must carry it as a signed `X-Security-Token`. */
  securityToken?: string;
  /** A backup is `BUILDING` until this much time has passed, then `COMPLETED`. */
  completeAfterMs?: number;
  /** Refuse a backup while another one of the same instance is `BUILDING`, as the real services do. */
  refuseConcurrentBackups?: boolean;
  /** Delay before every answer. */
  latencyMs?: number;
  /** The engine of an RDS instance that was not registered with `addRdsInstance`; MySQL unless said otherwise. */
  defaultRdsEngine?: RdsEngineName;
  host?: string;
  port?: number;
  now?: () => number;
}

export interface HuaweiStandIn {
  url: string;
  readonly requests: RecordedRequest[];
  backups(): StoredBackup[];
  /** The next requests meet these faults, one each, in order. */
  script(...faults: Fault[]): void;
  /** Registers an RDS instance's engine; unknown instances are taken as `defaultRdsEngine`. */
  addRdsInstance(instanceId: string, engine: RdsEngineName): void;
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** Written from Huawei's reference, not taken from the gateway's signer, which the stand-in judges. */
const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const NAME_RULE = /^[A-Za-z][A-Za-z0-9_-]{3,63}$/;
const DESCRIPTION_FORBIDDEN = /[>!<"&'=]/;
const ROUTES: Array<{ service: 'dds' | 'rds'; pattern: RegExp }> = [
  { service: 'dds', pattern: /^\/v3\/([^/]+)\/backups$/ },
  { service: 'rds', pattern: /^\/rds\/v1\/([^/]+)\/backups$/ },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseSdkDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Number.NaN;
}

/** Checks the body against the documented rules; returns the problem, or the backup's fields. */
function checkBody(
  service: 'dds' | 'rds',
  json: unknown,
  engineOf: (instanceId: string) => RdsEngineName,
): string | { instanceId: string; name: string; description?: string; databases?: string[] } {
  if (!isRecord(json) || !isRecord(json.backup)) return 'backup is required';
  const backup = json.backup;
  const instanceField = service === 'dds' ? 'instance_id' : 'instance';
  const allowed = service === 'dds' ? ['instance_id', 'name', 'description'] : ['instance', 'name', 'description', 'databases'];
  const unknown = Object.keys(backup).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `unknown parameter ${unknown.join(', ')}`;
  const instanceId = backup[instanceField];
  if (typeof instanceId !== 'string' || instanceId === '') return `${instanceField} is required`;
  if (typeof backup.name !== 'string' || !NAME_RULE.test(backup.name)) return 'name is invalid';
  const description = backup.description;
  if (description !== undefined && (typeof description !== 'string' || [...description].length > 256 || DESCRIPTION_FORBIDDEN.test(description))) {
    return 'description is invalid';
  }
  let databases: string[] | undefined;
  if (backup.databases !== undefined) {
    if (engineOf(instanceId) !== 'SQLServer') return 'databases is supported only by Microsoft SQL Server instances';
    if (!Array.isArray(backup.databases) || backup.databases.length === 0) return 'databases is invalid';
    if (!backup.databases.every((db) => isRecord(db) && Object.keys(db).join() === 'name' && typeof db.name === 'string' && db.name !== '')) {
      return 'databases is invalid';
    }
    databases = backup.databases.map((db) => (db as { name: string }).name);
  }
  return {
    instanceId,
    name: backup.name,
    ...(description !== undefined && { description: description as string }),
    ...(databases && { databases }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * @example
 * const standIn = await startHuaweiStandIn({ accessKey: 'AK', secretKey: 'SK', projectId });
 * // point HUAWEICLOUD_DDS_ENDPOINT and HUAWEICLOUD_RDS_ENDPOINT at standIn.url
 */
export async function startHuaweiStandIn(options: StandInOptions): Promise<HuaweiStandIn> {
  const { accessKey, secretKey, projectId, securityToken, refuseConcurrentBackups = true, defaultRdsEngine = 'MySQL', now = Date.now } = options;
  const completeAfterMs = options.completeAfterMs ?? 5_000;
  let latencyMs = options.latencyMs ?? 0;
  const requests: RecordedRequest[] = [];
  const stored = new BackupStore();
  const faults: Fault[] = [];
  const rdsEngines = new Map<string, RdsEngineName>();

  const statusOf = (backup: StoredBackup): StoredBackup => ({
    ...backup,
    status: now() - backup.createdAt >= completeAfterMs ? 'COMPLETED' : 'BUILDING',
  });

  const errorBody = (service: 'dds' | 'rds', code: string, message: string) =>
    service === 'dds' ? { error_code: code, error_msg: message } : { errCode: code, externalMessage: message };

  function authenticate(req: IncomingMessage, body: string): string | undefined {
    const authorization = req.headers.authorization ?? '';
    const m = new RegExp(`^${SIGNING_ALGORITHM} Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`).exec(authorization);
    if (!m) return 'missing or malformed Authorization header';
    const [, access, signedHeaderList, signature] = m;
    if (access !== accessKey) return 'unknown access key';
    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-sdk-date')) return 'host and x-sdk-date must be signed';
    const date = req.headers['x-sdk-date'];
    if (typeof date !== 'string' || Math.abs(parseSdkDate(date) - now()) > MAX_SKEW_MS || Number.isNaN(parseSdkDate(date))) {
      return 'X-Sdk-Date missing or more than 15 minutes off';
    }
    if (securityToken !== undefined && (req.headers['x-security-token'] !== securityToken || !signedHeaders.includes('x-security-token'))) {
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    const route = ROUTES.map(({ service, pattern }) => ({ service, match: pattern.exec(url.pathname) })).find((r) => r.match);
    if (req.method !== 'POST' || !route?.match) {
      record.refusal = 'no such API';
      return answer(404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment.', request_id: requestId });
    }
    const service = route.service;
    record.service = service;
    const authProblem = authenticate(req, record.body);
    if (authProblem) {
      record.refusal = authProblem;
      return answer(401, { error_code: 'APIGW.0301', error_msg: `Incorrect IAM authentication information: ${authProblem}`, request_id: requestId });
    }
    if (decodeURIComponent(route.match[1]) !== projectId || req.headers['x-project-id'] !== projectId) {
      record.refusal = 'project mismatch';
      return answer(403, { error_code: 'APIGW.0305', error_msg: 'The project in the URI does not match the token.', request_id: requestId });
    }
    if (fault?.kind === 'answer') return answer(fault.status, fault.body ?? '', fault.headers);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'hold') await fault.until();

    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      record.refusal = 'body is not JSON';
      return answer(400, errorBody(service, service === 'dds' ? 'DBS.200001' : 'RDS.0005', 'Invalid request body.'));
    }
    const checked = checkBody(service, json, (id) => rdsEngines.get(id) ?? defaultRdsEngine);
    if (typeof checked === 'string') {
      record.refusal = checked;
      return answer(400, errorBody(service, service === 'dds' ? 'DBS.200001' : 'RDS.0005', `Invalid parameter: ${checked}.`));
    }
    const newest = stored.newestOf(checked.instanceId);
    if (refuseConcurrentBackups && newest && statusOf(newest).status === 'BUILDING') {
      record.refusal = 'backup in progress';
      return service === 'dds'
        ? answer(409, errorBody('dds', 'DBS.200019', 'Another operation is being performed on the instance.'))
        : answer(403, errorBody('rds', 'RDS.3004', 'A backup is being created for the instance.'));
    }
    const created = now();
    const backup: StoredBackup = {
      id: service === 'dds' ? `${randomBytes(16).toString('hex')}br02` : randomUUID(),
      service,
      ...checked,
      createdAt: created,
      status: 'BUILDING',
      jobId: randomBytes(16).toString('hex'),
    };
    stored.add(backup);
    if (fault?.kind === 'drop-after-read') {
      req.socket.destroy();
      return;
    }
    const body =
      service === 'dds'
        ? { backup_id: backup.id, job_id: backup.jobId }
        : {
            backup: {
              created: new Date(created).toISOString().slice(0, 19),
              dataStore: { type: rdsEngines.get(backup.instanceId) ?? defaultRdsEngine, version: '8.0.28', version_id: randomUUID() },
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
    if (fault?.kind === 'truncate') {
      const text = JSON.stringify(body);
      record.answeredWith = 200;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'X-Request-Id': requestId });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    return answer(200, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    // A port in use (EADDRINUSE) is the caller's to report, not an uncaught exception.
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    requests,
    backups: () => stored.all().map(statusOf),
    script: (...next) => faults.push(...next),
    addRdsInstance: (instanceId, engine) => rdsEngines.set(instanceId, engine),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    reset: () => {
      requests.length = 0;
      stored.clear();
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
