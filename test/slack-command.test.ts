import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../shared/domain/backup-request';
import { composeGateway, lifecycleOf } from '../shared/gateway';
import { trackDueBackups } from '../shared/lifecycle';
import { slackFollowUp } from '../shared/slack/follow-up-wiring';
import { coldStart } from './support/cold-start';
import { captureOutput, slackCommandEvent, TEST_SIGNING_SECRETS, TEST_SLACK_ALLOWED } from './support/fixtures';
import { startSlackFlow } from './support/slack-flow';

/**
 * The Slack flow end to end: slackCommand answers at once and hands creates to the queue; the queue's function
 * creates the backup and posts the outcome to the command's response URL; the tracker posts its end.
 */
const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';
const MYSQL_INSTANCE = '44b277eb-39be-4921-be31-3d61b43651d7';
const SQLSERVER_INSTANCE = 'c2aac04b4b44460aa75674fc0fd878b2no04';
const STRANGER = { userId: 'U0STRANGER', channelId: 'C0ELSEWHER' };

let flow: Awaited<ReturnType<typeof startSlackFlow>>;
let standIn: Awaited<ReturnType<typeof startSlackFlow>>['standIn'];
let invoke: Awaited<ReturnType<typeof startSlackFlow>>['command'];
const coldStartSlack = (env: Record<string, string> = {}) =>
  coldStart(() => import('../functions/slackCommand/handler'), { ...flow.env, ...env });
let commands = 0;
/** A command from the allowed user whose follow-up goes to a fresh response URL on the Slack stand-in. */
const command = (text: string, options: Partial<Parameters<typeof slackCommandEvent>[0]> = {}) => {
  const responseUrl = flow.slack.responseUrl(String(++commands));
  return { responseUrl, answer: invoke(slackCommandEvent({ text, responseUrl, ...options })) };
};
const postsTo = (responseUrl: string) =>
  flow.slack.posts.filter((post) => responseUrl.endsWith(post.path)).map((post) => post.message);

/** One tracking run as it will happen once `minutes` have passed. */
async function trackAfter(minutes: number) {
  const lifecycle = lifecycleOf(composeGateway('trackBackups', process.env, slackFollowUp));
  return trackDueBackups({ ...lifecycle, now: () => Date.now() + minutes * 60_000 }, Date.now() + 10_000);
}

beforeAll(async () => {
  flow = await startSlackFlow({ BACKUP_TRACKING_INTERVAL_SECONDS: '1' }, { completeAfterMs: 0 });
  ({ standIn, command: invoke } = flow);
  standIn.addRdsInstance(SQLSERVER_INSTANCE, 'SQLServer');
});
afterAll(() => flow.close());
beforeEach(() => standIn.reset());

