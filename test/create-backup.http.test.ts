import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { expectDocumentedRequest, expectDocumentedResponse } from './support/openapi';
import { captureOutput, httpEvent, lambdaContext, startStandInForHandlers, TEST_KEYS } from './support/fixtures';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let standIn: HuaweiStandIn;
let handler: Handler;

beforeAll(async () => {
  standIn = await startStandInForHandlers();
  ({ handler } = (await import('../functions/createBackup/handler')) as unknown as { handler: Handler });
});
afterEach(() => standIn.reset());
afterAll(() => standIn.close());

async function post(body: unknown, options: Parameters<typeof httpEvent>[0] = {}, remainingMs?: number) {
  const response = await handler(httpEvent({ body, ...options }), lambdaContext({ remainingMs }));
  expectDocumentedResponse(response);
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(String(response.body)) };
}

describe('POST /backups: created', () => {
  it('creates a DDS backup with the documented upstream request', async () => {
    const request = {
      engine: 'dds',
      instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02',
      name: 'mybackup1',
      description: 'The first Manual backup',
    };
    expectDocumentedRequest(request);
    const { status, body } = await post(request);
    expect(status).toBe(202);
    const [sent] = standIn.requests;
    expect(sent).toMatchObject({ method: 'POST', path: `/v3/${TEST_KEYS.projectId}/backups`, answeredWith: 200 });
    expect(sent.refusal).toBeUndefined();
    expect(sent.body).toBe(
      '{"backup":{"instance_id":"a89dab5e39394eccbdb77b19d57b0180in02","name":"mybackup1","description":"The first Manual backup"}}',
    );
    expect(body).toEqual({
      backupId: standIn.backups()[0].id,
      engine: 'dds',
      service: 'dds',
      instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02',
      name: 'mybackup1',
      description: 'The first Manual backup',
      status: 'BUILDING',
      jobIds: [standIn.backups()[0].jobId],
      upstreamRequestId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it.each(['mysql', 'postgresql'])(
    'creates a %s backup on RDS v1, spelling the instance "instance"',
    async (engine) => {
      const { status, body } = await post({
        engine: engine.toUpperCase(),
        instance_id: '44b277eb-39be-4921-be31-3d61b43651d7',
        name: 'backup',
      });
      expect(status).toBe(202);
      const [sent] = standIn.requests;
      expect(sent.path).toBe(`/rds/v1/${TEST_KEYS.projectId}/backups`);
      expect(JSON.parse(sent.body)).toEqual({
        backup: { instance: '44b277eb-39be-4921-be31-3d61b43651d7', name: 'backup' },
      });
      expect(body).toMatchObject({
        engine,
        service: 'rds',
        backupId: standIn.backups()[0].id,
        status: 'BUILDING',
        jobIds: [expect.any(String)],
      });
      expect(body).not.toHaveProperty('description');
    },
  );

  it('creates a partial SQL Server backup of the listed databases', async () => {
    standIn.addRdsInstance('c2aac04b4b44460aa75674fc0fd878b2no04', 'SQLServer');
    const { status } = await post({
      engine: 'sqlserver',
      instanceId: 'c2aac04b4b44460aa75674fc0fd878b2no04',
      name: 'test',
      description: 'My Backup',
      databases: ['user01', { name: 'user02' }],
    });
    expect(status).toBe(202);
    expect(JSON.parse(standIn.requests[0].body)).toEqual({
      backup: {
        instance: 'c2aac04b4b44460aa75674fc0fd878b2no04',
        name: 'test',
        description: 'My Backup',
        databases: [{ name: 'user01' }, { name: 'user02' }],
      },
    });
    expect(standIn.backups()[0].databases).toEqual(['user01', 'user02']);
  });

  it('generates a valid name when none is given, from the request key so that a retry looks for the same backup', async () => {
    const { body } = await post({ engine: 'mysql', instanceId: 'i-1' });
    // A signed request is keyed by its own key or, without one, by its signature.
    expect(body.name).toMatch(/^mysql-k-[0-9a-f]{16}$/);
    expect(standIn.backups()[0].name).toBe(body.name);
    const other = await post({ engine: 'mysql', instanceId: 'i-2' }, { headers: { 'Idempotency-Key': 'deploy-4711' } });
    expect(other.body.name).toMatch(/^mysql-k-[0-9a-f]{16}$/);
    expect(other.body.name).not.toBe(body.name);
  });

  it('reads a base64 body as UTF-8 and keeps a non-ASCII description intact', async () => {
    const description = 'Sauvegarde avant migration — 迁移前备份 ✓';
    const { status, body } = await post(
      { engine: 'dds', instanceId: 'i-1', name: 'bk-utf8', description },
      { isBase64Encoded: true },
    );
    expect(status).toBe(202);
    expect(body.description).toBe(description);
    expect(JSON.parse(standIn.requests[0].body).backup.description).toBe(description);
  });
});

describe('POST /backups: refused input never reaches Huawei Cloud', () => {
  it.each([
    ['malformed JSON', '{"engine": "dds",', 'the body is not valid JSON'],
    ['an empty body', '', 'the body is empty; send a JSON object'],
    ['no body', undefined, 'the body is empty; send a JSON object'],
    ['a JSON array', '[]', 'the body must be a JSON object'],
    ['a JSON string', '"dds"', 'the body must be a JSON object'],
  ])('answers 400 for %s', async (_, body, message) => {
    const { status, headers, body: problem } = await post(body);
    expect(status).toBe(400);
    expect(headers['Content-Type']).toBe('application/problem+json');
    expect(problem).toMatchObject({
      type: 'urn:backup-gateway:problem:invalid_request',
      status: 400,
      code: 'invalid_request',
    });
    expect(problem.errors[0].message).toContain(message);
    expect(standIn.requests).toHaveLength(0);
  });

  it('answers 400 naming every broken rule at once', async () => {
    const { status, body } = await post({
      engine: 'mysql',
      instanceId: 'i',
      name: '9 lives',
      description: 'a=b',
      databases: ['x'],
      priority: 'high',
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      { field: 'name', message: 'must start with a letter (A-Z or a-z)' },
      { field: 'name', message: `may contain only ASCII letters, digits, '-' and '_' (found " ")` },
      { field: 'description', message: `must not contain any of > ! < " & ' = (found =)` },
      { field: 'priority', message: 'is not a known field' },
      {
        field: 'databases',
        message: 'is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
      },
    ]);
    expect(body.detail).toContain('name: must start with a letter');
    expect(standIn.requests).toHaveLength(0);
  });

  it('answers 401 to an unsigned request, as documented', async () => {
    const { status, headers, body } = await post({ engine: 'dds', instanceId: 'i' }, { signing: false });
    expect(status).toBe(401);
    expect(headers['WWW-Authenticate']).toBe('Signature realm="backup-gateway"');
    expect(body).toMatchObject({ code: 'unauthorized', detail: 'The request is not signed.' });
    expect(standIn.requests).toHaveLength(0);
  });

  it('answers 415 when the body is not declared as JSON', async () => {
    const { status, body } = await post(
      { engine: 'dds', instanceId: 'i' },
      { headers: { 'content-type': 'text/plain' } },
    );
    expect(status).toBe(415);
    expect(body).toMatchObject({
      code: 'unsupported_media_type',
      detail: 'Send the body with Content-Type: application/json.',
    });
    expect(standIn.requests).toHaveLength(0);
  });
});

describe('POST /backups: upstream trouble', () => {
  const request = { engine: 'dds', instanceId: 'i-1', name: 'bk-01' };

  it('keeps the status and message of an upstream refusal', async () => {
    standIn.script({
      kind: 'answer',
      status: 404,
      body: JSON.stringify({ error_code: 'DBS.200022', error_msg: 'The instance does not exist.' }),
    });
    const { status, body } = await post(request);
    expect(status).toBe(404);
    expect(body).toMatchObject({
      code: 'upstream_rejected',
      detail: 'Huawei Cloud answered 404 DBS.200022: The instance does not exist.',
      upstream: {
        status: 404,
        code: 'DBS.200022',
        message: 'The instance does not exist.',
        requestId: expect.any(String),
      },
      backupMayExist: false,
    });
  });

  it('answers 502 "misconfigured" when Huawei Cloud refuses our credentials', async () => {
    standIn.script({
      kind: 'answer',
      status: 401,
      body: JSON.stringify({
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information',
        request_id: 'r-1',
      }),
    });
    const { status, body } = await post(request);
    expect(status).toBe(502);
    expect(body).toMatchObject({
      title: 'The backup service is misconfigured',
      code: 'upstream_auth_failed',
      upstream: { status: 401, code: 'APIGW.0301' },
    });
  });

  it('answers 409 while another backup of the instance is being built', async () => {
    standIn.script({
      kind: 'answer',
      status: 403,
      body: JSON.stringify({ errCode: 'RDS.3004', externalMessage: 'A backup is being created for the instance.' }),
    });
    const { status, body } = await post({ engine: 'mysql', instanceId: 'i-1' });
    expect(status).toBe(409);
    expect(body).toMatchObject({ code: 'backup_in_progress', upstream: { code: 'RDS.3004' } });
  });

  it('answers 429 with Retry-After when throttling outlasts the retries', async () => {
    const throttled = {
      kind: 'answer',
      status: 429,
      headers: { 'Retry-After': '0' },
      body: JSON.stringify({ error_code: 'APIGW.0308', error_msg: 'Throttled' }),
    } as const;
    standIn.script(throttled, throttled, { ...throttled, headers: { 'Retry-After': '4' } });
    const { status, headers, body } = await post(request);
    expect(status).toBe(429);
    expect(headers['Retry-After']).toBe('4');
    expect(body).toMatchObject({ code: 'throttled', backupMayExist: false });
    expect(standIn.requests).toHaveLength(3);
    expect(standIn.backups()).toHaveLength(0);
  });

  it('answers 502 "may have been created" for an upstream 500, without retrying', async () => {
    standIn.script({ kind: 'answer', status: 500, body: 'Internal Server Error' });
    const { status, body } = await post(request);
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'upstream_error', backupMayExist: true, upstream: { status: 500 } });
    expect(body.detail).toContain('may have been created');
    expect(standIn.requests).toHaveLength(1);
  });

  it('answers 504 within the remaining Lambda time when Huawei Cloud is slower', async () => {
    standIn.script({ kind: 'delay', ms: 5_000 });
    const remainingMs = 1_000;
    const started = Date.now();
    const { status, body } = await post(request, {}, remainingMs);
    expect(Date.now() - started).toBeLessThan(remainingMs);
    expect(status).toBe(504);
    expect(body).toMatchObject({ code: 'upstream_timeout', backupMayExist: true });
  });
});

describe('POST /backups: secrets stay secret', () => {
  it('never writes the secret key, a signature or an Authorization header to the logs or the answer', async () => {
    const output = captureOutput();
    const answers: string[] = [];
    try {
      standIn.script({
        kind: 'answer',
        status: 401,
        body: JSON.stringify({ error_code: 'APIGW.0301', error_msg: `bad signature for ${TEST_KEYS.secretKey}` }),
      });
      for (const body of [
        { engine: 'dds', instanceId: 'i-1' },
        { engine: 'dds', instanceId: 'i-2' },
        { engine: 'bogus' },
        '{',
      ]) {
        answers.push(String((await handler(httpEvent({ body }), lambdaContext())).body));
      }
    } finally {
      output.restore();
    }
    const logs = output.text();
    expect(logs).toContain('backup created');
    expect(logs).toContain('backup failed');
    expect(logs).toContain('request refused');
    for (const text of [logs, ...answers]) {
      expect(text).not.toContain(TEST_KEYS.secretKey);
      expect(text).not.toMatch(/authorization/i);
      expect(text).not.toContain('Signature=');
    }
    const signature = /Signature=([0-9a-f]{64})/.exec(String(standIn.requests[0].headers.authorization))![1];
    expect(logs).not.toContain(signature);
  });

  it('logs the outcome once with engine, instance, backup id, upstream request id and duration', async () => {
    const output = captureOutput();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(
        String(
          (await handler(httpEvent({ body: { engine: 'postgresql', instanceId: 'pg-9' } }), lambdaContext())).body,
        ),
      );
    } finally {
      output.restore();
    }
    const entries = output
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      level: 'INFO',
      message: 'backup created',
      engine: 'postgresql',
      instanceId: 'pg-9',
      backupId: body.backupId,
      upstreamRequestId: body.upstreamRequestId,
      durationMs: expect.any(Number),
    });
  });
});
