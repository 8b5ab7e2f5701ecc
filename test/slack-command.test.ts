import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { ENGINES } from '../shared/domain/backup-request';
import { captureOutput, lambdaContext, slackCommandEvent, startStandInForHandlers, TEST_SIGNING_SECRETS, TEST_SLACK_ALLOWED } from './support/fixtures';
import { coldStart } from './support/cold-start';

const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';
const MYSQL_INSTANCE = '44b277eb-39be-4921-be31-3d61b43651d7';
const SQLSERVER_INSTANCE = 'c2aac04b4b44460aa75674fc0fd878b2no04';
const STRANGER = { userId: 'U0STRANGER', channelId: 'C0ELSEWHER' };

const coldStartSlack = (env: Record<string, string> = {}) => coldStart(() => import('../functions/slackCommand/handler'), env);

let standIn: HuaweiStandIn;
let invoke: Awaited<ReturnType<typeof coldStartSlack>>;

beforeAll(async () => {
  standIn = await startStandInForHandlers();
  standIn.addRdsInstance(SQLSERVER_INSTANCE, 'SQLServer');
  invoke = await coldStartSlack();
});
afterAll(() => standIn.close());
beforeEach(() => standIn.reset());

describe('slackCommand: creating backups', () => {
  it('creates a DDS backup for an allowed user and tells the channel who asked, what and which id', async () => {
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE} before-upgrade` }));
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json' });
    const [backup] = standIn.backups();
    expect(backup).toMatchObject({ service: 'dds', instanceId: DDS_INSTANCE, name: 'before-upgrade' });
    expect(response.json).toEqual({
      response_type: 'in_channel',
      text: `<@${TEST_SLACK_ALLOWED.user}> asked for a backup of DDS (MongoDB) instance \`${DDS_INSTANCE}\`: backup \`before-upgrade\`, id \`${backup.id}\`, BUILDING.`,
    });
  });

  it('creates an RDS backup for anyone in an allowed channel, with a generated name', async () => {
    const response = await invoke(slackCommandEvent({ text: `mysql ${MYSQL_INSTANCE}`, userId: STRANGER.userId, channelId: TEST_SLACK_ALLOWED.channel }));
    const [backup] = standIn.backups();
    expect(backup).toMatchObject({ service: 'rds', instanceId: MYSQL_INSTANCE, name: expect.stringMatching(/^mysql-\d{8}-\d{6}-[0-9a-f]{4}$/) });
    expect(response.json.response_type).toBe('in_channel');
    expect(response.json.text).toContain(`<@${STRANGER.userId}> asked for a backup of RDS for MySQL instance \`${MYSQL_INSTANCE}\``);
    expect(response.json.text).toContain(`backup \`${backup.name}\`, id \`${backup.id}\``);
  });

  it('passes a quoted description with its spaces and non-ASCII text, and the databases, to a SQL Server backup', async () => {
    const description = 'avant la migration – café  ☕';
    await invoke(slackCommandEvent({ text: `sqlserver ${SQLSERVER_INSTANCE} partial-01 --desc "${description}" --db sales,hr` }));
    expect(standIn.backups()).toEqual([
      expect.objectContaining({ instanceId: SQLSERVER_INSTANCE, name: 'partial-01', description, databases: ['sales', 'hr'] }),
    ]);
  });

  it('repeats only an excerpt of a long user id, in the reply and in the log', async () => {
    const userId = `U${'9'.repeat(5_000)}`;
    const output = captureOutput();
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, userId })).finally(output.restore);

    expect(response.json.text).toContain(`${userId.slice(0, 40)}…`);
    expect(response.json.text).not.toContain(userId.slice(0, 41));
    expect(output.text()).not.toContain(userId.slice(0, 41));
    expect(standIn.requests).toHaveLength(0);
  });

  it('verifies a form body that API Gateway did not base64-encode too', async () => {
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE} plain-form-01`, isBase64Encoded: false }));
    expect(response.json.response_type).toBe('in_channel');
    expect(standIn.backups()).toHaveLength(1);
  });
});

describe('slackCommand: help', () => {
  it.each([['help'], ['']])('answers "%s" with the grammar, every engine and an example, to anyone, and calls nobody', async (text) => {
    const response = await invoke(slackCommandEvent({ text, ...STRANGER }));
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain('`/backup &lt;engine&gt; &lt;instance-id&gt; [name] [--desc "text"] [--db name1,name2]`');
    for (const engine of ENGINES) expect(response.json.text).toContain(`\`${engine}\``);
    expect(response.json.text).toContain('Example: `/backup dds ');
    expect(standIn.requests).toHaveLength(0);
  });
});

