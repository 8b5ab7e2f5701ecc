import { CONFIGURATION, FUNCTION_NAMES, type VariableName } from '../shared/config';

/** What each variable means, for the README (the schema holds the rules; the type keeps the two complete). */
const DESCRIPTIONS: Record<VariableName, string> = {
  HUAWEICLOUD_SDK_PROJECT_ID: 'The 32-hex-character Huawei Cloud project ID of the region.',
  HUAWEICLOUD_REGION: 'The Huawei Cloud region, e.g. `cn-north-4`; gives both endpoints.',
  HUAWEICLOUD_DDS_ENDPOINT: "Overrides the DDS endpoint (a stand-in's URL locally).",
  HUAWEICLOUD_RDS_ENDPOINT: "Overrides the RDS endpoint (a stand-in's URL locally).",
  HUAWEICLOUD_RDS_API_VERSION:
    'The RDS API that creates backups: `v1` (documented on our reference page) or `v3` (recommended by Huawei).',
  HUAWEICLOUD_CREDENTIALS_SECRET:
    'Secrets Manager secret holding `{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"?}` (deployed).',
  HUAWEICLOUD_SDK_AK: 'Access key, for local runs (instead of the secret).',
  HUAWEICLOUD_SDK_SK: 'Secret key, for local runs (instead of the secret).',
  HUAWEICLOUD_SDK_SECURITY_TOKEN: 'Security token of temporary keys, for local runs.',
  SIGNING_SECRETS_SECRET:
    'Secrets Manager secret holding `{"WEBHOOK_SIGNING_SECRET", "SLACK_SIGNING_SECRET", "SLACK_NOTIFY_WEBHOOK_URL"?}` (deployed).',
  WEBHOOK_SIGNING_SECRET:
    'Webhook signing secrets, comma-separated during a rotation, for local runs (instead of the secret).',
  SLACK_SIGNING_SECRET: "The Slack app's signing secrets, comma-separated during a rotation, for local runs.",
  SLACK_ALLOWED_USERS: 'Slack user IDs allowed to create backups, comma-separated.',
  SLACK_ALLOWED_CHANNELS: 'Slack channel IDs whose members may create backups, comma-separated.',
  SLACK_TEAM_ID: 'The Slack workspace (team ID) whose commands are taken; commands from any other are refused.',
  SLACK_RESPONSE_URL_PREFIX:
    "A command's `response_url` is posted to only when it starts with this; any other is refused and logged.",
  SLACK_NOTIFY_WEBHOOK_URL:
    "A Slack incoming webhook for completions once a command's `response_url` has expired (locally; deployed, a field of the signing secret).",
  BACKUP_REQUESTS_QUEUE_URL: 'The SQS queue Slack creates are handed to (set by serverless.yml).',
  BACKUP_SCHEDULE_TARGETS:
    'JSON array of `{"engine","instanceId","namePrefix"?,"description"?,"databases"?}` the schedule backs up.',
  IDEMPOTENCY_TABLE: 'DynamoDB table of idempotency records; unset turns idempotency (and replay protection) off.',
  IDEMPOTENCY_EXPIRES_AFTER_SECONDS: 'How long an idempotency key is remembered.',
  BACKUPS_TABLE: 'DynamoDB table of the ledger (every backup the gateway created); unset: backups are not followed.',
  BACKUP_RECORDS_RETENTION_DAYS: 'How long a ledger record is kept (DynamoDB TTL).',
  BACKUP_TRACKING_INTERVAL_SECONDS: 'A backup still BUILDING is asked about again once its last check is this old.',
  BACKUP_TRACKING_TIMEOUT_MINUTES:
    'A backup still BUILDING this long after it was requested becomes UNKNOWN and is no longer tracked.',
  BACKUP_LOOKUP_WINDOW_SECONDS:
    'How long a create whose outcome is uncertain is looked for before it counts as not created.',
  EVENT_BUS_NAME: 'The EventBridge bus of the "Backup State Change" events.',
  AWS_REGION: 'The AWS region (set by the Lambda runtime).',
  AWS_ACCESS_KEY_ID: "The function's AWS credentials (set by the Lambda runtime).",
  AWS_SECRET_ACCESS_KEY: "The function's AWS credentials (set by the Lambda runtime).",
  AWS_SESSION_TOKEN: "The function's AWS credentials (set by the Lambda runtime).",
  AWS_ENDPOINT_URL: 'One endpoint for every AWS service (a local emulator), as the AWS SDKs and CLI read it.',
  AWS_ENDPOINT_URL_DYNAMODB: 'DynamoDB endpoint (dynalite locally).',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: 'Secrets Manager endpoint.',
  AWS_ENDPOINT_URL_EVENTBRIDGE: 'EventBridge endpoint.',
  AWS_ENDPOINT_URL_SQS: 'SQS endpoint.',
};

/**
 * The README's configuration table, made from the one schema: `npx tsx scripts/config-table.ts` prints it, and
 * a test checks that the README holds it as printed.
 *
 * @example
 * configurationTable() // → '| variable | default | read by | meaning |\n|---|---|---|---|\n| `HUAWEICLOUD_SDK_PROJECT_ID` | … |'
 */
export function configurationTable(): string {
  const rows = Object.entries(CONFIGURATION).map(([name, spec]) => {
    const readBy =
      spec.usedBy.length === FUNCTION_NAMES.length ? 'all' : spec.usedBy.map((fn) => `\`${fn}\``).join(', ');
    const fallback =
      'default' in spec && spec.default !== undefined ? (spec.default === '' ? 'empty' : `\`${spec.default}\``) : '—';
    return `| \`${name}\` | ${fallback} | ${readBy} | ${DESCRIPTIONS[name as VariableName]} |`;
  });
  return ['| variable | default | read by | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

if (require.main === module) console.log(configurationTable());
