import { describe, expect, it } from 'vitest';
import { validateBackupRequest } from '../shared/domain/backup-request';
import { InvalidRequestError } from '../shared/errors';
import { loadIdempotencySettings } from '../shared/idempotency';

const request = { engine: 'dds', instanceId: 'a89dab5e39394eccbdb77b19d57b0180in02' };
const ONLY = "may contain only ASCII letters, digits, '-', '_', '.' and ':'";
const problemsOf = (input: unknown, defaults = {}) => {
  try {
    validateBackupRequest(input, defaults);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.errors;
    throw error;
  }
  return [];
};

describe('idempotencyKey rule', () => {
  it.each(['k', 'deploy-4711', 'a'.repeat(128), '059f36b4-87a3-44ab-83d2-661975830a7d:c2aac04b4b44460aa75674fc0fd878b2no04', 'Release_2.7.1'])(
    'accepts %s',
    (key) => {
      expect(validateBackupRequest({ ...request, idempotencyKey: key }).idempotencyKey).toBe(key);
    },
  );

  it.each([
    ['an empty key', '', 'must be 1 to 128 characters long (it has 0)'],
    ['a key of 129 characters', 'a'.repeat(129), 'must be 1 to 128 characters long (it has 129)'],
    ['spaces and slashes', 'run 7/8', `${ONLY} (found " ", "/")`],
    ['non-ASCII letters', 'sauvegarde-été', `${ONLY} (found "é")`],
    ['a number', 4711, 'must be a string'],
  ])('refuses %s', (_, key, message) => {
    expect(problemsOf({ ...request, idempotencyKey: key })).toEqual([{ field: 'idempotencyKey', message }]);
  });

  it('takes a default key when the request has none, and the request’s own key over it', () => {
    expect(validateBackupRequest(request, { idempotencyKey: 'message-1' }).idempotencyKey).toBe('message-1');
    expect(validateBackupRequest({ ...request, idempotencyKey: 'own' }, { idempotencyKey: 'message-1' }).idempotencyKey).toBe('own');
  });

  it('checks a default key by the same rule', () => {
    expect(problemsOf(request, { idempotencyKey: 'not valid' })).toEqual([{ field: 'idempotencyKey', message: expect.stringContaining('found " "') }]);
  });
});

describe('idempotency settings', () => {
  it('are off without IDEMPOTENCY_TABLE', () => {
    expect(loadIdempotencySettings({ IDEMPOTENCY_TABLE: ' ', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })).toBeUndefined();
  });

  it('remember keys for 24 hours unless told otherwise', () => {
    expect(loadIdempotencySettings({ IDEMPOTENCY_TABLE: 'backup-gateway-dev-idempotency', AWS_REGION: 'eu-west-1' })).toEqual({
      tableName: 'backup-gateway-dev-idempotency',
      dynamoDb: { region: 'eu-west-1' },
      expiresAfterSeconds: 86_400,
    });
    expect(loadIdempotencySettings({ IDEMPOTENCY_TABLE: 'table', AWS_REGION: 'eu-west-1', IDEMPOTENCY_EXPIRES_AFTER_SECONDS: '3600' })?.expiresAfterSeconds).toBe(3600);
  });

  it('use a local endpoint with placeholder keys only when the environment has none', () => {
    expect(loadIdempotencySettings({ IDEMPOTENCY_TABLE: 'table', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })?.dynamoDb).toEqual({
      endpoint: 'http://127.0.0.1:8000',
      region: 'local',
      placeholderCredentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(
      loadIdempotencySettings({ IDEMPOTENCY_TABLE: 'table', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIA…' })
        ?.dynamoDb,
    ).toEqual({ endpoint: 'http://127.0.0.1:8000', region: 'eu-west-1' });
  });

  it.each([
    ['an expiry that is not a number', { IDEMPOTENCY_EXPIRES_AFTER_SECONDS: '1d' }, /IDEMPOTENCY_EXPIRES_AFTER_SECONDS "1d" must be a whole number/],
    ['a zero expiry', { IDEMPOTENCY_EXPIRES_AFTER_SECONDS: '0' }, /IDEMPOTENCY_EXPIRES_AFTER_SECONDS "0"/],
    ['an endpoint that is not a URL', { DYNAMODB_ENDPOINT: 'localhost:8000' }, /DYNAMODB_ENDPOINT "localhost:8000" must be an http\(s\) URL/],
    ['no region and no local endpoint', { AWS_REGION: '' }, /AWS_REGION is not set/],
  ])('refuse %s', (_, env, message) => {
    expect(() => loadIdempotencySettings({ IDEMPOTENCY_TABLE: 'table', AWS_REGION: 'eu-west-1', ...env })).toThrow(message);
  });
});
