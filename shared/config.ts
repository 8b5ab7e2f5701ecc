import type { AwsCredentials, AwsService } from './aws/client';
import { RDS_API_VERSIONS, type RdsApiVersion } from './domain/engine-mapping';
import { ConfigurationError } from './errors';
import { definedFields } from './objects';

/**
 * Every environment variable the gateway reads, declared once: its rule, its default and the functions that
 * read it. `loadConfig` parses a function's variables once at cold start and names every problem in one
 * {@link ConfigurationError}; the other modules receive typed settings and never read `process.env`.
 * The README's configuration table lists exactly these variables (a test keeps the two together); what each means
 * is told there, by scripts/config-table.ts, so that the functions do not carry the prose.
 */
export type FunctionName =
  | 'createBackup'
  | 'createBackupFromQueue'
  | 'scheduledBackups'
  | 'slackCommand'
  | 'getBackup'
  | 'trackBackups';
export type Env = Record<string, string | undefined>;

/** Every function serverless.yml declares. */
export const FUNCTION_NAMES: readonly FunctionName[] = [
  'createBackup',
  'createBackupFromQueue',
  'scheduledBackups',
  'slackCommand',
  'getBackup',
  'trackBackups',
];
const HTTP: readonly FunctionName[] = ['createBackup', 'slackCommand', 'getBackup'];
/** Those that post to Slack: the outcome of a queued Slack request, and its completion. */
const SLACK_POSTERS: readonly FunctionName[] = ['createBackupFromQueue', 'trackBackups'];
const CREATORS: readonly FunctionName[] = ['createBackup', 'createBackupFromQueue', 'scheduledBackups', 'slackCommand'];
/** Those that create a backup, or settle an uncertain create, and so write idempotency records. */
const KEY_WRITERS: readonly FunctionName[] = [...CREATORS, 'trackBackups'];

/** What a rule throws: the words after the variable's name, e.g. `must be a whole number above 0`. */
class Problem extends Error {}

interface VariableSpec<T> {
  /** Applied when the variable is unset or blank; shown in the README. */
  default?: string;
  usedBy: readonly FunctionName[];
  /** Turns the trimmed text into a value, or throws a {@link Problem}. */
  parse: (text: string) => T;
}
// Keeps each spec's own type, so that whether it has a default is known to `setting`.
const variable = <Spec extends VariableSpec<unknown>>(spec: Spec): Spec => spec;

const asText = (text: string): string => text;

/**
 * A comma-separated list, blanks dropped.
 *
 * @example
 * commaSeparated(' new-secret, old-secret ,') // → ['new-secret', 'old-secret']
 */
export const commaSeparated = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const matching =
  (pattern: RegExp, rule: string) =>
  (text: string): string => {
    if (!pattern.test(text)) throw new Problem(rule);
    return text;
  };

/** The one "is an http(s) URL" rule; the value is the URL's origin (no path, no trailing slash). */
const httpOrigin =
  (example: string) =>
  (text: string): string => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw new Problem(`must be an http(s) URL such as ${example}`);
    return url.origin;
  };

/** The same rule as {@link httpOrigin}, keeping the whole URL, path included. */
const httpUrl =
  (example: string) =>
  (text: string): string => {
    httpOrigin(example)(text);
    return text;
  };

const wholeNumber =
  (min: number, max: number, unit: string) =>
  (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Problem(`must be a whole number of ${unit} from ${min} to ${max} (it is "${text.slice(0, 20)}")`);
    }
    return value;
  };

const slackIds =
  (pattern: RegExp, example: string) =>
  (text: string): string[] => {
    const ids = commaSeparated(text);
    const wrong = ids.filter((id) => !pattern.test(id));
    if (wrong.length > 0) {
      throw new Problem(
        `must list Slack IDs such as ${example}, not names (found ${wrong.map((id) => JSON.stringify(id.slice(0, 30))).join(', ')})`,
      );
    }
    return ids;
  };

const PROJECT_ID = /^[0-9a-f]{32}$/i;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$|^local$/;
// Slack IDs, not names: users start with U or W, channels with C, G (private) or D (direct message).
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const LOCAL_ENDPOINT = 'http://127.0.0.1:8000';

