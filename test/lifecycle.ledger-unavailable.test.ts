import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext, logLinesOf } from './support/fixtures';
import { getEvent } from './support/get-request';
import { lifecycleHarness } from './support/lifecycle-harness';
import { expectDocumentedResponse } from './support/openapi';
import { expectDocumentedAnswer } from './support/openapi-operations';

/**
 * The ledger cannot be written (BACKUPS_TABLE names a table that does not exist): a backup Huawei Cloud created
 * is still the caller's answer, and the log holds everything needed to find it.
 */
const MISSING_TABLE = 'backup-gateway-local-no-such-backups';

const harness = lifecycleHarness({ env: { BACKUPS_TABLE: MISSING_TABLE }, handlers: ['createBackup', 'getBackup'] });
beforeAll(() => harness.start());
afterAll(() => harness.close());
beforeEach(() => harness.standIn.reset());

type Answer = APIGatewayProxyStructuredResultV2 & { body: string };

/** POST /backups with a key; returns the answer, its body and the log lines written meanwhile. */
async function post(body: unknown, key: string) {
  let response: Answer | undefined;
  const lines = await logLinesOf(async () => {
    response = (await harness.createBackup(
      httpEvent({ body, headers: { 'Idempotency-Key': key } }),
      lambdaContext(),
    )) as Answer;
  });
  expectDocumentedResponse(response!);
  return { statusCode: response!.statusCode, json: JSON.parse(response!.body), lines };
}
const notRecorded = (lines: Array<Record<string, any>>) =>
  lines.filter((line) => line.message === 'backup created but not recorded in the ledger');

describe('a ledger that cannot be written', () => {
  it('does not turn a created backup into an error: 202, an error log with the backup, the event', async () => {
    const request = { engine: 'mysql', instanceId: 'c2aac04b4b44460aa75674fc0fd878b2no04', name: 'unrecorded-1' };
    const { statusCode, json, lines } = await post(request, 'ledger-down-1');
    const [made] = harness.standIn.backups();

    expect(statusCode).toBe(202);
    expect(json.backupId).toBe(made.id);
    const [line] = notRecorded(lines);
    expect(line).toMatchObject({
      level: 'ERROR',
      record: {
        backupId: made.id,
        engine: 'mysql',
        service: 'rds',
        instanceId: request.instanceId,
        name: 'unrecorded-1',
        status: 'BUILDING',
      },
      error: expect.objectContaining({ message: expect.stringContaining('ResourceNotFoundException') }),
    });
    expect(line.record.requestedAt).toEqual(expect.any(String));
    expect(harness.stateChanges(made.id)).toHaveLength(1);

    // The key still answers with the backup: no second one is made.
    const repeat = await post(request, 'ledger-down-1');
    expect(repeat.json).toEqual(json);
    expect(harness.standIn.backups()).toHaveLength(1);
  });

  it('answers 202 with a backup found by looking after a 500, although the ledger cannot record it', async () => {
    const instanceId = 'a89dab5e39394eccbdb77b19d57b0180in02';
    harness.standIn.setInstanceBehaviour(instanceId, 'answers-500-after-creating');
    const { statusCode, json, lines } = await post({ engine: 'dds', instanceId }, 'ledger-down-2');
    const [made] = harness.standIn.backups();

    expect(statusCode).toBe(202);
    expect(json.backupId).toBe(made.id);
    expect(notRecorded(lines).map((line) => line.record.backupId)).toEqual([made.id]);
    expect((await post({ engine: 'dds', instanceId }, 'ledger-down-2')).json).toEqual(json);
    expect(harness.standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it.each([
    ['/backups/2f4ddb93b9014b0893d81d2e472f30febr02', '/backups/{backupId}'],
    ['/backups', '/backups'],
  ])('answers GET %s with a documented 500 that says nothing of the table', async (path, route) => {
    let response: Answer | undefined;
    const lines = await logLinesOf(async () => {
      response = (await harness.getBackup(getEvent({ path }), lambdaContext())) as Answer;
    });
    expectDocumentedAnswer('get', route, response!);

    expect(response!.statusCode).toBe(500);
    expect(JSON.parse(response!.body).code).toBe('internal_error');
    expect(response!.body).not.toContain(MISSING_TABLE);
    expect(lines.some((line) => JSON.stringify(line).includes('ResourceNotFoundException'))).toBe(true);
  });
});