describe('slackCommand: answer at once, create after the answer', () => {
  it('acknowledges a create only to the caller, calls no Huawei Cloud, and hands exactly one message to the queue', async () => {
    const queued = flow.sqs.messages.length;
    const { responseUrl, answer } = command(`dds ${DDS_INSTANCE} before-upgrade --desc "before the upgrade"`);
    const response = await answer;

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      response_type: 'ephemeral',
      text: `:hourglass_flowing_sand: Requesting a backup named \`before-upgrade\` of DDS (MongoDB) instance \`${DDS_INSTANCE}\`… This channel hears when it is created, and when it completes.`,
    });
    expect(standIn.requests).toHaveLength(0);
    expect(flow.sqs.messages).toHaveLength(queued + 1);
    expect(JSON.parse(flow.sqs.messages.at(-1)!.body)).toEqual({
      engine: 'dds',
      instanceId: DDS_INSTANCE,
      name: 'before-upgrade',
      description: 'before the upgrade',
      slack: {
        responseUrl,
        userId: TEST_SLACK_ALLOWED.user,
        channelId: 'C0OTHERCH1',
        teamId: 'T0TEAM0001',
        commandText: `dds ${DDS_INSTANCE} before-upgrade --desc "before the upgrade"`,
      },
    });
    await flow.deliver();
  });

  it('creates the backup from the queue and tells the channel who asked, what, and which id', async () => {
    const { responseUrl, answer } = command(`dds ${DDS_INSTANCE} from-slack-01`);
    await answer;
    expect((await flow.deliver()).batchItemFailures).toEqual([]);

    const [backup] = standIn.backups();
    expect(backup).toMatchObject({ service: 'dds', instanceId: DDS_INSTANCE, name: 'from-slack-01' });
    expect(postsTo(responseUrl)).toEqual([
      {
        response_type: 'in_channel',
        text: `<@${TEST_SLACK_ALLOWED.user}> asked for a backup of DDS (MongoDB) instance \`${DDS_INSTANCE}\`: backup \`from-slack-01\`, id \`${backup.id}\`, BUILDING.`,
      },
    ]);
  });

  it('passes a quoted description and the databases of a SQL Server backup through the queue unchanged', async () => {
    const description = 'avant la migration – café  ☕';
    await command(`sqlserver ${SQLSERVER_INSTANCE} partial-01 --desc "${description}" --db sales,hr`).answer;
    await flow.deliver();
    expect(standIn.backups()).toEqual([
      expect.objectContaining({
        instanceId: SQLSERVER_INSTANCE,
        name: 'partial-01',
        description,
        databases: ['sales', 'hr'],
      }),
    ]);
  });

  it('tells only the caller why Huawei Cloud refused, and does not have the message redelivered', async () => {
    standIn.script({
      kind: 'answer',
      status: 400,
      body: JSON.stringify({ error_code: 'DBS.200001', error_msg: 'Invalid parameter.' }),
    });
    const { responseUrl, answer } = command(`dds ${DDS_INSTANCE} refused-01`);
    await answer;
    expect((await flow.deliver()).batchItemFailures).toEqual([]);
    expect(postsTo(responseUrl)).toEqual([
      { response_type: 'ephemeral', text: expect.stringContaining('Huawei Cloud refused the backup request') },
    ]);
    expect(standIn.backups()).toHaveLength(0);
  });

  it('says the gateway is checking when the outcome is uncertain, then that none was made once it knows', async () => {
    standIn.script({ kind: 'drop-before-read' });
    const { responseUrl, answer } = command(`mysql ${MYSQL_INSTANCE} lost-01`);
    await answer;
    await flow.deliver();
    expect(postsTo(responseUrl)).toEqual([
      {
        response_type: 'ephemeral',
        text: expect.stringContaining('The gateway is looking for it and posts here when it knows.'),
      },
    ]);

    expect((await trackAfter(10)).lookupsSettled).toBeGreaterThanOrEqual(1);
    expect(postsTo(responseUrl).at(-1)).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('No backup `lost-01` of RDS for MySQL'),
    });
    expect(standIn.backups()).toHaveLength(0);
  });

  it('tells the channel of a backup whose create answered 500 after making it: the gateway finds it', async () => {
    standIn.setInstanceBehaviour('found00000000000000000000000in02', 'answers-500-after-creating');
    const { responseUrl, answer } = command('dds found00000000000000000000000in02 found-01');
    await answer;
    await flow.deliver();
    // The stand-in here completes backups at once, so the backup found is already COMPLETED: both are told.
    expect(postsTo(responseUrl)).toEqual(
      expect.arrayContaining([
        {
          response_type: 'in_channel',
          text: expect.stringContaining(
            `asked for a backup of DDS (MongoDB) instance \`found00000000000000000000000in02\`: backup \`found-01\`, id \`${standIn.backups()[0].id}\``,
          ),
        },
      ]),
    );
  });
});

