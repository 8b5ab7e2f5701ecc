import { describe, expect, it } from 'vitest';
import { startLocalDynamo } from '../local/dynamodb';
import type { CreateBackup } from '../shared/create-backup';
import type { BackupResult } from '../shared/domain/engine-mapping';
import { IdempotencyStoreError, UpstreamUnavailableError } from '../shared/errors';
import { createAwsClient } from '../shared/aws/client';
import { dynamoDbIdempotencyStore } from '../shared/aws/idempotency-store';
import { requestBackupUseCase } from '../shared/request-backup';

/** When the idempotency store fails, the caller hears what happened upstream, not a guess. */
const request = {
  engine: 'dds' as const,
  instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02',
  idempotencyKey: 'store-test',
};
const created: BackupResult = {
  backupId: 'bf9ee62a7f7044c583c6765c916c36edbr02',
  engine: 'dds',
  service: 'dds',
  instanceId: request.instanceId,
  name: 'dds-20261124-221500-k3f9',
  status: 'BUILDING',
  jobIds: [],
  upstreamRequestId: null,
};
const settingsFor = (endpoint: string, tableName = 'backup-gateway-local-idempotency') =>
  dynamoDbIdempotencyStore(
    createAwsClient({
      region: 'local',
      endpoints: { dynamodb: endpoint },
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    tableName,
    86_400,
  );
const deadline = () => Date.now() + 10_000;

describe('idempotency store failures', () => {
  it('requests nothing when the store cannot be reached, and says it is safe to retry', async () => {
    const dynamo = await startLocalDynamo();
    await dynamo.close();
    let calls = 0;
    const createBackup: CreateBackup = async () => {
      calls++;
      return created;
    };

    const attempt = requestBackupUseCase({ createBackup, idempotency: settingsFor(dynamo.endpoint) })(
      request,
      deadline(),
      { via: 'http' },
    );

    await expect(attempt).rejects.toBeInstanceOf(IdempotencyStoreError);
    expect(calls).toBe(0);
  });

  it('answers with the created backup when the store fails after it was created', async () => {
    const dynamo = await startLocalDynamo();
    const createBackup: CreateBackup = async () => {
      await dynamo.close();
      return created;
    };

    expect(
      await requestBackupUseCase({ createBackup, idempotency: settingsFor(dynamo.endpoint) })(request, deadline(), {
        via: 'http',
      }),
    ).toEqual(created);
  });

  it('passes on the upstream error when the store fails after the upstream did', async () => {
    const dynamo = await startLocalDynamo();
    const upstreamError = new UpstreamUnavailableError({
      detail: 'Huawei Cloud answered 503 Service Unavailable.',
      upstream: { status: 503 },
    });
    const createBackup: CreateBackup = async () => {
      await dynamo.close();
      throw upstreamError;
    };

    await expect(
      requestBackupUseCase({ createBackup, idempotency: settingsFor(dynamo.endpoint) })(request, deadline(), {
        via: 'http',
      }),
    ).rejects.toBe(upstreamError);
  });
});
