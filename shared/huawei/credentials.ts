import type { CredentialSource } from '../config';
import { ConfigurationError } from '../errors';
import type { ReadJsonSecret } from '../secrets';
import type { Credentials } from './signer';

/**
 * Returns a provider of the current credentials: fixed ones from the environment, or a Secrets Manager secret's.
 *
 * @example
 * const credentials = credentialsProvider(config.huawei.credentials, secretsManagerReader(aws));
 */
export function credentialsProvider(source: CredentialSource, readSecret: ReadJsonSecret): () => Promise<Credentials> {
  if (source.kind === 'environment') {
    const credentials: Credentials = {
      accessKey: source.accessKey,
      secretKey: source.secretKey,
      ...(source.securityToken && { securityToken: source.securityToken }),
    };
    return async () => credentials;
  }
  return async () => {
    const secret = await readSecret(source.secretId);
    const {
      HUAWEICLOUD_SDK_AK: accessKey,
      HUAWEICLOUD_SDK_SK: secretKey,
      HUAWEICLOUD_SDK_SECURITY_TOKEN: securityToken,
    } = secret;
    if (typeof accessKey !== 'string' || typeof secretKey !== 'string' || !accessKey || !secretKey) {
      throw new ConfigurationError({
        detail: `Secret ${source.secretId} must be JSON with string fields HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK`,
      });
    }
    return { accessKey, secretKey, ...(typeof securityToken === 'string' && securityToken && { securityToken }) };
  };
}
