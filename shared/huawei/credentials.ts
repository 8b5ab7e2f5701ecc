import type { CredentialSource } from '../config';
import { ConfigurationError } from '../errors';
import type { Credentials } from './signer';

/** How long a fetched secret is reused before it is read again, so rotated keys are picked up. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Returns a provider of the current credentials. A Secrets Manager secret is read on first use, not at module
 * load, and the SDK is imported only then: local runs and tests never load it, and cold starts skip it until the
 * first backup.
 */
export function credentialsProvider(source: CredentialSource): () => Promise<Credentials> {
  if (source.kind === 'environment') {
    const credentials: Credentials = {
      accessKey: source.accessKey,
      secretKey: source.secretKey,
      ...(source.securityToken && { securityToken: source.securityToken }),
    };
    return async () => credentials;
  }
  return async () => {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    const secret = await getSecret<Record<string, unknown>>(source.secretId, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
    const accessKey = secret?.HUAWEICLOUD_SDK_AK;
    const secretKey = secret?.HUAWEICLOUD_SDK_SK;
    const securityToken = secret?.HUAWEICLOUD_SDK_SECURITY_TOKEN;
    if (typeof accessKey !== 'string' || typeof secretKey !== 'string' || !accessKey || !secretKey) {
      throw new ConfigurationError({
        detail: `Secret ${source.secretId} must be JSON with string fields HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK`,
      });
    }
    return { accessKey, secretKey, ...(typeof securityToken === 'string' && securityToken && { securityToken }) };
  };
}
