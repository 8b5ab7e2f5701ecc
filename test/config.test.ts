import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION, loadConfig, type Env, type FunctionName } from '../shared/config';
import { configurationTable } from '../scripts/config-table';
import { ConfigurationError } from '../shared/errors';

const base = {
  HUAWEICLOUD_SDK_AK: 'AK',
  HUAWEICLOUD_SDK_SK: 'SK',
  HUAWEICLOUD_SDK_PROJECT_ID: '0123456789abcdef0123456789abcdef',
  HUAWEICLOUD_REGION: 'cn-north-4',
  WEBHOOK_SIGNING_SECRET: 'webhook-secret',
};

const detailOf = (env: Env, functionName: FunctionName = 'createBackup'): string => {
  try {
    loadConfig(functionName, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).detail;
  }
  throw new Error('expected a configuration error');
};

describe('Huawei Cloud configuration', () => {
  it('derives both regional endpoints', () => {
    expect(loadConfig('createBackup', base).huawei).toEqual({
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
    expect(loadConfig('createBackup', { ...base, HUAWEICLOUD_RDS_API_VERSION }).huawei.rdsApiVersion).toBe(expected);
  });

  it('uses .myhuaweicloud.eu for eu-west-101', () => {
    expect(loadConfig('createBackup', { ...base, HUAWEICLOUD_REGION: 'eu-west-101' }).huawei.endpoints.dds).toBe(
      'https://dds.eu-west-101.myhuaweicloud.eu',
    );
  });

  it('takes endpoint overrides, which make the region optional', () => {
    const env = {
      ...base,
      HUAWEICLOUD_REGION: undefined,
      HUAWEICLOUD_DDS_ENDPOINT: 'http://127.0.0.1:4010/',
      HUAWEICLOUD_RDS_ENDPOINT: 'http://127.0.0.1:4011',
    };
    expect(loadConfig('createBackup', env).huawei.endpoints).toEqual({
      dds: 'http://127.0.0.1:4010',
      rds: 'http://127.0.0.1:4011',
    });
  });

  it('carries the security token of temporary credentials', () => {
    expect(loadConfig('createBackup', { ...base, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'tok' }).huawei.credentials).toEqual({
      kind: 'environment',
      accessKey: 'AK',
      secretKey: 'SK',
      securityToken: 'tok',
    });
  });

  it('reads keys from a Secrets Manager secret when one is named, which needs the AWS region', () => {
    const env = {
      HUAWEICLOUD_SDK_PROJECT_ID: base.HUAWEICLOUD_SDK_PROJECT_ID,
      HUAWEICLOUD_REGION: base.HUAWEICLOUD_REGION,
      HUAWEICLOUD_CREDENTIALS_SECRET: 'backup-gateway/dev/huaweicloud',
      WEBHOOK_SIGNING_SECRET: 'w',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    };
    expect(loadConfig('createBackup', env).huawei.credentials).toEqual({
      kind: 'secretsManager',
      secretId: 'backup-gateway/dev/huaweicloud',
    });
    expect(detailOf({ ...env, AWS_REGION: undefined })).toContain('AWS_REGION is not set');
  });

  it('names every missing variable at once', () => {
    const detail = detailOf({});
    for (const name of [
      'HUAWEICLOUD_SDK_PROJECT_ID',
      'HUAWEICLOUD_REGION',
      'HUAWEICLOUD_SDK_AK',
      'HUAWEICLOUD_SDK_SK',
      'WEBHOOK_SIGNING_SECRET',
    ]) {
      expect(detail).toContain(`${name} is not set`);
    }
  });

  it.each([
    [
      'a malformed project id',
      { HUAWEICLOUD_SDK_PROJECT_ID: 'my-project' },
      'HUAWEICLOUD_SDK_PROJECT_ID must be 32 hexadecimal characters',
    ],
    [
      'a malformed region',
      { HUAWEICLOUD_REGION: 'Beijing' },
      'HUAWEICLOUD_REGION is not a region name such as cn-north-4',
    ],
    [
      'a malformed endpoint',
      { HUAWEICLOUD_DDS_ENDPOINT: 'dds.local' },
      'HUAWEICLOUD_DDS_ENDPOINT must be an http(s) URL',
    ],
    ['both a secret and plain keys', { HUAWEICLOUD_CREDENTIALS_SECRET: 's', AWS_REGION: 'eu-west-1' }, 'not both'],
    [
      'an unknown RDS API version',
      { HUAWEICLOUD_RDS_API_VERSION: 'v2' },
      'HUAWEICLOUD_RDS_API_VERSION must be one of v1, v3 (it is "v2"',
    ],
    [
      'an RDS API version in capitals',
      { HUAWEICLOUD_RDS_API_VERSION: 'V3' },
      'HUAWEICLOUD_RDS_API_VERSION must be one of v1, v3 (it is "V3"',
    ],
  ])('refuses %s', (_, override, expected) => {
    expect(detailOf({ ...base, ...override })).toContain(expected);
  });

  it('never repeats a secret key in its message', () => {
    expect(detailOf({ ...base, HUAWEICLOUD_SDK_SK: 'super-secret', HUAWEICLOUD_SDK_PROJECT_ID: 'x' })).not.toContain(
      'super-secret',
    );
  });
});

describe('one configuration, every problem named at once', () => {
  it('names several bad values in one error, each once', () => {
    const detail = detailOf({
      ...base,
      HUAWEICLOUD_REGION: 'Beijing',
      HUAWEICLOUD_SDK_PROJECT_ID: 'x',
      IDEMPOTENCY_TABLE: 'table',
      IDEMPOTENCY_EXPIRES_AFTER_SECONDS: '1d',
      AWS_REGION: 'Ireland',
      AWS_ENDPOINT_URL_SQS: 'localhost:9324',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    });
    expect(detail.split('; ')).toEqual([
      'Invalid configuration: HUAWEICLOUD_SDK_PROJECT_ID must be 32 hexadecimal characters',
      'HUAWEICLOUD_REGION is not a region name such as cn-north-4',
      'IDEMPOTENCY_EXPIRES_AFTER_SECONDS must be a whole number of seconds from 1 to 31536000 (it is "1d")',
      'AWS_ENDPOINT_URL_SQS must be an http(s) URL such as http://127.0.0.1:8000',
      'AWS_REGION is not an AWS region name such as eu-west-1.',
    ]);
  });

  it('reads only the variables of the function at hand', () => {
    // The schedule's targets are no concern of the webhook, nor the webhook's secret of the schedule.
    expect(() => loadConfig('createBackup', { ...base, BACKUP_SCHEDULE_TARGETS: 'not json' })).not.toThrow();
    const schedule = loadConfig('scheduledBackups', {
      ...base,
      WEBHOOK_SIGNING_SECRET: undefined,
      BACKUP_SCHEDULE_TARGETS: '[]',
    });
    expect(schedule.signingSecrets).toBeUndefined();
    expect(detailOf({ ...base }, 'scheduledBackups')).toContain('BACKUP_SCHEDULE_TARGETS is not set');
  });

  it('takes AWS endpoints from AWS_ENDPOINT_URL_<SERVICE>, falling back to AWS_ENDPOINT_URL', () => {
    const { aws } = loadConfig('createBackup', {
      ...base,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
    });
    expect(aws.endpoints).toEqual({
      dynamodb: 'http://127.0.0.1:8000',
      secretsmanager: 'http://127.0.0.1:4566',
      events: 'http://127.0.0.1:4566',
      sqs: 'http://127.0.0.1:4566',
    });
    expect(aws.region).toBe('local');
  });

  it('uses the runtime credentials, and placeholders only for a local emulator', () => {
    const deployed = loadConfig('createBackup', {
      ...base,
      IDEMPOTENCY_TABLE: 'table',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      AWS_SESSION_TOKEN: 'token',
    });
    expect(deployed.aws).toEqual({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'aws-secret', sessionToken: 'token' },
      endpoints: {},
    });
    expect(detailOf({ ...base, IDEMPOTENCY_TABLE: 'table', AWS_REGION: 'eu-west-1' })).toContain(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set',
    );
    expect(
      loadConfig('createBackup', {
        ...base,
        IDEMPOTENCY_TABLE: 'table',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      }).aws.credentials,
    ).toEqual({
      accessKeyId: 'local',
      secretAccessKey: 'local',
    });
  });

  it('remembers idempotency keys for 24 hours unless told otherwise, and is off without a table', () => {
    const local = { ...base, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' };
    expect(loadConfig('createBackup', { ...local, IDEMPOTENCY_TABLE: 'table' }).idempotency).toEqual({
      tableName: 'table',
      expiresAfterSeconds: 86_400,
    });
    expect(
      loadConfig('createBackup', { ...local, IDEMPOTENCY_TABLE: 't', IDEMPOTENCY_EXPIRES_AFTER_SECONDS: '3600' })
        .idempotency?.expiresAfterSeconds,
    ).toBe(3600);
    expect(loadConfig('createBackup', { ...local, IDEMPOTENCY_TABLE: ' ' }).idempotency).toBeUndefined();
  });

  it('is listed in the README as the schema says, every variable once', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configurationTable());
    expect(configurationTable().split('\n')).toHaveLength(Object.keys(CONFIGURATION).length + 2);
  });
});