describe('slackCommand: refusals reach no upstream', () => {
  it('refuses a user who is not on the list, in a channel that is not, and says how to allow them', async () => {
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, ...STRANGER }));
    expect(response.statusCode).toBe(200);
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain('You may not create backups from this channel.');
    expect(response.json.text).toContain(`adding your user ID ${STRANGER.userId} to SLACK_ALLOWED_USERS, or this channel's ID ${STRANGER.channelId} to SLACK_ALLOWED_CHANNELS`);
    expect(standIn.requests).toHaveLength(0);
  });

  it('allows nobody when neither list is set, and says so', async () => {
    const denyAll = await coldStartSlack({ SLACK_ALLOWED_USERS: '', SLACK_ALLOWED_CHANNELS: '' });
    const response = await denyAll(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, channelId: TEST_SLACK_ALLOWED.channel }));
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain('Nobody may create backups from Slack yet.');
    expect(response.json.text).toContain('SLACK_ALLOWED_USERS');
    expect(standIn.requests).toHaveLength(0);
  });

  it('refuses the rest of the command before reading it when the caller is not allowed', async () => {
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE} --force`, ...STRANGER }));
    expect(response.json.text).toContain('You may not create backups');
    expect(response.json.text).not.toContain('--force');
  });

  it.each([
    ['an unknown engine', `oracle ${DDS_INSTANCE}`, '• &lt;engine&gt;: must be one of dds, mysql, postgresql, sqlserver'],
    ['a name that starts with a digit', `dds ${DDS_INSTANCE} 1nightly`, '• [name]: must start with a letter (A-Z or a-z)'],
    ['a name that is too short', `dds ${DDS_INSTANCE} bk1`, '• [name]: must be 4 to 64 characters long (it has 3)'],
    ['a forbidden character in the description', `dds ${DDS_INSTANCE} --desc "a = b"`, '• --desc: must not contain any of &gt; ! &lt; " &amp; \' = (found =)'],
    ['databases on another engine', `mysql ${MYSQL_INSTANCE} --db sales`, '• --db: is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)'],
    ['an empty database name', `sqlserver ${SQLSERVER_INSTANCE} --db sales,,hr`, '• --db[1]: must not be empty'],
    ['an unknown option', `dds ${DDS_INSTANCE} --force`, 'unknown option --force (the options are --desc and --db)'],
    ['a missing instance', 'dds', 'give at least an engine and an instance ID'],
    ['an unquoted description', `dds ${DDS_INSTANCE} nightly-01 before upgrade`, 'unexpected "before" after the name'],
  ])('answers %s with the rule broken and the usage, only to the caller', async (_, text, rule) => {
    const response = await invoke(slackCommandEvent({ text }));
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain(rule);
    expect(response.json.text).toContain('Usage: `/backup &lt;engine&gt; &lt;instance-id&gt; [name] [--desc "text"] [--db name1,name2]`');
    expect(standIn.requests).toHaveLength(0);
  });

  it.each([
    ['unsigned', { signing: false as const }],
    ['signed with another secret', { signing: { secret: 'not-the-slack-secret' } }],
    ['signed with the webhook secret', { signing: { secret: TEST_SIGNING_SECRETS.webhook } }],
    ['stale (310 s old)', { signing: { at: new Date(Date.now() - 310_000) } }],
    ['future-dated (310 s ahead)', { signing: { at: new Date(Date.now() + 310_000) } }],
  ])('answers a request %s with 401 and does nothing else', async (_, options) => {
    const output = captureOutput();
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, ...options })).finally(output.restore);
    expect(response.statusCode).toBe(401);
    expect(response.json).toMatchObject({ code: 'unauthorized' });
    expect(output.text()).toContain('"sourceIp":"203.0.113.7"');
    expect(output.text()).not.toContain(TEST_SIGNING_SECRETS.slack);
    expect(standIn.requests).toHaveLength(0);
  });

  it('answers 401 to a form changed after Slack signed it', async () => {
    const event = slackCommandEvent({ text: `dds ${DDS_INSTANCE}` });
    const changed = Buffer.from(event.body as string, 'base64').toString('utf8').replace(TEST_SLACK_ALLOWED.user, STRANGER.userId);
    const response = await invoke({ ...event, body: Buffer.from(changed, 'utf8').toString('base64') });
    expect(response.statusCode).toBe(401);
    expect(standIn.requests).toHaveLength(0);
  });

  it('refuses every request with 500 "not configured" when no Slack signing secret is set', async () => {
    const output = captureOutput();
    const unconfigured = await coldStartSlack({ SLACK_SIGNING_SECRET: '' }).finally(output.restore);
    const response = await unconfigured(slackCommandEvent({ text: 'help' }));
    expect(response.statusCode).toBe(500);
    expect(response.json).toMatchObject({ code: 'not_configured' });
    expect(output.text()).toContain('SLACK_SIGNING_SECRET is not set');
  });
});

describe('slackCommand: within Slack\'s 3 seconds', () => {
  it('stops waiting for Huawei Cloud in time and says the backup may still have been created', async () => {
    standIn.script({ kind: 'delay', ms: 2_000 });
    // As though a cold start had already used 1.5 s of Slack's budget.
    const event = slackCommandEvent({ text: `dds ${DDS_INSTANCE} slow-01`, arrivedAt: Date.now() - 1_500 });
    const response = await invoke(event, lambdaContext({ remainingMs: 5_000 }));
    expect(response.statusCode).toBe(200);
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain('Huawei Cloud did not answer in time');
    expect(response.json.text).toContain('The backup may have been created');
    expect(standIn.requests).toHaveLength(1);
  });
});