/** The schema. Order is the README's order. */
export const CONFIGURATION = {
  HUAWEICLOUD_SDK_PROJECT_ID: variable({
    usedBy: FUNCTION_NAMES,
    parse: matching(PROJECT_ID, 'must be 32 hexadecimal characters'),
  }),
  HUAWEICLOUD_REGION: variable({
    usedBy: FUNCTION_NAMES,
    parse: matching(REGION, 'is not a region name such as cn-north-4'),
  }),
  HUAWEICLOUD_DDS_ENDPOINT: variable({
    usedBy: FUNCTION_NAMES,
    parse: httpOrigin('https://dds.cn-north-4.myhuaweicloud.com'),
  }),
  HUAWEICLOUD_RDS_ENDPOINT: variable({
    usedBy: FUNCTION_NAMES,
    parse: httpOrigin('https://rds.cn-north-4.myhuaweicloud.com'),
  }),
  HUAWEICLOUD_RDS_API_VERSION: variable({
    default: 'v1',
    usedBy: FUNCTION_NAMES,
    parse: (text): RdsApiVersion => {
      if (!(RDS_API_VERSIONS as readonly string[]).includes(text)) {
        throw new Problem(`must be one of ${RDS_API_VERSIONS.join(', ')} (it is "${text.slice(0, 10)}"; default v1)`);
      }
      return text as RdsApiVersion;
    },
  }),
  HUAWEICLOUD_CREDENTIALS_SECRET: variable({
    usedBy: FUNCTION_NAMES,
    parse: asText,
  }),
  HUAWEICLOUD_SDK_AK: variable({ usedBy: FUNCTION_NAMES, parse: asText }),
  HUAWEICLOUD_SDK_SK: variable({ usedBy: FUNCTION_NAMES, parse: asText }),
  HUAWEICLOUD_SDK_SECURITY_TOKEN: variable({ usedBy: FUNCTION_NAMES, parse: asText }),
  SIGNING_SECRETS_SECRET: variable({
    usedBy: [...HTTP, ...SLACK_POSTERS],
    parse: asText,
  }),
  WEBHOOK_SIGNING_SECRET: variable({
    usedBy: ['createBackup', 'getBackup'],
    parse: commaSeparated,
  }),
  SLACK_SIGNING_SECRET: variable({
    usedBy: ['slackCommand'],
    parse: commaSeparated,
  }),
  SLACK_ALLOWED_USERS: variable({
    default: '',
    usedBy: ['slackCommand'],
    parse: slackIds(SLACK_USER_ID, 'U012AB3CD'),
  }),
  SLACK_ALLOWED_CHANNELS: variable({
    default: '',
    usedBy: ['slackCommand'],
    parse: slackIds(SLACK_CHANNEL_ID, 'C0123OPS'),
  }),
  SLACK_TEAM_ID: variable({
    usedBy: ['slackCommand'],
    parse: matching(/^T[A-Z0-9]{2,}$/, 'must be a Slack team ID such as T0123ABCD'),
  }),
  SLACK_RESPONSE_URL_PREFIX: variable({
    default: 'https://hooks.slack.com/',
    usedBy: ['slackCommand', ...SLACK_POSTERS],
    parse: httpUrl('https://hooks.slack.com/'),
  }),
  SLACK_NOTIFY_WEBHOOK_URL: variable({
    usedBy: SLACK_POSTERS,
    parse: httpUrl('https://hooks.slack.com/services/…'),
  }),
  BACKUP_REQUESTS_QUEUE_URL: variable({
    usedBy: ['slackCommand'],
    parse: httpUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/backup-gateway-dev-backup-requests'),
  }),
  BACKUP_SCHEDULE_TARGETS: variable({
    usedBy: ['scheduledBackups'],
    parse: asText,
  }),
  IDEMPOTENCY_TABLE: variable({
    usedBy: KEY_WRITERS,
    parse: asText,
  }),
  IDEMPOTENCY_EXPIRES_AFTER_SECONDS: variable({
    default: '86400',
    usedBy: KEY_WRITERS,
    parse: wholeNumber(1, 31_536_000, 'seconds'),
  }),
  BACKUPS_TABLE: variable({
    usedBy: FUNCTION_NAMES,
    parse: asText,
  }),
  BACKUP_RECORDS_RETENTION_DAYS: variable({
    default: '90',
    usedBy: FUNCTION_NAMES,
    parse: wholeNumber(1, 3_650, 'days'),
  }),
  BACKUP_TRACKING_INTERVAL_SECONDS: variable({
    default: '30',
    usedBy: ['trackBackups'],
    parse: wholeNumber(1, 86_400, 'seconds'),
  }),
  BACKUP_TRACKING_TIMEOUT_MINUTES: variable({
    default: '360',
    usedBy: FUNCTION_NAMES,
    parse: wholeNumber(1, 10_080, 'minutes'),
  }),
  BACKUP_LOOKUP_WINDOW_SECONDS: variable({
    default: '120',
    usedBy: FUNCTION_NAMES,
    parse: wholeNumber(10, 86_400, 'seconds'),
  }),
  EVENT_BUS_NAME: variable({
    default: 'default',
    usedBy: FUNCTION_NAMES,
    parse: matching(/^[A-Za-z0-9._\-/:]{1,1600}$/, 'is not an event bus name or ARN'),
  }),
  AWS_REGION: variable({
    usedBy: FUNCTION_NAMES,
    parse: matching(AWS_REGION, 'is not an AWS region name such as eu-west-1'),
  }),
  AWS_ACCESS_KEY_ID: variable({ usedBy: FUNCTION_NAMES, parse: asText }),
  AWS_SECRET_ACCESS_KEY: variable({ usedBy: FUNCTION_NAMES, parse: asText }),
  AWS_SESSION_TOKEN: variable({ usedBy: FUNCTION_NAMES, parse: asText }),
  AWS_ENDPOINT_URL: variable({
    usedBy: FUNCTION_NAMES,
    parse: httpOrigin(LOCAL_ENDPOINT),
  }),
  AWS_ENDPOINT_URL_DYNAMODB: variable({ usedBy: FUNCTION_NAMES, parse: httpOrigin(LOCAL_ENDPOINT) }),
  AWS_ENDPOINT_URL_SECRETS_MANAGER: variable({ usedBy: FUNCTION_NAMES, parse: httpOrigin(LOCAL_ENDPOINT) }),
  AWS_ENDPOINT_URL_EVENTBRIDGE: variable({ usedBy: FUNCTION_NAMES, parse: httpOrigin(LOCAL_ENDPOINT) }),
  AWS_ENDPOINT_URL_SQS: variable({ usedBy: FUNCTION_NAMES, parse: httpOrigin(LOCAL_ENDPOINT) }),
} satisfies Record<string, VariableSpec<unknown>>;