describe('slackCommand: the end of a backup in the channel', () => {
  it('posts COMPLETED in the channel on the response URL while it is valid', async () => {
    const { responseUrl, answer } = command(`dds ${DDS_INSTANCE} completes-01`);
    await answer;
    await flow.deliver();
    // The stand-in here completes backups at once; the tracker looks as it will two minutes on.
    await trackAfter(2);
    expect(postsTo(responseUrl).at(-1)).toEqual({
      response_type: 'in_channel',
      text: expect.stringMatching(
        /^:white_check_mark: Backup `completes-01` \(id `[^`]+`\) of DDS \(MongoDB\) instance `a89d\w+in02`, asked for by <@U0ALLOWED1>, is COMPLETED/,
      ),
    });
  });
});

describe('slackCommand: help', () => {
  it.each([['help'], ['']])(
    'answers "%s" with the grammar, every engine and an example, to anyone, and calls nobody',
    async (text) => {
      const response = await invoke(slackCommandEvent({ text, ...STRANGER }));
      expect(response.json.text).toContain('`/backup status &lt;backup-id&gt;`');
      expect(response.json.response_type).toBe('ephemeral');
      expect(response.json.text).toContain(
        '`/backup &lt;engine&gt; &lt;instance-id&gt; [name] [--desc "text"] [--db name1,name2]`',
      );
      for (const engine of ENGINES) expect(response.json.text).toContain(`\`${engine}\``);
      expect(response.json.text).toContain('Example: `/backup dds ');
      expect(standIn.requests).toHaveLength(0);
    },
  );
});

describe('slackCommand: refusals reach no upstream', () => {
  it('refuses a user who is not on the list, in a channel that is not, and says how to allow them', async () => {
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, ...STRANGER }));
    expect(response.statusCode).toBe(200);
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain('You may not create backups from this channel.');
    expect(response.json.text).toContain(
      `adding your user ID ${STRANGER.userId} to SLACK_ALLOWED_USERS, or this channel's ID ${STRANGER.channelId} to SLACK_ALLOWED_CHANNELS`,
    );
    expect(standIn.requests).toHaveLength(0);
  });

  it('allows nobody when neither list is set, and says so', async () => {
    const denyAll = await coldStartSlack({ SLACK_ALLOWED_USERS: '', SLACK_ALLOWED_CHANNELS: '' });
    const response = await denyAll(
      slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, channelId: TEST_SLACK_ALLOWED.channel }),
    );
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
    [
      'an unknown engine',
      `oracle ${DDS_INSTANCE}`,
      '• &lt;engine&gt;: must be one of dds, mysql, postgresql, sqlserver',
    ],
    [
      'a name that starts with a digit',
      `dds ${DDS_INSTANCE} 1nightly`,
      '• [name]: must start with a letter (A-Z or a-z)',
    ],
    ['a name that is too short', `dds ${DDS_INSTANCE} bk1`, '• [name]: must be 4 to 64 characters long (it has 3)'],
    [
      'a forbidden character in the description',
      `dds ${DDS_INSTANCE} --desc "a = b"`,
      '• --desc: must not contain any of &gt; ! &lt; " &amp; \' = (found =)',
    ],
    [
      'databases on another engine',
      `mysql ${MYSQL_INSTANCE} --db sales`,
      '• --db: is supported only with engine sqlserver, or postgresql on RDS API v3 (partial backups)',
    ],
    ['an empty database name', `sqlserver ${SQLSERVER_INSTANCE} --db sales,,hr`, '• --db[1]: must not be empty'],
    ['an unknown option', `dds ${DDS_INSTANCE} --force`, 'unknown option --force (the options are --desc and --db)'],
    ['a missing instance', 'dds', 'give at least an engine and an instance ID'],
    ['an unquoted description', `dds ${DDS_INSTANCE} nightly-01 before upgrade`, 'unexpected "before" after the name'],
  ])('answers %s with the rule broken and the usage, only to the caller', async (_, text, rule) => {
    const response = await invoke(slackCommandEvent({ text }));
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toContain(rule);
    expect(response.json.text).toContain(
      'Usage: `/backup &lt;engine&gt; &lt;instance-id&gt; [name] [--desc "text"] [--db name1,name2]`',
    );
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
    const response = await invoke(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, ...options })).finally(
      output.restore,
    );
    expect(response.statusCode).toBe(401);
    expect(response.json).toMatchObject({ code: 'unauthorized' });
    expect(output.text()).toContain('"sourceIp":"203.0.113.7"');
    expect(output.text()).not.toContain(TEST_SIGNING_SECRETS.slack);
    expect(standIn.requests).toHaveLength(0);
  });

  it('answers 401 to a form changed after Slack signed it', async () => {
    const event = slackCommandEvent({ text: `dds ${DDS_INSTANCE}` });
    const changed = Buffer.from(event.body as string, 'base64')
      .toString('utf8')
      .replace(TEST_SLACK_ALLOWED.user, STRANGER.userId);
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

describe('slackCommand: the end of a backup, after the response URL expired', () => {
  it('posts the end to the incoming webhook once the response URL has expired, and only publishes it without one', async () => {
    const late = command(`dds ${DDS_INSTANCE} late-01`);
    await late.answer;
    await flow.deliver();
    process.env.SLACK_NOTIFY_WEBHOOK_URL = `${flow.slack.url}/services/T0/B0/webhook`;
    try {
      await trackAfter(40);
    } finally {
      delete process.env.SLACK_NOTIFY_WEBHOOK_URL;
    }
    expect(postsTo(late.responseUrl)).toHaveLength(1);
    const toWebhook = flow.slack.posts
      .filter((post) => post.path === '/services/T0/B0/webhook')
      .map((post) => post.message.text);
    expect(toWebhook).toContainEqual(expect.stringMatching(/^:white_check_mark: Backup `late-01` .* is COMPLETED/));

    const unheard = command(`dds ${DDS_INSTANCE} unheard-01`);
    await unheard.answer;
    await flow.deliver();
    const posts = flow.slack.posts.length;
    await trackAfter(40);
    expect(flow.slack.posts).toHaveLength(posts);
    const ends = flow.bus
      .details('Backup State Change')
      .filter((detail) => detail.name === 'unheard-01' && detail.status === 'COMPLETED');
    expect(ends).toHaveLength(1);
  });
});

describe('slackCommand: status and list', () => {
  it("answers `status <id>` with the ledger's status, and `list` with the recent backups, only to the caller", async () => {
    await command(`dds ${DDS_INSTANCE} listed-01`).answer;
    await flow.deliver();
    const [backup] = standIn.backups();

    const status = await command(`status ${backup.id}`).answer;
    expect(status.json).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining(
        `Backup \`listed-01\` (id \`${backup.id}\`) of DDS (MongoDB) instance \`${DDS_INSTANCE}\`: *BUILDING*`,
      ),
    });
    const list = await command(`list ${DDS_INSTANCE}`).answer;
    expect(list.json.response_type).toBe('ephemeral');
    expect(list.json.text).toContain(`\`listed-01\``);
    expect(list.json.text.split('\n')[0]).toMatch(/^The gateway's \d+ most recent backups of instance `a89d\w+in02`:$/);
  });

  it('says a backup it does not hold is unknown', async () => {
    const response = await command('status no-such-backup-0001').answer;
    expect(response.json).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('The gateway has no backup'),
    });
  });

  it.each(['status', 'status a b', 'list a b'])('refuses "%s" with the grammar', async (text) => {
    const response = await command(text).answer;
    expect(response.json.response_type).toBe('ephemeral');
    expect(response.json.text).toMatch(/status takes one backup ID|list takes at most one instance ID/);
  });
});

