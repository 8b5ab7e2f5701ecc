import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduledEvent, sqsEvent, sqsRecord } from '../local/events';
import type { BackupRecord } from '../shared/domain/backup-record';
import { httpEvent, lambdaContext, TEST_SIGNING_SECRETS } from './support/fixtures';
import { getEvent, getSignedText, type GetSigning } from './support/get-request';
import { lifecycleHarness } from './support/lifecycle-harness';
import { expectDocumentedAnswer } from './support/openapi-operations';

/**
 * The status API through the real getBackup handler (signature check, problem mapping), over a ledger in dynalite,
 * a Huawei stand-in whose clock the test moves, and the local EventBridge.
 */
const COMPLETE_AFTER_MS = 60_000;
const SCHEDULED_INSTANCE = 'sched000000000000000000000000in02';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const harness = lifecycleHarness({
  completeAfterMs: COMPLETE_AFTER_MS,
  env: { BACKUP_SCHEDULE_TARGETS: JSON.stringify([{ engine: 'dds', instanceId: SCHEDULED_INSTANCE }]) },
  handlers: ['createBackup', 'getBackup', 'createBackupFromQueue', 'scheduledBackups'],
});
beforeAll(() => harness.start());
afterAll(() => harness.close());
beforeEach(() => {
  harness.standIn.reset();
  harness.clock.reset();
});

type Answer = APIGatewayProxyStructuredResultV2 & { body: string; json: Record<string, any> };

/** A signed GET through the getBackup handler; every answer is checked against openapi.json. */
async function get(path: string, query = '', signing?: GetSigning): Promise<Answer> {
  const response = (await harness.getBackup(
    getEvent({ path, query, ...(signing !== undefined && { signing }) }),
    lambdaContext({ functionName: 'backup-gateway-dev-getBackup' }),
  )) as Answer;
  expectDocumentedAnswer('get', path === '/backups' ? '/backups' : '/backups/{backupId}', response);
  return { ...response, json: JSON.parse(response.body) };
}

async function create(request: Record<string, unknown>): Promise<Record<string, any>> {
  const response = (await harness.createBackup(httpEvent({ body: request }), lambdaContext())) as Answer;
  expect(response.statusCode).toBe(202);
  return JSON.parse(response.body);
}

const upstreamReads = () => harness.standIn.requests.filter((request) => request.method === 'GET');
const iso = (at: number) => new Date(at).toISOString();
/** Makes a record look as if Huawei Cloud was last asked about it `ageMs` ago. */
const checkedAgo = (backupId: string, ageMs: number) =>
  harness.lifecycle.ledger.update(backupId, 'BUILDING', { checkedAt: iso(Date.now() - ageMs) });
const instance = (tag: string) => `${tag}${randomUUID().replace(/-/g, '')}`.slice(0, 32) + 'in02';