export type VariableName = keyof typeof CONFIGURATION;
type ValueOf<K extends VariableName> = ReturnType<(typeof CONFIGURATION)[K]['parse']>;
/** The variables the schema gives a default. */
type DefaultedName = {
  [K in VariableName]: (typeof CONFIGURATION)[K] extends { default: string } ? K : never;
}[VariableName];

/** Where the Huawei keys come from: the environment (local runs) or a Secrets Manager secret (deployed). */
export type CredentialSource =
  | { kind: 'environment'; accessKey: string; secretKey: string; securityToken?: string }
  | { kind: 'secretsManager'; secretId: string };

export interface HuaweiConfig {
  projectId: string;
  endpoints: { dds: string; rds: string };
  credentials: CredentialSource;
  /** The RDS API that creates backups; v1, the documented one, unless set. */
  rdsApiVersion: RdsApiVersion;
}

/** Signing secrets: listed in a variable (local runs) or a field of a Secrets Manager secret (deployed). */
export type SigningSecretsSource =
  | { kind: 'values'; secrets: string[] }
  | { kind: 'secretsManager'; secretId: string; field: string };

export interface AwsConfig {
  region: string;
  credentials: AwsCredentials;
  endpoints: Partial<Record<AwsService, string>>;
}

export interface IdempotencyConfig {
  tableName: string;
  expiresAfterSeconds: number;
}

