import { describe, expect, it } from 'vitest';
import { validateBackupRequest } from '../shared/domain/backup-request';
import { InvalidRequestError } from '../shared/errors';

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
  it.each([
    'k',
    'deploy-4711',
    'a'.repeat(128),
    '059f36b4-87a3-44ab-83d2-661975830a7d:c2aac04b4b44460aa75674fc0fd878b2no04',
    'Release_2.7.1',
  ])('accepts %s', (key) => {
    expect(validateBackupRequest({ ...request, idempotencyKey: key }).idempotencyKey).toBe(key);
  });

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
    expect(
      validateBackupRequest({ ...request, idempotencyKey: 'own' }, { idempotencyKey: 'message-1' }).idempotencyKey,
    ).toBe('own');
  });

  it('checks a default key by the same rule', () => {
    expect(problemsOf(request, { idempotencyKey: 'not valid' })).toEqual([
      { field: 'idempotencyKey', message: expect.stringContaining('found " "') },
    ]);
  });
});
