import { AwsError, type AwsClient } from './aws/client';
import { ConfigurationError } from './errors';
import { isRecord } from './objects';

/** How long a fetched secret is reused before it is read again, so rotated values are picked up. */
const SECRET_MAX_AGE_MS = 5 * 60 * 1000;

/** Reads a Secrets Manager secret holding a JSON object. */
export type ReadJsonSecret = (secretId: string) => Promise<Record<string, unknown>>;

/**
 * One `GetSecretValue` per secret through the gateway's AWS client, cached for five minutes; callers that ask at
 * once share one read. A failure is not cached, and its message never holds any part of the secret's value.
 *
 * @example
 * const readSecret = secretsManagerReader(aws);
 * const { HUAWEICLOUD_SDK_AK } = await readSecret('backup-gateway/dev/huaweicloud');
 */
export function secretsManagerReader(aws: AwsClient, now: () => number = () => Date.now()): ReadJsonSecret {
  const cache = new Map<string, { readAt: number; value: Promise<Record<string, unknown>> }>();
  const read = async (secretId: string): Promise<Record<string, unknown>> => {
    let answer: { SecretString?: unknown };
    try {
      answer = await aws.call<{ SecretString?: unknown }>('secretsmanager', 'GetSecretValue', { SecretId: secretId });
    } catch (error) {
      const reason =
        error instanceof AwsError ? `${error.type}${error.reason ? ` (${error.reason})` : ''}` : 'unexpected error';
      throw new ConfigurationError({ detail: `Secret ${secretId} could not be read: ${reason}`, cause: error });
    }
    let value: unknown;
    try {
      value = typeof answer.SecretString === 'string' ? JSON.parse(answer.SecretString) : undefined;
    } catch {
      // The parser's message quotes the text it choked on: part of the secret. Only the fact is kept.
      value = undefined;
    }
    if (!isRecord(value))
      throw new ConfigurationError({ detail: `Secret ${secretId} must hold a JSON object (its value is not shown)` });
    return value;
  };
  return (secretId) => {
    const cached = cache.get(secretId);
    if (cached && now() - cached.readAt < SECRET_MAX_AGE_MS) return cached.value;
    const value = read(secretId);
    cache.set(secretId, { readAt: now(), value });
    value.catch(() => cache.delete(secretId));
    return value;
  };
}