export interface LedgerConfig {
  tableName: string;
  retentionDays: number;
  eventBusName: string;
  trackingIntervalSeconds: number;
  trackingTimeoutMinutes: number;
  lookupWindowSeconds: number;
}

/** Where the incoming webhook for late Slack completions comes from. */
export type SlackWebhookSource = { kind: 'value'; url: string } | { kind: 'secretsManager'; secretId: string };

export interface SlackConfig {
  responseUrlPrefix: string;
  teamId?: string;
  /** slackCommand: the queue its creates are handed to. */
  requestsQueueUrl?: string;
  /** Absent: none configured; completions after the response URL expired are then only published as events. */
  notifyWebhook?: SlackWebhookSource;
}

/** A function's settings; a section a function does not use is absent. */
export interface GatewayConfig {
  huawei: HuaweiConfig;
  aws: AwsConfig;
  idempotency?: IdempotencyConfig;
  /** Absent: no ledger, backups are not followed. */
  ledger?: LedgerConfig;
  signingSecrets?: SigningSecretsSource;
  slackAllowList?: { users: ReadonlySet<string>; channels: ReadonlySet<string> };
  /** How the gateway talks back to Slack (slackCommand, and the functions that post outcomes and completions). */
  slack?: SlackConfig;
  /** The raw JSON of `BACKUP_SCHEDULE_TARGETS`; its rules live with the schedule. */
  scheduleTargets?: string;
}

/** `https://dds.cn-north-4.myhuaweicloud.com`; the European sovereign region lives under `.myhuaweicloud.eu`. */
export function regionalEndpoint(service: 'dds' | 'rds', region: string): string {
  return `https://${service}.${region}.myhuaweicloud.${region === 'eu-west-101' ? 'eu' : 'com'}`;
}

/** The variable names of `AWS_ENDPOINT_URL_<SERVICE>`, as the AWS SDKs spell each service's id. */
const AWS_ENDPOINT_VARIABLES = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  events: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  sqs: 'AWS_ENDPOINT_URL_SQS',
} as const satisfies Record<AwsService, VariableName>;

/** Reads variables for one function, collecting every problem instead of stopping at the first. */
function reader(functionName: FunctionName, env: Env) {
  const problems: string[] = [];
  const malformed = new Set<VariableName>();
  const read = <K extends VariableName>(name: K): ValueOf<K> | undefined => {
    const spec: VariableSpec<unknown> = CONFIGURATION[name];
    if (!spec.usedBy.includes(functionName)) return undefined;
    const text = env[name]?.trim() || spec.default;
    if (text === undefined) return undefined;
    try {
      return spec.parse(text) as ValueOf<K>;
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      problems.push(`${name} ${error.message}`);
      malformed.add(name);
      return undefined;
    }
  };
  /**
   * A variable with a default: its value, or the default's where this function does not read it (a malformed
   * value has been named already, and the configuration is refused).
   */
  const setting = <K extends DefaultedName>(name: K): ValueOf<K> => {
    const spec: VariableSpec<unknown> & { default: string } = CONFIGURATION[name];
    return read(name) ?? (spec.parse(spec.default) as ValueOf<K>);
  };
  /** Adds a problem for a variable that is needed but unset; a malformed one has been named already. */
  const require = (name: VariableName, value: unknown, problem: string) => {
    if (value === undefined && !malformed.has(name)) problems.push(problem);
  };
  return { read, setting, require, problems };
}

type Reader = Omit<ReturnType<typeof reader>, 'problems'>;

