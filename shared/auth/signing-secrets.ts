import { commaSeparated, type SigningSecretsSource } from '../config';
import { ConfigurationError } from '../errors';
import type { ReadJsonSecret } from '../secrets';

/**
 * Returns the provider of an entry point's signing secrets: the comma-separated variable itself (local runs and
 * tests), or the field of the same name in the Secrets Manager secret (deployed), read on first use and cached
 * like every secret.
 *
 * @example
 * const webhookSecrets = signingSecretsProvider(config.signingSecrets, readSecret);
 * await webhookSecrets(); // → ['new-secret', 'old-secret'] while a rotation is under way
 */
export function signingSecretsProvider(
  source: SigningSecretsSource,
  readSecret: ReadJsonSecret,
): () => Promise<string[]> {
  if (source.kind === 'values') return async () => source.secrets;
  return async () => {
    const field = (await readSecret(source.secretId))[source.field];
    const secrets = typeof field === 'string' ? commaSeparated(field) : [];
    if (secrets.length === 0) {
      throw new ConfigurationError({
        detail: `Secret ${source.secretId} must be JSON with a string field ${source.field} (several comma-separated secrets during a rotation).`,
      });
    }
    return secrets;
  };
}
