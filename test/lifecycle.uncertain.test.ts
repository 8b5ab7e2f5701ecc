import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext } from './support/fixtures';
import { getEvent } from './support/get-request';
import { lifecycleHarness } from './support/lifecycle-harness';
import { expectDocumentedResponse } from './support/openapi';
import { expectDocumentedAnswer } from './support/openapi-operations';

/**
 * Creates whose outcome is uncertain (a 500 after creating, a dropped connection), settled by looking for a backup
 * of that instance with that name: found → recorded as created (ledger, event, the key's answer); not found once
 * BACKUP_LOOKUP_WINDOW_SECONDS have passed → the key is freed. One backup upstream, always.
 */
const harness = lifecycleHarness({ handlers: ['createBackup', 'getBackup'] });
beforeAll(() => harness.start());
afterAll(() => harness.close());
beforeEach(() => harness.standIn.reset());

type Answer = APIGatewayProxyStructuredResultV2 & { body: string; json: Record<string, any> };

async function post(body: unknown, key: string): Promise<Answer> {
  const response = (await harness.createBackup(
    httpEvent({ body, headers: { 'Idempotency-Key': key } }),
    lambdaContext(),
  )) as Answer;
  expectDocumentedResponse(response);
  return { ...response, json: JSON.parse(response.body) };
}
async function listed(instanceId: string): Promise<Array<Record<string, any>>> {
  const response = (await harness.getBackup(
    getEvent({ path: '/backups', query: `instanceId=${instanceId}` }),
    lambdaContext(),
  )) as Answer;
  expectDocumentedAnswer('get', '/backups', response);
  return JSON.parse(response.body).backups;
}

const creates = () => harness.standIn.requests.filter((request) => request.method === 'POST');
const windowMs = () => harness.lifecycle.settings.lookupWindowSeconds * 1000;
const openLookups = async (instanceId: string) =>
  (
    await harness.lifecycle.ledger.dueForCheck(new Date(Date.now() + 365 * 86_400_000).toISOString(), 100)
  ).lookups.filter((lookup) => lookup.instanceId === instanceId);
const refused = (status: number) => ({
  kind: 'answer' as const,
  status,
  body: JSON.stringify({ error_code: 'DBS.200001', error_msg: 'Invalid parameter.' }),
});