function huaweiSection({ read, setting, require }: Reader, problems: string[]): HuaweiConfig {
  const projectId = read('HUAWEICLOUD_SDK_PROJECT_ID');
  require('HUAWEICLOUD_SDK_PROJECT_ID', projectId, 'HUAWEICLOUD_SDK_PROJECT_ID is not set (the 32-hex-character project ID of the region)');
  const region = read('HUAWEICLOUD_REGION');
  const dds = read('HUAWEICLOUD_DDS_ENDPOINT') ?? (region && regionalEndpoint('dds', region));
  const rds = read('HUAWEICLOUD_RDS_ENDPOINT') ?? (region && regionalEndpoint('rds', region));
  if (!dds || !rds) {
    require('HUAWEICLOUD_REGION', region, 'HUAWEICLOUD_REGION is not set (or set both HUAWEICLOUD_DDS_ENDPOINT and HUAWEICLOUD_RDS_ENDPOINT)');
  }

  const secretId = read('HUAWEICLOUD_CREDENTIALS_SECRET');
  const accessKey = read('HUAWEICLOUD_SDK_AK');
  const secretKey = read('HUAWEICLOUD_SDK_SK');
  const securityToken = read('HUAWEICLOUD_SDK_SECURITY_TOKEN');
  let credentials: CredentialSource | undefined;
  if (secretId) {
    if (accessKey || secretKey)
      problems.push('set either HUAWEICLOUD_CREDENTIALS_SECRET or HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK, not both');
    credentials = { kind: 'secretsManager', secretId };
  } else {
    if (!accessKey) problems.push('HUAWEICLOUD_SDK_AK is not set (or name a secret in HUAWEICLOUD_CREDENTIALS_SECRET)');
    if (!secretKey) problems.push('HUAWEICLOUD_SDK_SK is not set (or name a secret in HUAWEICLOUD_CREDENTIALS_SECRET)');
    if (accessKey && secretKey)
      credentials = { kind: 'environment', accessKey, secretKey, ...(securityToken && { securityToken }) };
  }
  // Every way a value could be missing has added a problem above, and problems are thrown before this is used.
  return {
    projectId: projectId ?? '',
    endpoints: { dds: dds ?? '', rds: rds ?? '' },
    credentials: credentials as CredentialSource,
    rdsApiVersion: setting('HUAWEICLOUD_RDS_API_VERSION'),
  };
}

function awsSection({ read, require }: Reader, problems: string[], needed: boolean): AwsConfig {
  const shared = read('AWS_ENDPOINT_URL');
  const endpoints: Partial<Record<AwsService, string>> = {};
  for (const [service, name] of Object.entries(AWS_ENDPOINT_VARIABLES) as Array<[AwsService, VariableName]>) {
    const endpoint = (read(name) as string | undefined) ?? shared;
    if (endpoint) endpoints[service] = endpoint;
  }
  // A local emulator checks neither region nor keys, but requests are signed all the same.
  const local = Object.keys(endpoints).length > 0;
  const region = read('AWS_REGION') ?? (local ? 'local' : undefined);
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  const sessionToken = read('AWS_SESSION_TOKEN');
  if (needed) {
    require('AWS_REGION', region, 'AWS_REGION is not set (the Lambda runtime sets it; locally, set it or an AWS_ENDPOINT_URL_<SERVICE>)');
  }
  if (needed && !local && (!accessKeyId || !secretAccessKey)) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (the Lambda runtime sets them)');
  }
  const credentials: AwsCredentials =
    accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) }
      : { accessKeyId: 'local', secretAccessKey: 'local' };
  return { region: region ?? '', credentials, endpoints };
}

function signingSection(
  functionName: FunctionName,
  { read }: Reader,
  problems: string[],
): SigningSecretsSource | undefined {
  if (!HTTP.includes(functionName)) return undefined;
  const field = functionName === 'slackCommand' ? 'SLACK_SIGNING_SECRET' : 'WEBHOOK_SIGNING_SECRET';
  const secretId = read('SIGNING_SECRETS_SECRET');
  const secrets = read(field) ?? [];
  if (secretId && secrets.length > 0) problems.push(`set either SIGNING_SECRETS_SECRET or ${field}, not both`);
  if (secretId) return { kind: 'secretsManager', secretId, field };
  if (secrets.length === 0) {
    problems.push(
      `${field} is not set (or name the Secrets Manager secret holding it in SIGNING_SECRETS_SECRET); every request is refused`,
    );
  }
  return { kind: 'values', secrets };
}

