import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupRequestedEvent, sqsEvent, sqsRecord } from '../local/events';
import type { Fault, HuaweiStandIn } from '../local/huawei-stand-in';
import { arrivalBarrier } from './support/barrier';
import { lambdaContext, logLinesOf, startBackends } from './support/fixtures';

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let handler: typeof import('../functions/createBackupFromQueue/handler')['handler'];

const deliver = (event: SQSEvent) =>
  handler(event, lambdaContext({ functionName: 'backup-gateway-dev-createBackupFromQueue' }));
const failedIds = async (event: SQSEvent) =>
  (await deliver(event)).batchItemFailures.map((failure) => failure.itemIdentifier).sort();
const dds = (instanceId: string) => ({ engine: 'dds', instanceId });

beforeAll(async () => {
  // As the real services do: a second backup of an instance is refused while the first is building.
  ({ standIn, close: closeBackends } = await startBackends({ refuseConcurrentBackups: true }));
  ({ handler } = await import('../functions/createBackupFromQueue/handler'));
});
afterAll(() => closeBackends());
beforeEach(() => standIn.reset());

describe('createBackupFromQueue', () => {
  it('reports exactly the records that failed in a mixed batch, and sends only valid ones upstream', async () => {
    await deliver(sqsEvent(sqsRecord({ body: dds('busy0000000000000000000000000in02') })));
    const earlier = standIn.requests.length;
    const event = sqsEvent(
      sqsRecord({ messageId: 'good-dds', body: dds('good0000000000000000000000000in02') }),
      sqsRecord({ messageId: 'bad-engine', body: { engine: 'oracle', instanceId: 'x1' } }),
      sqsRecord({ messageId: 'not-json', body: '{"engine": "dds",' }),
      sqsRecord({
        messageId: 'good-mysql',
        body: { engine: 'mysql', instance: 'c2aac04b4b44460aa75674fc0fd878b2no04', name: 'before-upgrade' },
      }),
      sqsRecord({ messageId: 'bad-name', body: { ...dds('name0000000000000000000000000in02'), name: '1st' } }),
      sqsRecord({ messageId: 'upstream-busy', body: dds('busy0000000000000000000000000in02') }),
    );

    expect(await failedIds(event)).toEqual(['bad-engine', 'bad-name', 'not-json', 'upstream-busy']);
    const sent = standIn.requests.slice(earlier).map((request) => JSON.parse(request.body).backup);
    expect(sent.map((backup) => backup.instance_id ?? backup.instance).sort()).toEqual([
      'busy0000000000000000000000000in02',
      'c2aac04b4b44460aa75674fc0fd878b2no04',
      'good0000000000000000000000000in02',
    ]);
  });

  it('logs each failure once, with its message id and reason', async () => {
    await deliver(sqsEvent(sqsRecord({ body: dds('busy0000000000000000000000000in02') })));
    const lines = await logLinesOf(() =>
      deliver(
        sqsEvent(
          sqsRecord({ messageId: 'invalid-1', body: { engine: 'dds' } }),
          sqsRecord({ messageId: 'busy-1', body: dds('busy0000000000000000000000000in02') }),
          sqsRecord({ messageId: 'fine-1', body: dds('fine0000000000000000000000000in02') }),
        ),
      ),
    );
    const failuresOf = (messageId: string) =>
      lines.filter(
        (line) => line.messageId === messageId && line.level !== 'DEBUG' && line.message !== 'backup created',
      );

    expect(failuresOf('invalid-1')).toEqual([
      expect.objectContaining({
        message: 'request refused',
        code: 'invalid_request',
        errors: [{ field: 'instanceId', message: 'is required' }],
      }),
    ]);
    expect(failuresOf('busy-1')).toEqual([
      expect.objectContaining({ message: 'backup failed', code: 'backup_in_progress' }),
    ]);
    expect(failuresOf('fine-1')).toEqual([]);
  });

  it('accepts an EventBridge "Backup Requested" event as the body', async () => {
    const detail = {
      engine: 'postgresql',
      instanceId: '44b277eb-39be-4921-be31-3d61b43651d7',
      name: 'from-eventbridge',
    };
    const response = await deliver(sqsEvent(sqsRecord({ body: backupRequestedEvent(detail) })));

    expect(response.batchItemFailures).toEqual([]);
    expect(standIn.backups()).toEqual([
      expect.objectContaining({ service: 'rds', instanceId: detail.instanceId, name: 'from-eventbridge' }),
    ]);
  });

  it('refuses an EventBridge event whose detail is not a valid request', async () => {
    const event = sqsEvent(
      sqsRecord({
        messageId: 'bad-detail',
        body: backupRequestedEvent({ engine: 'dds', instanceId: 'x', colour: 'red' }),
      }),
    );

    expect(await failedIds(event)).toEqual(['bad-detail']);
    expect(standIn.requests).toHaveLength(0);
  });

  it('creates one backup when the same message is delivered twice', async () => {
    const record = sqsRecord({ body: dds('twice000000000000000000000000in02') });

    const first = await deliver(sqsEvent(record));
    const second = await deliver(sqsEvent(record));

    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    expect(standIn.requests).toHaveLength(1);
  });

  it('creates one backup when EventBridge puts the same event on the queue twice', async () => {
    const event = backupRequestedEvent(dds('eb-twice0000000000000000000000in02'));

    await deliver(sqsEvent(sqsRecord({ body: event })));
    const again = await deliver(sqsEvent(sqsRecord({ body: event })));

    expect(again.batchItemFailures).toEqual([]);
    expect(standIn.requests).toHaveLength(1);
  });

  it('keys an event whose id could not be a key by its message id, instead of refusing it', async () => {
    const event = { ...backupRequestedEvent(dds('odd-id00000000000000000000000in02')), id: 'not a key!' };
    const record = sqsRecord({ body: event });

    expect((await deliver(sqsEvent(record))).batchItemFailures).toEqual([]);
    expect((await deliver(sqsEvent(record))).batchItemFailures).toEqual([]);
    expect(standIn.requests).toHaveLength(1);
  });

  it('creates one backup for duplicates in one batch; the one that found it in flight is retried and gets its result', async () => {
    standIn.setLatency(200);
    try {
      const body = { ...dds('dup000000000000000000000000000in02'), idempotencyKey: 'pipeline-run-77' };
      const failed = await failedIds(
        sqsEvent(sqsRecord({ messageId: 'copy-1', body }), sqsRecord({ messageId: 'copy-2', body })),
      );

      expect(failed).toHaveLength(1);
      expect(standIn.backups()).toHaveLength(1);
      expect(await failedIds(sqsEvent(sqsRecord({ messageId: failed[0], body })))).toEqual([]);
      expect(standIn.requests).toHaveLength(1);
    } finally {
      standIn.setLatency(0);
    }
  });

  it('sends up to ten records upstream at once, and the rest when a slot frees', async () => {
    // The first ten are held upstream until all ten are there: the batch ends only if ten went out at once.
    const tenAtOnce = arrivalBarrier(10);
    // For each request as it is held: how many the stand-in has received and not yet answered, itself included.
    const unansweredAtArrival: number[] = [];
    const hold = (): Fault => ({
      kind: 'hold',
      until: () => {
        unansweredAtArrival.push(standIn.requests.filter((request) => request.answeredWith === undefined).length);
        return tenAtOnce.arrive();
      },
    });
    standIn.script(...Array.from({ length: 12 }, hold));
    const instances = Array.from(
      { length: 12 },
      (_, i) => `batch${String(i).padStart(2, '0')}00000000000000000000000in02`,
    );

    const response = await deliver(sqsEvent(...instances.map((instanceId) => sqsRecord({ body: dds(instanceId) }))));

    expect(response.batchItemFailures).toEqual([]);
    expect(standIn.backups()).toHaveLength(12);
    expect(Math.max(...unansweredAtArrival)).toBe(10);
  });
});
