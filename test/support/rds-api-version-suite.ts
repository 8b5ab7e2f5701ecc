import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../../local/huawei-stand-in';
import type { RdsApiVersion } from '../../shared/domain/engine-mapping';
import type { FieldProblem } from '../../shared/errors';
import { httpEvent, lambdaContext, startBackends, TEST_KEYS } from './fixtures';
import { expectDocumentedRequest, expectDocumentedResponse } from './openapi';

/**
 * `POST /backups` on one RDS API version: through the real handler and its middleware, against the stand-in on
 * loopback, which checks each request's signature and body on its own. One test file per version calls this,
 * with `HUAWEICLOUD_RDS_API_VERSION` set first, because a handler reads its configuration once, when it loads.
 */

const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';
const MYSQL_INSTANCE = '44b277eb-39be-4921-be31-3d61b43651d7';
const POSTGRESQL_INSTANCE = '6b1e3c5a9d2f4e7b8a0c1d2e3f4a5b6cin03';
const SQLSERVER_INSTANCE = 'c2aac04b4b44460aa75674fc0fd878b2no04';

const DDS_PATH = `/v3/${TEST_KEYS.projectId}/backups`;
const RDS_PATH: Record<RdsApiVersion, string> = {
  v1: `/rds/v1/${TEST_KEYS.projectId}/backups`,
  v3: `/v3/${TEST_KEYS.projectId}/backups`,
};

/** What Huawei Cloud must receive, on each version. */
type Upstream = Record<RdsApiVersion, { path: string; body: unknown }>;
const sameOnBoth = (path: string, body: unknown): Upstream => ({ v1: { path, body }, v3: { path, body } });
const rds = (v1: unknown, v3: unknown): Upstream => ({
  v1: { path: RDS_PATH.v1, body: v1 },
  v3: { path: RDS_PATH.v3, body: v3 },
});

interface EngineCase {
  engine: string;
  instanceId: string;
  request: Record<string, unknown>;
  upstream: Upstream;
}

const ENGINE_CASES: EngineCase[] = [
  {
    engine: 'dds',
    instanceId: DDS_INSTANCE,
    request: { engine: 'dds', instanceId: DDS_INSTANCE, name: 'mybackup1', description: 'The first Manual backup' },
    upstream: sameOnBoth(DDS_PATH, {
      backup: { instance_id: DDS_INSTANCE, name: 'mybackup1', description: 'The first Manual backup' },
    }),
  },
  {
    engine: 'mysql',
    instanceId: MYSQL_INSTANCE,
    request: { engine: 'MySQL', instance: MYSQL_INSTANCE, name: 'backup', description: 'My Backup' },
    upstream: rds(
      { backup: { instance: MYSQL_INSTANCE, name: 'backup', description: 'My Backup' } },
      { instance_id: MYSQL_INSTANCE, name: 'backup', description: 'My Backup' },
    ),
  },
  {
    engine: 'postgresql',
    instanceId: POSTGRESQL_INSTANCE,
    request: { engine: 'postgresql', instance_id: POSTGRESQL_INSTANCE, name: 'pg-backup' },
    upstream: rds(
      { backup: { instance: POSTGRESQL_INSTANCE, name: 'pg-backup' } },
      { instance_id: POSTGRESQL_INSTANCE, name: 'pg-backup' },
    ),
  },
  {
    engine: 'sqlserver',
    instanceId: SQLSERVER_INSTANCE,
    request: {
      engine: 'sqlserver',
      instanceId: SQLSERVER_INSTANCE,
      name: 'test',
      databases: ['user01', { name: 'user02' }],
    },
    upstream: rds(
      { backup: { instance: SQLSERVER_INSTANCE, name: 'test', databases: [{ name: 'user01' }, { name: 'user02' }] } },
      { instance_id: SQLSERVER_INSTANCE, name: 'test', databases: [{ name: 'user01' }, { name: 'user02' }] },
    ),
  },
];