describe('signing secrets and the Slack allow-list', () => {
  const slack = {
    ...base,
    WEBHOOK_SIGNING_SECRET: undefined,
    SLACK_SIGNING_SECRET: ' new-secret , old-secret,',
    BACKUP_REQUESTS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/backup-requests',
    AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324',
  };

  it('reads the comma-separated variable of a local run', () => {
    expect(loadConfig('slackCommand', slack).signingSecrets).toEqual({
      kind: 'values',
      secrets: ['new-secret', 'old-secret'],
    });
  });

  it('names the field of the Secrets Manager secret in AWS', () => {
    const env = {
      ...slack,
      SLACK_SIGNING_SECRET: undefined,
      SIGNING_SECRETS_SECRET: 'backup-gateway/dev/signing',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    };
    expect(loadConfig('slackCommand', env).signingSecrets).toEqual({
      kind: 'secretsManager',
      secretId: 'backup-gateway/dev/signing',
      field: 'SLACK_SIGNING_SECRET',
    });
  });

  it.each([
    [
      'neither is set',
      {},
      'WEBHOOK_SIGNING_SECRET is not set (or name the Secrets Manager secret holding it in SIGNING_SECRETS_SECRET)',
    ],
    [
      'the variable holds only blanks and commas',
      { WEBHOOK_SIGNING_SECRET: ' , ' },
      'WEBHOOK_SIGNING_SECRET is not set',
    ],
    [
      'both are set',
      {
        WEBHOOK_SIGNING_SECRET: 'w1',
        SIGNING_SECRETS_SECRET: 'backup-gateway/dev/signing',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      },
      'set either SIGNING_SECRETS_SECRET or WEBHOOK_SIGNING_SECRET, not both',
    ],
  ])('refuses the webhook when %s', (_, env, message) => {
    expect(detailOf({ ...base, WEBHOOK_SIGNING_SECRET: undefined, ...env })).toContain(message);
  });

  it('needs the request queue, takes one workspace, and posts to Slack only under the prefix', () => {
    expect(detailOf({ ...slack, BACKUP_REQUESTS_QUEUE_URL: undefined }, 'slackCommand')).toContain(
      'BACKUP_REQUESTS_QUEUE_URL is not set',
    );
    expect(detailOf({ ...slack, SLACK_TEAM_ID: 'acme' }, 'slackCommand')).toContain(
      'SLACK_TEAM_ID must be a Slack team ID such as T0123ABCD',
    );
    expect(loadConfig('slackCommand', { ...slack, SLACK_TEAM_ID: 'T0ACME001' }).slack).toEqual({
      responseUrlPrefix: 'https://hooks.slack.com/',
      teamId: 'T0ACME001',
      requestsQueueUrl: slack.BACKUP_REQUESTS_QUEUE_URL,
    });
    const tracker = loadConfig('trackBackups', {
      ...base,
      BACKUPS_TABLE: 'backups',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      SIGNING_SECRETS_SECRET: 'backup-gateway/dev/signing',
    });
    expect(tracker.slack).toEqual({
      responseUrlPrefix: 'https://hooks.slack.com/',
      notifyWebhook: { kind: 'secretsManager', secretId: 'backup-gateway/dev/signing' },
    });
  });

  it('names every allow-list entry that is not a Slack ID', () => {
    const detail = detailOf(
      { ...slack, SLACK_ALLOWED_USERS: 'U012AB3CD,@alice', SLACK_ALLOWED_CHANNELS: '#ops,C0123OPS,U012AB3CD' },
      'slackCommand',
    );
    expect(detail).toContain('SLACK_ALLOWED_USERS must list Slack IDs such as U012AB3CD, not names (found "@alice")');
    expect(detail).toContain(
      'SLACK_ALLOWED_CHANNELS must list Slack IDs such as C0123OPS, not names (found "#ops", "U012AB3CD")',
    );
  });
});
