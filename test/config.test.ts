import { describe, expect, it } from 'vitest';
import { loadHuaweiConfig } from '../shared/config';
import { ConfigurationError } from '../shared/errors';

const base = {
  HUAWEICLOUD_SDK_AK: 'AK',
  HUAWEICLOUD_SDK_SK: 'SK',
  HUAWEICLOUD_SDK_PROJECT_ID: '0123456789abcdef0123456789abcdef',
  HUAWEICLOUD_REGION: 'cn-north-4',
};

const detailOf = (env: Record<string, string | undefined>): string => {
  try {
    loadHuaweiConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).detail;
  }
  throw new Error('expected a configuration error');
};

describe('configuration', () => {
  it('derives both regional endpoints', () => {
    expect(loadHuaweiConfig(base)).toEqual({
      projectId: base.HUAWEICLOUD_SDK_PROJECT_ID,
      endpoints: { dds: 'https://dds.cn-north-4.myhuaweicloud.com', rds: 'https://rds.cn-north-4.myhuaweicloud.com' },
      credentials: { kind: 'environment', accessKey: 'AK', secretKey: 'SK' },
      rdsApiVersion: 'v1',
    });
  });

  it.each([
    ['v1 when unset', undefined, 'v1'],
    ['v1 when blank', ' ', 'v1'],
    ['v1', 'v1', 'v1'],
    ['v3', ' v3 ', 'v3'],
  ])('takes RDS API %s', (_, HUAWEICLOUD_RDS_API_VERSION, expected) => {
    expect(loadHuaweiConfig({ ...base, HUAWEICLOUD_RDS_API_VERSION }).rdsApiVersion).toBe(expected);
  });

  it('uses .myhuaweicloud.eu for eu-west-101', () => {
    expect(loadHuaweiConfig({ ...base, HUAWEICLOUD_REGION: 'eu-west-101' }).endpoints.dds).toBe('https://dds.eu-west-101.myhuaweicloud.eu');
  });

  it('takes endpoint overrides, which make the region optional', () => {
    const config = loadHuaweiConfig({ ...base, HUAWEICLOUD_REGION: undefined, HUAWEICLOUD_DDS_ENDPOINT: 'http://127.0.0.1:4010/', HUAWEICLOUD_RDS_ENDPOINT: 'http://127.0.0.1:4011' });
    expect(config.endpoints).toEqual({ dds: 'http://127.0.0.1:4010', rds: 'http://127.0.0.1:4011' });
  });

  it('carries the security token of temporary credentials', () => {
    expect(loadHuaweiConfig({ ...base, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'tok' }).credentials).toEqual({
      kind: 'environment',
      accessKey: 'AK',
      secretKey: 'SK',
      securityToken: 'tok',
    });
  });

  it('reads keys from a Secrets Manager secret when one is named', () => {
    const env = {
      HUAWEICLOUD_SDK_PROJECT_ID: base.HUAWEICLOUD_SDK_PROJECT_ID,
      HUAWEICLOUD_REGION: base.HUAWEICLOUD_REGION,
      HUAWEICLOUD_CREDENTIALS_SECRET: 'backup-gateway/dev/huaweicloud',
    };
    expect(loadHuaweiConfig(env).credentials).toEqual({ kind: 'secretsManager', secretId: 'backup-gateway/dev/huaweicloud' });
  });

  it('names every missing variable at once', () => {
    const detail = detailOf({});
    for (const name of ['HUAWEICLOUD_SDK_PROJECT_ID', 'HUAWEICLOUD_REGION', 'HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK']) {
      expect(detail).toContain(`${name} is not set`);
    }
  });

  it.each([
    ['a malformed project id', { HUAWEICLOUD_SDK_PROJECT_ID: 'my-project' }, 'HUAWEICLOUD_SDK_PROJECT_ID must be 32 hexadecimal characters'],
    ['a malformed region', { HUAWEICLOUD_REGION: 'Beijing' }, 'HUAWEICLOUD_REGION "Beijing" is not a region name'],
    ['a malformed endpoint', { HUAWEICLOUD_DDS_ENDPOINT: 'dds.local' }, 'HUAWEICLOUD_DDS_ENDPOINT must be an http(s) URL'],
    ['both a secret and plain keys', { HUAWEICLOUD_CREDENTIALS_SECRET: 's' }, 'not both'],
    ['an unknown RDS API version', { HUAWEICLOUD_RDS_API_VERSION: 'v2' }, 'HUAWEICLOUD_RDS_API_VERSION "v2" must be one of v1, v3'],
    ['an RDS API version in capitals', { HUAWEICLOUD_RDS_API_VERSION: 'V3' }, 'HUAWEICLOUD_RDS_API_VERSION "V3" must be one of v1, v3'],
  ])('refuses %s', (_, override, expected) => {
    expect(detailOf({ ...base, ...override })).toContain(expected);
  });

  it('never repeats a secret key in its message', () => {
    expect(detailOf({ ...base, HUAWEICLOUD_SDK_SK: 'super-secret', HUAWEICLOUD_SDK_PROJECT_ID: 'x' })).not.toContain('super-secret');
  });
});
