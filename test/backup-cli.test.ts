import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { composeGateway, lifecycleOf } from '../shared/gateway';
import { trackDueBackups } from '../shared/lifecycle';
import { startBackends, TEST_SIGNING_SECRETS } from './support/fixtures';
import { serveGateway } from './support/serve-gateway';
import { serveHandler } from './support/serve-handler';

const ROOT = join(__dirname, '..');
const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';
/** Instances of their own for the tests that run at once, so that none sees another's backups. */
const INSTANCE = {
  completes: 'b0000000000000000000000000000001in02',
  fails: 'b0000000000000000000000000000002in02',
  slow: 'b0000000000000000000000000000003in02',
  listed: 'b0000000000000000000000000000004in02',
} as const;
/** The arguments of a DDS backup request. */
const DDS_REQUEST = ['--engine', 'dds', '--instance', DDS_INSTANCE];
const SIGNED = { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook };
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface ReceivedRequest {
  body: string;
  headers: IncomingHttpHeaders;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a pipeline would: its own process, its own environment. */
function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'scripts/backup.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const linesOf = (text: string) => text.split('\n').filter((line) => line !== '');

let standIn: HuaweiStandIn;
let closeBackends: () => Promise<void>;
let gateway: Awaited<ReturnType<typeof serveGateway>>;

beforeAll(async () => {
  // Huawei Cloud finishes a backup in 1.5 s; the gateway asks it once its record is 10 s old.
  ({ standIn, close: closeBackends } = await startBackends({ completeAfterMs: 1_500 }));
  gateway = await serveGateway();
});
afterAll(async () => {
  await gateway.close();
  await closeBackends();
});

describe('npm run backup', () => {
  beforeEach(() => standIn.reset());

  it('signs and sends the request, prints the created backup and exits 0', async () => {
    const named = ['--name', 'cli-01', '--description', 'from CI – café'];
    const run = await runCli([...DDS_REQUEST, ...named, '--url', gateway.url], SIGNED);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [backup] = standIn.backups();
    expect(backup).toMatchObject({ instanceId: DDS_INSTANCE, name: 'cli-01', description: 'from CI – café' });
    expect(JSON.parse(run.stdout)).toMatchObject({ backupId: backup.id, engine: 'dds', name: 'cli-01' });
  });

  it('takes the URL from BACKUP_GATEWAY_URL, signs with the first of several secrets, sends databases', async () => {
    const sqlServerInstance = 'c2aac04b4b44460aa75674fc0fd878b2no04';
    standIn.addRdsInstance(sqlServerInstance, 'SQLServer');
    const run = await runCli(['--engine', 'sqlserver', '--instance', sqlServerInstance, '--db', 'sales, hr'], {
      WEBHOOK_SIGNING_SECRET: `${TEST_SIGNING_SECRETS.webhook},an-older-secret`,
      BACKUP_GATEWAY_URL: `${gateway.url}/`,
    });
    expect(run.code).toBe(0);
    expect(standIn.backups()).toEqual([expect.objectContaining({ databases: ['sales', 'hr'] })]);
  });

  it('exits 1 and says why when the gateway refuses the signature; nothing reaches Huawei Cloud', async () => {
    const wrongSecret = { WEBHOOK_SIGNING_SECRET: 'not-the-webhook-secret' };
    const run = await runCli([...DDS_REQUEST, '--url', gateway.url], wrongSecret);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("401 The request is not authenticated: The request's signature is not valid.");
    expect(run.stderr).not.toContain('--idempotency-key');
    expect(standIn.requests).toHaveLength(0);
  });

  it('exits 1 with every rule the request breaks', async () => {
    const run = await runCli([...DDS_REQUEST, '--name', '1x', '--url', gateway.url], SIGNED);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('- name: must be 4 to 64 characters long (it has 2)');
    expect(run.stderr).toContain('- name: must start with a letter (A-Z or a-z)');
    expect(standIn.requests).toHaveLength(0);
  });

  it('exits 1 when the gateway cannot be reached', async () => {
    const closed = await serveHandler(async () => ({ statusCode: 500 }));
    await closed.close();
    const run = await runCli([...DDS_REQUEST, '--url', closed.url], SIGNED);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`could not reach the gateway at ${closed.url}/backups`);
    expect(run.stderr).toContain('no backup was requested');
    expect(run.stderr).not.toContain('--idempotency-key');
  });

  it('gives up after --timeout when the request left without an answer, and says how to repeat it', async () => {
    let received!: (request: ReceivedRequest) => void;
    const receivedRequest = new Promise<ReceivedRequest>((resolve) => (received = resolve));
    const silent = createServer((req) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => received({ body, headers: req.headers }));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const run = await runCli([...DDS_REQUEST, '--url', url, '--timeout', '1'], SIGNED);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the request was sent to ${url}/backups but no answer came (timed out after 1 s)`);
      expect(run.stderr).toContain('the backup may have been created');
      expect(run.stderr).not.toContain('no backup was requested');
      const { body, headers } = await receivedRequest;
      expect(body).toBe(JSON.stringify({ engine: 'dds', instanceId: DDS_INSTANCE }));
      expect(headers['idempotency-key']).toMatch(new RegExp(`^${UUID}$`));
      const key = headers['idempotency-key'];
      const repeat = `--engine dds --instance ${DDS_INSTANCE} --url ${url} --timeout 1 --idempotency-key ${key}`;
      expect(run.stderr).toContain(`\n  npm run backup -- ${repeat}\n`);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('prints the usage with every command and option, and exits 0, for --help', async () => {
    const run = await runCli(['--help'], {});
    expect(run.code).toBe(0);
    const parts = ['status <backupId>', 'list [--instance', '--limit', '--wait', '--interval', '--timeout'];
    for (const part of [...parts, '--idempotency-key', 'Exit codes']) expect(run.stdout).toContain(part);
  });

  it.concurrent.for<[string, string[], Record<string, string>, string]>([
    ['no signing secret', DDS_REQUEST, {}, 'WEBHOOK_SIGNING_SECRET is not set'],
    ['no instance', ['--engine', 'dds'], SIGNED, '--engine and --instance are required'],
    ['an unknown option', [...DDS_REQUEST, '--force'], SIGNED, "Unknown option '--force'"],
    [
      'a timeout that is no number of seconds',
      [...DDS_REQUEST, '--timeout', '0'],
      SIGNED,
      '--timeout must be a number of seconds above 0 and at most 3600 (it is "0")',
    ],
    ['a wait over a week', [...DDS_REQUEST, '--wait', '--timeout', '604801'], SIGNED, 'at most 604800 (it is "6'],
    ['an interval under a second', [...DDS_REQUEST, '--wait', '--interval', '0.5'], SIGNED, '--interval must be'],
    ['an interval without --wait', [...DDS_REQUEST, '--interval', '5'], SIGNED, '--interval goes with --wait'],
    ['a key with a space', [...DDS_REQUEST, '--idempotency-key', 'a b'], SIGNED, '--idempotency-key may contain'],
    ['an option of another command', [...DDS_REQUEST, '--limit', '5'], SIGNED, '--limit does not go with'],
    ['an unknown command', ['stats', 'x'], SIGNED, 'unknown command "stats"'],
    ['status without a backup id', ['status'], SIGNED, 'status takes one backup id'],
    ['status of a path, not an id', ['status', '../x'], SIGNED, 'status takes one backup id'],
    ['list with a limit over 100', ['list', '--limit', '101'], SIGNED, '--limit must be a whole number from 1 to 100'],
    ['list with a name', ['list', '--name', 'x'], SIGNED, '--name does not go with list'],
  ])('exits 2 with the usage, sending nothing, for %s', async ([, args, env, message], { expect }) => {
    const before = gateway.received();
    const run = await runCli([...args, '--url', gateway.url], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain(
      'Usage: npm run backup -- --engine <dds|mysql|postgresql|sqlserver> --instance <instance-id>',
    );
    expect(gateway.received()).toBe(before);
  });
});

describe.concurrent('npm run backup -- --wait, status and list', () => {
  const WAIT = ['--wait', '--interval', '1'];

  it('--wait follows the backup to COMPLETED: a line per status, the record on stdout, exit 0', async ({ expect }) => {
    const args = ['--engine', 'dds', '--instance', INSTANCE.completes, ...WAIT, '--url', gateway.url];
    const run = await runCli(args, SIGNED, 30_000);

    expect(run.code).toBe(0);
    const [backup] = standIn.backups().filter((stored) => stored.instanceId === INSTANCE.completes);
    expect(JSON.parse(run.stdout)).toMatchObject({
      backupId: backup.id,
      instanceId: INSTANCE.completes,
      status: 'COMPLETED',
      requestedBy: { via: 'http' },
      completedAt: expect.any(String),
      sizeKB: backup.sizeKB,
    });
    expect(linesOf(run.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^backup ${backup.id}: BUILDING \\(\\d+ s\\)$`)),
      expect.stringMatching(new RegExp(`^backup ${backup.id}: COMPLETED \\((\\d+ s|\\d+ min \\d\\d s)\\)$`)),
    ]);
  }, 40_000);

  it('--wait exits 1 when the backup fails, with the reason, and prints the failed record', async ({ expect }) => {
    standIn.setInstanceBehaviour(INSTANCE.fails, 'backups-fail');
    const args = ['--engine', 'dds', '--instance', INSTANCE.fails, ...WAIT, '--url', gateway.url];
    const run = await runCli(args, SIGNED, 30_000);

    expect(run.code).toBe(1);
    const record = JSON.parse(run.stdout);
    expect(record).toMatchObject({ instanceId: INSTANCE.fails, status: 'FAILED' });
    expect(run.stderr).toContain(`backup ${record.backupId}: FAILED (`);
    expect(run.stderr).toContain(
      `backup: backup ${record.backupId} ended FAILED: Huawei Cloud reports the backup as failed.`,
    );
  }, 40_000);

  it('--wait gives up after --timeout with exit 3, saying how to go on waiting to COMPLETED', async ({ expect }) => {
    const args = ['--engine', 'dds', '--instance', INSTANCE.slow, ...WAIT, '--timeout', '2', '--url', gateway.url];
    const run = await runCli(args, SIGNED);

    expect(run.code).toBe(3);
    const record = JSON.parse(run.stdout);
    expect(record).toMatchObject({ instanceId: INSTANCE.slow, status: 'BUILDING' });
    expect(run.stderr).toMatch(/gave up waiting after \d+ s: backup \S+ is still BUILDING; to go on waiting, run:/);
    const followUp = `npm run backup -- status ${record.backupId} --wait --interval 1 --url ${gateway.url}`;
    expect(run.stderr).toContain(`\n  ${followUp}\n`);

    const followed = await runCli(followUp.split(' ').slice(4), SIGNED, 30_000);
    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout)).toMatchObject({ backupId: record.backupId, status: 'COMPLETED' });
  }, 40_000);

  it('--wait asks again at the next poll after a 503 or a 429, and goes on to COMPLETED', async ({ expect }) => {
    const backupId = '00000000000000000000000000000005br02';
    const record = (status: string) => ({ backupId, engine: 'dds', instanceId: DDS_INSTANCE, status });
    const answer = (statusCode: number, body: unknown) => ({ statusCode, body: JSON.stringify(body) });
    const polls = [
      answer(503, { title: 'Service Unavailable', status: 503 }),
      answer(429, { title: 'Too Many Requests', status: 429 }),
      answer(200, record('BUILDING')),
      answer(200, record('COMPLETED')),
    ];
    const flaky = await serveHandler(async (event) => {
      if (event.requestContext.http.method === 'POST') return answer(202, record('BUILDING'));
      return polls.shift() ?? answer(500, {});
    });
    try {
      const run = await runCli([...DDS_REQUEST, ...WAIT, '--url', flaky.url], SIGNED);

      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(record('COMPLETED'));
      const line = (said: string) => expect.stringMatching(new RegExp(`^backup ${backupId}: ${said}$`));
      expect(linesOf(run.stderr)).toEqual([
        line('BUILDING \\(\\d+ s\\); asking again in 1 s: the gateway answered 503 Service Unavailable'),
        line('BUILDING \\(\\d+ s\\); asking again in 1 s: the gateway answered 429 Too Many Requests'),
        line('BUILDING \\(\\d+ s\\)'),
        line('COMPLETED \\(\\d+ s\\)'),
      ]);
    } finally {
      await flaky.close();
    }
  });

  it('status prints a backup; list the latest, newest first, of an instance, at most --limit', async ({ expect }) => {
    const create = () => runCli(['--engine', 'dds', '--instance', INSTANCE.listed, '--url', gateway.url], SIGNED);
    const first = JSON.parse((await create()).stdout);
    const second = JSON.parse((await create()).stdout);

    const status = await runCli(['status', first.backupId, '--url', gateway.url], SIGNED);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      backupId: first.backupId,
      engine: 'dds',
      instanceId: INSTANCE.listed,
      name: first.name,
      status: 'BUILDING',
      requestedAt: expect.any(String),
      requestedBy: { via: 'http' },
      checkedAt: expect.any(String),
    });

    const listed = await runCli(['list', '--instance', INSTANCE.listed, '--url', gateway.url], SIGNED);
    expect(listed.code).toBe(0);
    const listedIds = JSON.parse(listed.stdout).backups.map((backup: { backupId: string }) => backup.backupId);
    expect(listedIds).toEqual([second.backupId, first.backupId]);
    const limited = await runCli(['list', '--instance', INSTANCE.listed, '--limit', '1', '--url', gateway.url], SIGNED);
    expect(JSON.parse(limited.stdout)).toEqual({ backups: [expect.objectContaining({ backupId: second.backupId })] });
  });

  it('status of a backup the gateway does not know exits 1 with its reason', async ({ expect }) => {
    const unknown = '0123456789abcdef0123456789abcdefbr02';
    const run = await runCli(['status', unknown, '--url', gateway.url], SIGNED);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`404 No such backup: The gateway has no backup "${unknown}"`);
  });

  it('--wait stops with exit 1 when the gateway does not know the backup', async ({ expect }) => {
    const run = await runCli(['status', 'fedcba9876543210fedcba9876543210br02', ...WAIT, '--url', gateway.url], SIGNED);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('backup: stopped waiting: 404 No such backup');
  });
});