describe('uncertain creates settled by looking', () => {
  it('answers 202 with the backup it finds after a 500 that created it; a repeat gets the same', async () => {
    const instanceId = 'unc5000000000000000000000000in02';
    harness.standIn.setInstanceBehaviour(instanceId, 'answers-500-after-creating');
    const request = { engine: 'dds', instanceId };

    const found = await post(request, 'after-500-1');
    const [made] = harness.standIn.backups();
    expect(found.statusCode).toBe(202);
    expect(found.json).toMatchObject({
      backupId: made.id,
      instanceId,
      name: made.name,
      status: 'BUILDING',
      jobIds: [],
      upstreamRequestId: null,
    });

    expect(await harness.lifecycle.ledger.get(made.id)).toMatchObject({
      status: 'BUILDING',
      name: made.name,
      requestedBy: { via: 'http' },
    });
    expect(harness.stateChanges(made.id)).toEqual([
      expect.objectContaining({ status: 'BUILDING', previousStatus: null }),
    ]);
    expect(await openLookups(instanceId)).toEqual([]);

    const repeat = await post(request, 'after-500-1');
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json).toEqual(found.json);
    expect(creates()).toHaveLength(1);
    expect(harness.standIn.backups()).toHaveLength(1);
  });

  it('answers 502 when nothing was made, 409 to repeats while it looks, then lets a repeat create one', async () => {
    const instanceId = 'uncdrop00000000000000000000000in02';
    const request = { engine: 'dds', instanceId };
    harness.standIn.script({ kind: 'drop-before-read' });

    const uncertain = await post(request, 'dropped-1');
    expect(uncertain.statusCode).toBe(502);
    expect(uncertain.json).toMatchObject({ code: 'upstream_error', backupMayExist: true });
    const [lookup] = await openLookups(instanceId);
    expect(lookup).toMatchObject({ instanceId, idempotencyKey: 'dropped-1', engine: 'dds', service: 'dds' });
    // A lookup is no backup: the listings do not show it.
    expect(await listed(instanceId)).toEqual([]);

    expect((await post(request, 'dropped-1')).json).toMatchObject({
      code: 'earlier_outcome_uncertain',
      backupMayExist: true,
    });
    // Within the window, the tracker goes on looking and the key stays held.
    expect(await harness.trackLater(windowMs() / 2)).toMatchObject({ lookupsSettled: 0 });
    expect((await post(request, 'dropped-1')).statusCode).toBe(409);
    expect(creates()).toHaveLength(1);

    expect(await harness.trackLater(windowMs() + 60_000)).toMatchObject({ lookupsSettled: 1 });
    expect(await openLookups(instanceId)).toEqual([]);
    const after = await post(request, 'dropped-1');
    expect(after.statusCode).toBe(202);
    expect(after.json.name).toBe(lookup.name);
    expect(creates()).toHaveLength(2);
    expect(harness.standIn.backups().map((backup) => backup.id)).toEqual([after.json.backupId]);
    expect((await listed(instanceId)).map((backup) => backup.backupId)).toEqual([after.json.backupId]);
    expect(harness.stateChanges(after.json.backupId).map((detail) => detail.status)).toEqual(['BUILDING']);
    expect((await post(request, 'dropped-1')).json).toEqual(after.json);
    expect(creates()).toHaveLength(2);
  });

  it('leaves to the tracker a backup the look at once could not see; it finds it, and the repeat gets it', async () => {
    const instanceId = 'unclate00000000000000000000000in02';
    const request = { engine: 'dds', instanceId };
    // The create is made and its answer lost; the list call that looks at once is refused.
    harness.standIn.script({ kind: 'drop-after-read' }, refused(400));

    const uncertain = await post(request, 'unseen-1');
    expect(uncertain.statusCode).toBe(502);
    expect(uncertain.json).toMatchObject({ backupMayExist: true });
    expect((await post(request, 'unseen-1')).statusCode).toBe(409);
    const [made] = harness.standIn.backups();

    expect(await harness.trackLater(60_000)).toMatchObject({ lookupsSettled: 1 });
    expect(await harness.lifecycle.ledger.get(made.id)).toMatchObject({
      status: 'BUILDING',
      instanceId,
      name: made.name,
    });
    expect(harness.stateChanges(made.id)).toEqual([
      expect.objectContaining({ status: 'BUILDING', previousStatus: null }),
    ]);
    const repeat = await post(request, 'unseen-1');
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json.backupId).toBe(made.id);
    expect(creates()).toHaveLength(1);
    expect(harness.standIn.backups()).toHaveLength(1);
  });

  it('attributes to an uncertain create the backup it made, not an earlier one of the same name', async () => {
    const instanceId = 'uncsame00000000000000000000000in02';
    harness.standIn.setInstanceBehaviour(instanceId, 'answers-500-after-creating');
    // DDS names need not be unique: a pipeline that names its backup retries with a new key, and both creates
    // make a backup and answer 500.
    const request = { engine: 'dds', instanceId, name: 'before-migration' };

    const first = await post(request, 'same-name-1');
    const second = await post(request, 'same-name-2');
    const [earlier, later] = harness.standIn.backups();

    expect(first.json.backupId).toBe(earlier.id);
    expect(second.statusCode).toBe(202);
    expect(second.json.backupId).toBe(later.id);
    expect(await harness.lifecycle.ledger.get(later.id)).toMatchObject({
      status: 'BUILDING',
      name: 'before-migration',
    });
    expect(harness.stateChanges(earlier.id).map((detail) => detail.status)).toEqual(['BUILDING']);
    expect(harness.stateChanges(later.id).map((detail) => detail.status)).toEqual(['BUILDING']);
  });
});