/** Sent upstream with this body, or refused with these problems before anything is sent. */
type Outcome = { sent: unknown } | { refused: FieldProblem[] };

const NEEDS_V3 = 'needs RDS API v3 (HUAWEICLOUD_RDS_API_VERSION=v3): this gateway calls RDS API v1';
const POSTGRESQL_DATABASES_ON_V1 = {
  field: 'databases',
  message: `with engine postgresql ${NEEDS_V3}, whose partial backups are for SQL Server only`,
};
const INDIVIDUALLY_ON_V1 = { field: 'backupDatabasesIndividually', message: `${NEEDS_V3}, which has no such option` };
const refusedOnBoth = (...problems: FieldProblem[]) => ({ v1: { refused: problems }, v3: { refused: problems } });

const PARTIAL_CASES: Array<{ title: string; request: Record<string, unknown> } & Record<RdsApiVersion, Outcome>> = [
  {
    title: 'PostgreSQL databases',
    request: { engine: 'postgresql', instanceId: POSTGRESQL_INSTANCE, name: 'pg-partial', databases: ['sales', 'hr'] },
    v1: { refused: [POSTGRESQL_DATABASES_ON_V1] },
    v3: {
      sent: { instance_id: POSTGRESQL_INSTANCE, name: 'pg-partial', databases: [{ name: 'sales' }, { name: 'hr' }] },
    },
  },
  {
    title: 'PostgreSQL databases, backed up individually',
    request: {
      engine: 'postgresql',
      instanceId: POSTGRESQL_INSTANCE,
      name: 'pg-each',
      databases: ['sales'],
      backupDatabasesIndividually: true,
    },
    v1: { refused: [POSTGRESQL_DATABASES_ON_V1, INDIVIDUALLY_ON_V1] },
    v3: {
      sent: {
        instance_id: POSTGRESQL_INSTANCE,
        name: 'pg-each',
        databases: [{ name: 'sales' }],
        backup_database_individually: true,
      },
    },
  },
  {
    title: 'SQL Server databases, backed up individually',
    request: {
      engine: 'sqlserver',
      instanceId: SQLSERVER_INSTANCE,
      name: 'mssql-each',
      databases: ['user01'],
      backupDatabasesIndividually: true,
    },
    v1: { refused: [INDIVIDUALLY_ON_V1] },
    v3: {
      sent: {
        instance_id: SQLSERVER_INSTANCE,
        name: 'mssql-each',
        databases: [{ name: 'user01' }],
        backup_database_individually: true,
      },
    },
  },
  {
    title: 'backupDatabasesIndividually false (the default, left out of the call)',
    request: {
      engine: 'sqlserver',
      instanceId: SQLSERVER_INSTANCE,
      name: 'mssql-all',
      backupDatabasesIndividually: false,
    },
    v1: { sent: { backup: { instance: SQLSERVER_INSTANCE, name: 'mssql-all' } } },
    v3: { sent: { instance_id: SQLSERVER_INSTANCE, name: 'mssql-all' } },
  },
  {
    title: 'MySQL databases',
    request: { engine: 'mysql', instanceId: MYSQL_INSTANCE, databases: ['sales'] },
    ...refusedOnBoth({
      field: 'databases',
      message: 'is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
    }),
  },
  {
    title: 'backupDatabasesIndividually without databases',
    request: { engine: 'postgresql', instanceId: POSTGRESQL_INSTANCE, backupDatabasesIndividually: true },
    ...refusedOnBoth({
      field: 'backupDatabasesIndividually',
      message: 'needs databases: the list of databases to back up one by one',
    }),
  },
];

/** RDS v1 has an error shape of its own; v3 answers like DDS and the API gateway. */
const errorBody = (version: RdsApiVersion, code: string, message: string) =>
  version === 'v1' ? { errCode: code, externalMessage: message } : { error_code: code, error_msg: message };