function slackSection(functionName: FunctionName, { read, setting, require }: Reader): SlackConfig | undefined {
  if (functionName !== 'slackCommand' && !SLACK_POSTERS.includes(functionName)) return undefined;
  const webhook = read('SLACK_NOTIFY_WEBHOOK_URL');
  const secretId = read('SIGNING_SECRETS_SECRET');
  // Deployed, the webhook is a field of the signing secret, like every other Slack secret.
  const notifyWebhook: SlackWebhookSource | undefined = webhook
    ? { kind: 'value', url: webhook }
    : secretId && SLACK_POSTERS.includes(functionName)
      ? { kind: 'secretsManager', secretId }
      : undefined;
  const requestsQueueUrl = read('BACKUP_REQUESTS_QUEUE_URL');
  if (functionName === 'slackCommand') {
    require('BACKUP_REQUESTS_QUEUE_URL', requestsQueueUrl, 'BACKUP_REQUESTS_QUEUE_URL is not set (serverless.yml sets it to the backup request queue)');
  }
  return {
    responseUrlPrefix: setting('SLACK_RESPONSE_URL_PREFIX'),
    ...definedFields({ teamId: read('SLACK_TEAM_ID'), requestsQueueUrl, notifyWebhook }),
  };
}

/**
 * Parses a function's configuration once, at cold start; throws one {@link ConfigurationError} naming every
 * missing or malformed variable.
 *
 * @example
 * const config = loadConfig('createBackup'); // → { huawei: {…}, aws: {…}, idempotency: {…}, signingSecrets: {…} }
 */
export function loadConfig(functionName: FunctionName, env: Env = process.env): GatewayConfig {
  const { problems, ...variables } = reader(functionName, env);
  const { read, setting } = variables;
  const huawei = huaweiSection(variables, problems);
  const tableName = read('IDEMPOTENCY_TABLE');
  const idempotency = tableName
    ? { tableName, expiresAfterSeconds: setting('IDEMPOTENCY_EXPIRES_AFTER_SECONDS') }
    : undefined;
  const signingSecrets = signingSection(functionName, variables, problems);
  const backupsTable = read('BACKUPS_TABLE');
  const ledger: LedgerConfig | undefined = backupsTable
    ? {
        tableName: backupsTable,
        retentionDays: setting('BACKUP_RECORDS_RETENTION_DAYS'),
        eventBusName: setting('EVENT_BUS_NAME'),
        trackingIntervalSeconds: setting('BACKUP_TRACKING_INTERVAL_SECONDS'),
        trackingTimeoutMinutes: setting('BACKUP_TRACKING_TIMEOUT_MINUTES'),
        lookupWindowSeconds: setting('BACKUP_LOOKUP_WINDOW_SECONDS'),
      }
    : undefined;
  if (!ledger && (functionName === 'getBackup' || functionName === 'trackBackups')) {
    problems.push(`BACKUPS_TABLE is not set (${functionName} reads the ledger)`);
  }
  const slack = slackSection(functionName, variables);
  const needsAws =
    Boolean(idempotency || ledger || slack?.requestsQueueUrl) ||
    [huawei.credentials?.kind, signingSecrets?.kind, slack?.notifyWebhook?.kind].includes('secretsManager');
  const aws = awsSection(variables, problems, needsAws);

  const config: GatewayConfig = {
    huawei,
    aws,
    ...(idempotency && { idempotency }),
    ...(ledger && { ledger }),
    ...(signingSecrets && { signingSecrets }),
    ...(slack && { slack }),
  };
  if (functionName === 'slackCommand') {
    config.slackAllowList = {
      users: new Set(read('SLACK_ALLOWED_USERS')),
      channels: new Set(read('SLACK_ALLOWED_CHANNELS')),
    };
  }
  if (functionName === 'scheduledBackups') {
    const targets = read('BACKUP_SCHEDULE_TARGETS');
    variables.require(
      'BACKUP_SCHEDULE_TARGETS',
      targets,
      'BACKUP_SCHEDULE_TARGETS is not set (a JSON array of targets, [] for none)',
    );
    config.scheduleTargets = targets ?? '[]';
  }
  if (problems.length > 0) throw new ConfigurationError({ detail: `Invalid configuration: ${problems.join('; ')}.` });
  return config;
}