describe('GET /backups/{backupId}', () => {
  it('answers a backup the gateway created with the documented fields, from the ledger while it is fresh', async () => {
    const instanceId = instance('fresh');
    const created = await create({ engine: 'dds', instanceId, name: 'before-migration' });
    const { statusCode, json } = await get(`/backups/${created.backupId}`);

    expect(statusCode).toBe(200);
    expect(json).toEqual({
      backupId: created.backupId,
      engine: 'dds',
      service: 'dds',
      instanceId,
      name: 'before-migration',
      status: 'BUILDING',
      requestedAt: expect.stringMatching(ISO_UTC),
      requestedBy: { via: 'http', sourceIp: '203.0.113.7' },
      upstreamRequestId: created.upstreamRequestId,
      checkedAt: expect.stringMatching(ISO_UTC),
    });
    expect(upstreamReads()).toHaveLength(0);
  });

  it('asks Huawei Cloud first once the status is over 10 s old, records the change and publishes it', async () => {
    const created = await create({ engine: 'mysql', instanceId: instance('stale') });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    // Fresh: answered from the ledger, although Huawei Cloud would say COMPLETED by now.
    expect((await get(`/backups/${created.backupId}`)).json.status).toBe('BUILDING');
    expect(upstreamReads()).toHaveLength(0);

    await checkedAgo(created.backupId, 11_000);
    const { json } = await get(`/backups/${created.backupId}`);
    const upstream = harness.standIn.backups().find((backup) => backup.id === created.backupId)!;

    expect(upstreamReads()).toHaveLength(1);
    expect(json).toMatchObject({
      status: 'COMPLETED',
      startedAt: iso(Math.floor(upstream.createdAt / 1000) * 1000),
      completedAt: iso(Math.floor((upstream.createdAt + COMPLETE_AFTER_MS) / 1000) * 1000),
      sizeKB: upstream.sizeKB,
    });
    expect(Date.now() - Date.parse(json.checkedAt)).toBeLessThan(10_000);
    expect(await harness.lifecycle.ledger.get(created.backupId)).toMatchObject({
      status: 'COMPLETED',
      sizeKB: upstream.sizeKB,
    });
    expect(harness.stateChanges(created.backupId).map((event) => [event.previousStatus, event.status])).toEqual([
      [null, 'BUILDING'],
      ['BUILDING', 'COMPLETED'],
    ]);
  });

  it('shows a stale backup still building as BUILDING, checked now, with no end time and no size yet', async () => {
    const created = await create({ engine: 'dds', instanceId: instance('building') });
    await checkedAgo(created.backupId, 60_000);
    const { json } = await get(`/backups/${created.backupId}`);

    expect(upstreamReads()).toHaveLength(1);
    expect(json.status).toBe('BUILDING');
    expect(json.startedAt).toMatch(ISO_UTC);
    expect(json).not.toHaveProperty('completedAt');
    expect(json).not.toHaveProperty('sizeKB');
    expect(Date.now() - Date.parse(json.checkedAt)).toBeLessThan(10_000);
    expect(harness.stateChanges(created.backupId)).toHaveLength(1);
  });

  it("answers the ledger's record when Huawei Cloud cannot be asked", async () => {
    const created = await create({ engine: 'dds', instanceId: instance('unasked') });
    await checkedAgo(created.backupId, 60_000);
    const before = await harness.lifecycle.ledger.get(created.backupId);
    harness.standIn.script({
      kind: 'answer',
      status: 400,
      body: JSON.stringify({ error_code: 'DBS.200001', error_msg: 'Invalid parameter.' }),
    });
    const { statusCode, json } = await get(`/backups/${created.backupId}`);

    expect(statusCode).toBe(200);
    expect(json).toMatchObject({ status: 'BUILDING', checkedAt: before!.checkedAt });
  });

  it('publishes a change seen by reads at the same time once', async () => {
    const created = await create({ engine: 'dds', instanceId: instance('race') });
    harness.clock.advance(COMPLETE_AFTER_MS + 1_000);
    await checkedAgo(created.backupId, 60_000);
    const answers = await Promise.all([1, 2, 3].map(() => get(`/backups/${created.backupId}`)));

    expect(answers.map((answer) => answer.json.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(harness.stateChanges(created.backupId).filter((event) => event.status === 'COMPLETED')).toHaveLength(1);
  });

  it.each([
    ['an id the ledger does not hold', '2f4ddb93b9014b0893d81d2e472f30febr02'],
    ['an id that cannot be a backup id', 'not%20an%20id'],
    ['the key of an open lookup', `lookup%23${randomUUID()}`],
    ['a path that is not validly percent-encoded', '%E0%A4%A'],
  ])('answers 404 backup_not_found as a problem for %s, asking nobody', async (_, id) => {
    const { statusCode, headers, json } = await get(`/backups/${id}`);

    expect(statusCode).toBe(404);
    expect(headers?.['Content-Type']).toBe('application/problem+json');
    expect(json).toMatchObject({
      code: 'backup_not_found',
      type: 'urn:backup-gateway:problem:backup_not_found',
      status: 404,
    });
    expect(upstreamReads()).toHaveLength(0);
  });
});

describe('signatures of GET requests', () => {
  const id = '2f4ddb93b9014b0893d81d2e472f30febr02';

  it('accepts "<timestamp>.GET <path>" and "<timestamp>.GET <path>?<query>" signed with the secret', async () => {
    expect((await get(`/backups/${id}`, '', { over: getSignedText(`/backups/${id}`) })).statusCode).toBe(404);
    expect((await get('/backups', 'limit=1', { over: 'GET /backups?limit=1' })).statusCode).toBe(200);
  });

  it.each<[string, string, string, GetSigning]>([
    ['no signature', `/backups/${id}`, '', false],
    ['another secret', `/backups/${id}`, '', { secret: 'not-the-secret' }],
    ['the empty body, as a POST signs it', `/backups/${id}`, '', { over: '' }],
    ["another backup's path", `/backups/${id}`, '', { over: 'GET /backups/another-backup' }],
    ['the path without its query', '/backups', 'limit=5', { over: 'GET /backups' }],
    ['another query', '/backups', 'limit=5', { over: 'GET /backups?limit=100' }],
    ['the decoded query', '/backups', 'instanceId=a%2Db', { over: 'GET /backups?instanceId=a-b' }],
    ['another method', `/backups/${id}`, '', { over: `POST /backups/${id}` }],
    ['a timestamp ten minutes old', `/backups/${id}`, '', { at: new Date(Date.now() - 600_000) }],
  ])('refuses a request signed over %s with 401, reading nothing', async (_, path, query, signing) => {
    const { statusCode, headers, json } = await get(path, query, signing);

    expect(statusCode).toBe(401);
    expect(headers?.['WWW-Authenticate']).toBeDefined();
    expect(json.code).toBe('unauthorized');
    expect(upstreamReads()).toHaveLength(0);
  });
});

describe('GET /backups', () => {
  const busy = instance('busy');
  const quiet = instance('quiet');
  const base = Date.now() - 3_600_000;
  /** A finished backup as the ledger holds it, requested `minute` minutes after `base`. */
  const finished = (instanceId: string, minute: number): BackupRecord => ({
    backupId: `listed${minute.toString().padStart(3, '0')}${instanceId.slice(0, 20)}`,
    engine: 'dds',
    service: 'dds',
    instanceId,
    name: `listed-${minute}`,
    status: 'COMPLETED',
    requestedAt: iso(base + minute * 60_000),
    requestedBy: { via: 'http', sourceIp: '203.0.113.7' },
    upstreamRequestId: null,
    checkedAt: iso(base + minute * 60_000 + 30_000),
    startedAt: iso(base + minute * 60_000 + 1_000),
    completedAt: iso(base + minute * 60_000 + 20_000),
    sizeKB: 2048,
  });
  const quietRecords = [5, 1, 3].map((minute) => finished(quiet, minute));
  const busyRecords = Array.from({ length: 22 }, (_, i) => finished(busy, 10 + i));
  const newestFirst = (backups: Array<{ requestedAt: string }>) =>
    [...backups.map((backup) => backup.requestedAt)].sort().reverse();

  beforeAll(async () => {
    for (const record of [...quietRecords, ...busyRecords]) await harness.lifecycle.ledger.create(record);
  });

  it("answers one instance's backups, newest first", async () => {
    const { statusCode, json } = await get('/backups', `instanceId=${quiet}`);

    expect(statusCode).toBe(200);
    expect(json.backups.map((backup: BackupRecord) => backup.name)).toEqual(['listed-5', 'listed-3', 'listed-1']);
    expect(json.backups[0]).toEqual(quietRecords[0]);
  });

  it('answers at most limit backups, the newest', async () => {
    const { json } = await get('/backups', `instanceId=${quiet}&limit=2`);
    expect(json.backups.map((backup: BackupRecord) => backup.name)).toEqual(['listed-5', 'listed-3']);
  });

  it('answers 20 by default, newest first, across instances', async () => {
    const { json } = await get('/backups');
    expect(json.backups).toHaveLength(20);
    expect(json.backups.map((backup: BackupRecord) => backup.requestedAt)).toEqual(newestFirst(json.backups));
  });

  it('answers up to 100', async () => {
    const { json } = await get('/backups', 'limit=100');
    expect(json.backups.length).toBeGreaterThanOrEqual(25);
    expect(json.backups.map((backup: BackupRecord) => backup.requestedAt)).toEqual(newestFirst(json.backups));
    const names = json.backups
      .filter((backup: BackupRecord) => backup.instanceId === busy)
      .map((backup: BackupRecord) => backup.name);
    expect(names).toEqual(busyRecords.map((record) => record.name).reverse());
  });

  it('answers an empty list for an instance with no backups', async () => {
    expect((await get('/backups', `instanceId=${instance('none')}`)).json).toEqual({ backups: [] });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=', 'limit'],
    ['instanceId=a%20b', 'instanceId'],
    ['instance_id=x', 'instance_id'],
    ['status=BUILDING', 'status'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const { statusCode, json } = await get('/backups', query);

    expect(statusCode).toBe(400);
    expect(json.code).toBe('invalid_request');
    expect(json.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});

describe('requestedBy, as the status API shows it', () => {
  it('names the queue message a backup was requested by', async () => {
    const instanceId = instance('queued');
    const { batchItemFailures } = await harness.createBackupFromQueue(
      sqsEvent(sqsRecord({ messageId: 'msg-4711', body: { engine: 'dds', instanceId } })),
      lambdaContext({ functionName: 'backup-gateway-dev-createBackupFromQueue' }),
    );
    expect(batchItemFailures).toEqual([]);
    const [listed] = (await get('/backups', `instanceId=${instanceId}`)).json.backups;

    expect(listed.requestedBy).toEqual({ via: 'queue', messageId: 'msg-4711' });
    expect((await get(`/backups/${listed.backupId}`)).json.requestedBy).toEqual({
      via: 'queue',
      messageId: 'msg-4711',
    });
  });

  it('names the schedule tick a backup was requested by', async () => {
    const tick = scheduledEvent();
    await harness.scheduledBackups(tick, lambdaContext({ functionName: 'backup-gateway-dev-scheduledBackups' }));
    const [listed] = (await get('/backups', `instanceId=${SCHEDULED_INSTANCE}`)).json.backups;

    expect(listed.requestedBy).toEqual({ via: 'schedule', scheduledEventId: tick.id });
  });

  it("names the Slack user and channel, never the command's response URL or text", async () => {
    const record: BackupRecord = {
      backupId: `slack${randomUUID().replace(/-/g, '')}br02`,
      engine: 'dds',
      service: 'dds',
      instanceId: instance('slack'),
      name: 'from-slack',
      status: 'COMPLETED',
      requestedAt: iso(Date.now() - 60_000),
      requestedBy: {
        via: 'slack',
        userId: 'U0ALLOWED1',
        channelId: 'C0ALLOWED1',
        teamId: 'T0TEAM0001',
        responseUrl: 'https://hooks.slack.com/commands/T0TEAM0001/1/abc',
        commandText: 'dds a89d…in02',
      },
      upstreamRequestId: null,
      checkedAt: iso(Date.now() - 30_000),
    };
    await harness.lifecycle.ledger.create(record);
    const one = await get(`/backups/${record.backupId}`);
    const list = await get('/backups', `instanceId=${record.instanceId}`);

    const caller = { via: 'slack', userId: 'U0ALLOWED1', channelId: 'C0ALLOWED1', teamId: 'T0TEAM0001' };
    expect(one.json.requestedBy).toEqual(caller);
    expect(list.json.backups[0].requestedBy).toEqual(caller);
    for (const answer of [one.body, list.body]) {
      expect(answer).not.toContain('hooks.slack.com');
      expect(answer).not.toContain('commandText');
    }
  });

  it('keeps the signing secret out of every answer', async () => {
    const { body } = await get('/backups', 'limit=100');
    expect(body).not.toContain(TEST_SIGNING_SECRETS.webhook);
  });
});
