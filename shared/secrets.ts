import { ConfigurationError } from './errors';

/** How long a fetched secret is reused before it is read again, so rotated values are picked up. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Reads a JSON secret from AWS Secrets Manager, cached for a few minutes. Powertools Parameters and the SDK are
 * imported on first use, not at module load: local runs and tests never load them, and a cold start pays for
 * them only when a request needs a secret.
 *
 * @example
 * const { HUAWEICLOUD_SDK_AK } = await readJsonSecret('backup-gateway/dev/huaweicloud');
 */
export async function readJsonSecret(secretId: string): Promise<Record<string, unknown>> {
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  try {
    const secret = await getSecret<Record<string, unknown>>(secretId, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
    return secret ?? {};
  } catch (error) {
    // Missing, not allowed, not JSON: the operator's to fix. Only the error's name and message are kept, never the value.
    throw new ConfigurationError({ detail: `Secret ${secretId} could not be read: ${(error as Error).name}: ${(error as Error).message}`, cause: error });
  }
}