describe('npm run backup when the outcome is uncertain', () => {
  beforeEach(() => standIn.reset());

  it('prints the command that repeats the request with its key; the repeat never doubles the backup', async () => {
    standIn.script({ kind: 'drop-before-read' });
    const uncertain = await runCli([...DDS_REQUEST, '--url', gateway.url], SIGNED);

    expect(uncertain.code).toBe(1);
    expect(uncertain.stderr).toContain('the gateway refused or failed: 502 Huawei Cloud failed to answer properly');
    const asked = `--engine dds --instance ${DDS_INSTANCE} --url \\S+`;
    const printed = new RegExp(`\\n  (npm run backup -- ${asked} --idempotency-key (${UUID}))\\n`);
    const [, repeatCommand, key] = printed.exec(uncertain.stderr) ?? [];
    expect(repeatCommand).toBeDefined();
    const repeatArgs = repeatCommand.split(' ').slice(4);

    // While the gateway looks for the backup the first request may have made, the repeat is refused by its key.
    const whileLooking = await runCli(repeatArgs, SIGNED);
    expect(whileLooking.code).toBe(1);
    expect(whileLooking.stderr).toContain('409 An earlier attempt with this idempotency key may have created');
    expect(whileLooking.stderr).toContain(`idempotency key "${key}"`);
    expect(whileLooking.stderr).toContain(`\n  ${repeatCommand}\n`);

    // Once the look-up window has passed without a backup, the key is free: the same command creates it, once.
    const lifecycle = lifecycleOf(composeGateway('trackBackups'));
    const later = () => Date.now() + (lifecycle.settings.lookupWindowSeconds + 60) * 1000;
    expect((await trackDueBackups({ ...lifecycle, now: later }, Date.now() + 10_000)).lookupsSettled).toBe(1);
    const settled = await runCli(repeatArgs, SIGNED);
    expect(settled.code).toBe(0);
    expect(JSON.parse(settled.stdout).backupId).toBe(standIn.backups()[0].id);
    expect(standIn.backups()).toHaveLength(1);
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
  });
});