describe('slackCommand: only Slack, only this workspace', () => {
  it('never fetches a response URL outside SLACK_RESPONSE_URL_PREFIX: refused at once, nothing queued, logged', async () => {
    const queued = flow.sqs.messages.length;
    const output = captureOutput();
    const response = await invoke(
      slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, responseUrl: 'https://attacker.example/collect' }),
    ).finally(output.restore);
    expect(response.json).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining("This command's response URL is not Slack's"),
    });
    expect(flow.sqs.messages).toHaveLength(queued);
    expect(output.text()).toContain('response_url is not under SLACK_RESPONSE_URL_PREFIX');
    expect(output.text()).not.toContain('attacker.example/collect');
  });

  it('never fetches a foreign response URL put on the queue by someone else', async () => {
    const before = flow.slack.posts.length;
    const output = captureOutput();
    flow.sqs.messages.push({
      queueUrl: 'x',
      messageId: 'forged-1',
      body: JSON.stringify({
        engine: 'dds',
        instanceId: DDS_INSTANCE,
        slack: { responseUrl: 'http://127.0.0.1:9/steal', userId: 'U1', channelId: 'C1', commandText: 'dds' },
      }),
    });
    await flow.deliver().finally(output.restore);
    expect(flow.slack.posts).toHaveLength(before);
    expect(output.text()).toContain('Slack URL refused');
  });

  it('posts again after Slack answers 429 with Retry-After', async () => {
    const { responseUrl, answer } = command(`dds ${DDS_INSTANCE} busy-slack-01`);
    await answer;
    flow.slack.script({ status: 429, headers: { 'Retry-After': '0' } });
    await flow.deliver();
    expect(postsTo(responseUrl)).toEqual([expect.objectContaining({ response_type: 'in_channel' })]);
  });

  it('refuses commands from another workspace when SLACK_TEAM_ID is set', async () => {
    const oneTeam = await coldStartSlack({ SLACK_TEAM_ID: 'T0OURTEAM1' });
    const response = await oneTeam(slackCommandEvent({ text: `dds ${DDS_INSTANCE}`, teamId: 'T0OTHERTM1' }));
    expect(response.json).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('This gateway takes commands from one Slack workspace only'),
    });
    const ours = await oneTeam(slackCommandEvent({ text: 'help', teamId: 'T0OTHERTM1' }));
    expect(ours.json.text).toContain('creates an on-demand backup');
  });
});