const THROTTLED = 'The throttling threshold has been reached';
/** v1 is throttled by the API gateway in front of it, v3 also by the service itself. */
const THROTTLED_BODY: Record<RdsApiVersion, object> = {
  v1: errorBody('v3', 'APIGW.0308', THROTTLED),
  v3: errorBody('v3', 'DBS.280443', THROTTLED),
};
/** Scripted, as the stand-in takes any instance: the gateway passes on whatever code and message come. */
const UNKNOWN_INSTANCE_CODE: Record<RdsApiVersion, string> = { v1: 'RDS.0012', v3: 'DBS.200022' };
/** What the stand-in itself answers while a backup of the instance is being built. */
const BUSY_CODE: Record<RdsApiVersion, string> = { v1: 'RDS.3004', v3: 'DBS.200019' };

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * @example
 * process.env.HUAWEICLOUD_RDS_API_VERSION = 'v3';
 * describeRdsApiVersion('v3');
 */
export function describeRdsApiVersion(version: RdsApiVersion): void {
  let standIn: HuaweiStandIn;
  let closeBackends: () => Promise<void>;
  let handler: Handler;

  beforeAll(async () => {
    // Idempotency on, and instances busy while a backup is building, as in production.
    ({ standIn, close: closeBackends } = await startBackends({ refuseConcurrentBackups: true }));
    ({ handler } = (await import('../../functions/createBackup/handler')) as unknown as { handler: Handler });
  });
  beforeEach(() => {
    standIn.reset();
    standIn.addRdsInstance(POSTGRESQL_INSTANCE, 'PostgreSQL');
    standIn.addRdsInstance(SQLSERVER_INSTANCE, 'SQLServer');
  });
  afterAll(() => closeBackends());

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const response = await handler(httpEvent({ body, headers }), lambdaContext());
    expectDocumentedResponse(response);
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(String(response.body)) };
  }

  /** The one request the stand-in received, and that it found signed and valid. */
  function acceptedUpstream() {
    expect(standIn.requests).toHaveLength(1);
    const [sent] = standIn.requests;
    expect(sent.refusal).toBeUndefined();
    expect(sent.answeredWith).toBe(200);
    return sent;
  }

  describe(`POST /backups on RDS API ${version}: every engine`, () => {
    const byEngine = ENGINE_CASES.map((row) => [row.engine, row] as const);
    it.each(byEngine)('%s: the exact upstream call, signed, and the unified answer', async (engine, row) => {
      const { instanceId, request, upstream } = row;
      expectDocumentedRequest(request);
      const { status, body } = await post(request);

      expect(status).toBe(202);
      const sent = acceptedUpstream();
      expect(sent.path).toBe(upstream[version].path);
      expect(sent.body).toBe(JSON.stringify(upstream[version].body));
      const service = engine === 'dds' ? 'dds' : 'rds';
      expect(sent.service).toBe(service);
      expect(sent.rdsApiVersion).toBe(service === 'rds' ? version : undefined);

      const [stored] = standIn.backups();
      expect(body).toEqual({
        backupId: stored.id,
        engine,
        service,
        instanceId,
        name: request.name,
        ...(request.description !== undefined && { description: request.description }),
        status: 'BUILDING',
        // The job that builds it: DDS names it in job_id, RDS v1 in extendparam.jobs; RDS v3 names none.
        jobIds: service === 'rds' && version === 'v3' ? [] : [standIn.backups()[0].jobId],
        upstreamRequestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    });
  });

  describe(`POST /backups on RDS API ${version}: partial backups`, () => {
    const sent = PARTIAL_CASES.flatMap(({ title, request, [version]: outcome }) =>
      'sent' in outcome ? [[title, { request, body: outcome.sent }] as const] : [],
    );
    const refused = PARTIAL_CASES.flatMap(({ title, request, [version]: outcome }) =>
      'refused' in outcome ? [[title, { request, problems: outcome.refused }] as const] : [],
    );

    it.each(sent)('sends %s', async (_, { request, body }) => {
      expectDocumentedRequest(request);
      expect((await post(request)).status).toBe(202);
      expect(acceptedUpstream().body).toBe(JSON.stringify(body));
      const individually = request.backupDatabasesIndividually || undefined;
      expect(standIn.backups()[0].backupDatabaseIndividually).toBe(individually);
    });

    it.each(refused)('refuses %s, naming the field, before anything is sent', async (_, { request, problems }) => {
      const { status, body } = await post(request);
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'invalid_request', errors: problems });
      expect(standIn.requests).toHaveLength(0);
    });
  });

  describe(`POST /backups on RDS API ${version}: Huawei Cloud's errors`, () => {
    const mysql = { engine: 'mysql', instanceId: MYSQL_INSTANCE };

    it('answers 429 with Retry-After when throttling outlasts the retries', async () => {
      const throttled = (retryAfter: string) =>
        ({
          kind: 'answer',
          status: 429,
          headers: { 'Retry-After': retryAfter },
          body: JSON.stringify(THROTTLED_BODY[version]),
        }) as const;
      standIn.script(throttled('0'), throttled('0'), throttled('4'));
      const { status, headers, body } = await post(mysql);

      expect(status).toBe(429);
      expect(headers['Retry-After']).toBe('4');
      expect(body).toMatchObject({ code: 'throttled', backupMayExist: false, upstream: { status: 429 } });
      expect(standIn.requests).toHaveLength(3);
      expect(standIn.backups()).toHaveLength(0);
    });

    it('answers 409 while another backup of the instance is being built, as the stand-in reports it', async () => {
      expect((await post({ ...mysql, name: 'first' })).status).toBe(202);
      const { status, body } = await post({ ...mysql, name: 'second' });

      expect(status).toBe(409);
      expect(body).toMatchObject({ code: 'backup_in_progress', upstream: { code: BUSY_CODE[version] } });
      expect(standIn.backups()).toHaveLength(1);
    });

    it("answers 404 for an unknown instance, with Huawei Cloud's code and message", async () => {
      const [code, message] = [UNKNOWN_INSTANCE_CODE[version], 'The instance does not exist.'];
      standIn.script({ kind: 'answer', status: 404, body: JSON.stringify(errorBody(version, code, message)) });
      const { status, body } = await post(mysql);

      expect(status).toBe(404);
      expect(body).toMatchObject({
        code: 'upstream_rejected',
        detail: `Huawei Cloud answered 404 ${code}: ${message}`,
        upstream: { status: 404, code, message, requestId: expect.any(String) },
        backupMayExist: false,
      });
    });

    if (version === 'v3') {
      it('answers 400 for a name the instance already has a backup by: v3 wants names unique', async () => {
        const named = { ...mysql, name: 'before-upgrade' };
        expect((await post(named)).status).toBe(202);
        // The stand-in checks the name before it finds the instance busy, as validation comes first. A key of its
        // own makes the second request a new one, not a replay of the first (signed in the same second).
        const { status, body } = await post(named, { 'Idempotency-Key': 'second-request' });

        expect(status).toBe(400);
        expect(body).toMatchObject({ code: 'upstream_rejected', upstream: { code: 'DBS.200001' } });
        expect(body.detail).toContain('already has a backup named before-upgrade');
      });
    }
  });

  if (version === 'v1') {
    describe('POST /backups on RDS API v1: a refused request and its idempotency key', () => {
      it('leaves the key free: the request the caller sends instead runs', async () => {
        const key = { 'Idempotency-Key': 'postgresql-partial-1' };
        const partial = { engine: 'postgresql', instanceId: POSTGRESQL_INSTANCE, databases: ['sales'] };
        const refused = await post(partial, key);
        expect(refused.body).toMatchObject({ status: 400 });
        expect(standIn.requests).toHaveLength(0);

        const instead = await post({ engine: 'postgresql', instanceId: POSTGRESQL_INSTANCE }, key);
        expect(instead.status).toBe(202);
        expect(acceptedUpstream().path).toBe(RDS_PATH.v1);
      });
    });
  }
}
