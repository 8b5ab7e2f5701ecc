import { commaSeparated, type Env } from '../config';
import { ConfigurationError } from '../errors';
import { readJsonSecret } from '../secrets';

/** The variables (or the fields of the Secrets Manager secret) that hold each entry point's signing secrets. */
export type SigningSecretName = 'WEBHOOK_SIGNING_SECRET' | 'SLACK_SIGNING_SECRET';

/** Names the Secrets Manager secret holding `{"WEBHOOK_SIGNING_SECRET": "…", "SLACK_SIGNING_SECRET": "…"}`. */
export const SIGNING_SECRETS_SECRET = 'SIGNING_SECRETS_SECRET';

/**
 * Decides at cold start where an entry point's signing secrets come from, and returns their provider: the
 * comma-separated variable itself (local runs and tests), or the field of the same name in the Secrets Manager
 * secret named by `SIGNING_SECRETS_SECRET` (in AWS), read on first use and cached like every secret. Throws a
 * {@link ConfigurationError} when neither is set, so the entry point refuses every request instead of running open.
 *
 * @example
 * const webhookSecrets = signingSecretsFromEnvironment('WEBHOOK_SIGNING_SECRET');
 * await webhookSecrets(); // → ['new-secret', 'old-secret'] while a rotation is under way
 */
export function signingSecretsFromEnvironment(
  name: SigningSecretName,
  env: Env = process.env,
  readSecret: (secretId: string) => Promise<Record<string, unknown>> = readJsonSecret,
): () => Promise<string[]> {
  const secretId = env[SIGNING_SECRETS_SECRET]?.trim();
  const fromVariable = commaSeparated(env[name]);
  if (secretId && fromVariable.length > 0) {
    throw new ConfigurationError({ detail: `Invalid configuration: set either ${SIGNING_SECRETS_SECRET} or ${name}, not both.` });
  }
  if (secretId) {
    return async () => {
      const field = (await readSecret(secretId))[name];
      const secrets = typeof field === 'string' ? commaSeparated(field) : [];
      if (secrets.length === 0) {
        throw new ConfigurationError({
          detail: `Secret ${secretId} must be JSON with a string field ${name} (several comma-separated secrets during a rotation).`,
        });
      }
      return secrets;
    };
  }
  if (fromVariable.length === 0) {
    throw new ConfigurationError({
      detail: `Invalid configuration: ${name} is not set (or name the Secrets Manager secret holding it in ${SIGNING_SECRETS_SECRET}); every request is refused.`,
    });
  }
  return async () => fromVariable;
}
