import { RDS_API_VERSIONS, type RdsApiVersion } from './domain/engine-mapping';
import { ConfigurationError } from './errors';

/**
 * The gateway's configuration, read from the environment once at cold start. Every problem is named at once,
 * and nothing falls back to a placeholder that would hide a missing value.
 */
export type CredentialSource =
  | { kind: 'environment'; accessKey: string; secretKey: string; securityToken?: string }
  /** In AWS: a Secrets Manager secret holding `{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"?}`. */
  | { kind: 'secretsManager'; secretId: string };

export interface HuaweiConfig {
  projectId: string;
  endpoints: { dds: string; rds: string };
  credentials: CredentialSource;
  /** `HUAWEICLOUD_RDS_API_VERSION`: the RDS API that creates backups; v1, the documented one, unless set. */
  rdsApiVersion: RdsApiVersion;
}

export type Env = Record<string, string | undefined>;

/** A variable's value, trimmed; `undefined` when it is unset or blank. */
export const variable = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

/** Throws one {@link ConfigurationError} naming every problem found, when there is any. */
export function refuseConfiguration(problems: string[]): void {
  if (problems.length > 0) throw new ConfigurationError({ detail: `Invalid configuration: ${problems.join('; ')}.` });
}

/**
 * A comma-separated list from one variable, blanks dropped.
 *
 * @example
 * commaSeparated(' new-secret, old-secret ,') // → ['new-secret', 'old-secret']
 */
export const commaSeparated = (value: string | undefined): string[] =>
  (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');

const PROJECT_ID = /^[0-9a-f]{32}$/i;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const isRdsApiVersion = (value: string): value is RdsApiVersion =>
  (RDS_API_VERSIONS as readonly string[]).includes(value);

/** `https://dds.cn-north-4.myhuaweicloud.com`; the European sovereign region lives under `.myhuaweicloud.eu`. */
export function regionalEndpoint(service: 'dds' | 'rds', region: string): string {
  return `https://${service}.${region}.myhuaweicloud.${region === 'eu-west-101' ? 'eu' : 'com'}`;
}

function readEndpoint(env: Env, service: 'dds' | 'rds', region: string | undefined, problems: string[]): string {
  const variable = `HUAWEICLOUD_${service.toUpperCase()}_ENDPOINT`;
  const override = env[variable]?.trim();
  if (override) {
    try {
      const url = new URL(override);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
      return url.origin;
    } catch {
      problems.push(`${variable} must be an http(s) URL such as ${regionalEndpoint(service, 'cn-north-4')}`);
      return '';
    }
  }
  if (region && REGION.test(region)) return regionalEndpoint(service, region);
  return '';
}

/**
 * @example
 * loadHuaweiConfig({ HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: 'SK', HUAWEICLOUD_SDK_PROJECT_ID: '0123…cdef', HUAWEICLOUD_REGION: 'cn-north-4' })
 */
export function loadHuaweiConfig(env: Env = process.env): HuaweiConfig {
  const problems: string[] = [];
  const value = (name: string) => variable(env, name);

  const projectId = value('HUAWEICLOUD_SDK_PROJECT_ID');
  if (!projectId) problems.push('HUAWEICLOUD_SDK_PROJECT_ID is not set (the 32-hex-character project ID of the region)');
  else if (!PROJECT_ID.test(projectId)) problems.push('HUAWEICLOUD_SDK_PROJECT_ID must be 32 hexadecimal characters');

  const region = value('HUAWEICLOUD_REGION');
  if (region && !REGION.test(region)) problems.push(`HUAWEICLOUD_REGION "${region}" is not a region name such as cn-north-4`);
  const endpoints = { dds: readEndpoint(env, 'dds', region, problems), rds: readEndpoint(env, 'rds', region, problems) };
  if (!region && (!endpoints.dds || !endpoints.rds)) {
    problems.push('HUAWEICLOUD_REGION is not set (or set both HUAWEICLOUD_DDS_ENDPOINT and HUAWEICLOUD_RDS_ENDPOINT)');
  }

  const secretId = value('HUAWEICLOUD_CREDENTIALS_SECRET');
  const accessKey = value('HUAWEICLOUD_SDK_AK');
  const secretKey = value('HUAWEICLOUD_SDK_SK');
  const securityToken = value('HUAWEICLOUD_SDK_SECURITY_TOKEN');
  let credentials: CredentialSource | undefined;
  if (secretId) {
    if (accessKey || secretKey) problems.push('set either HUAWEICLOUD_CREDENTIALS_SECRET or HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK, not both');
    credentials = { kind: 'secretsManager', secretId };
  } else {
    if (!accessKey) problems.push('HUAWEICLOUD_SDK_AK is not set (or name a secret in HUAWEICLOUD_CREDENTIALS_SECRET)');
    if (!secretKey) problems.push('HUAWEICLOUD_SDK_SK is not set (or name a secret in HUAWEICLOUD_CREDENTIALS_SECRET)');
    if (accessKey && secretKey) {
      credentials = { kind: 'environment', accessKey, secretKey, ...(securityToken && { securityToken }) };
    }
  }

  const rdsApiVersion = value('HUAWEICLOUD_RDS_API_VERSION') ?? 'v1';
  if (!isRdsApiVersion(rdsApiVersion)) {
    const allowed = RDS_API_VERSIONS.join(', ');
    problems.push(`HUAWEICLOUD_RDS_API_VERSION "${rdsApiVersion}" must be one of ${allowed} (default v1)`);
  }

  refuseConfiguration(problems);
  // Every way any of these could be missing or malformed has added a problem above.
  return {
    projectId: projectId as string,
    endpoints,
    credentials: credentials as CredentialSource,
    rdsApiVersion: rdsApiVersion as RdsApiVersion,
  };
}
