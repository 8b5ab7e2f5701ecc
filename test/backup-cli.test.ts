import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HuaweiStandIn } from '../local/huawei-stand-in';
import { startStandInForHandlers, TEST_SIGNING_SECRETS } from './support/fixtures';
import { serveHandler } from './support/serve-handler';

const ROOT = join(__dirname, '..');
const DDS_INSTANCE = 'a89dab5e39394eccbdb77b19d57b0180in02';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a pipeline would: its own process, its own environment. */
function runCli(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'scripts/backup.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let standIn: HuaweiStandIn;
let gateway: Awaited<ReturnType<typeof serveHandler>>;

beforeAll(async () => {
  standIn = await startStandInForHandlers();
  const { handler } = await import('../functions/createBackup/handler');
  gateway = await serveHandler(handler);
});
afterAll(async () => {
  await gateway.close();
  await standIn.close();
});
beforeEach(() => standIn.reset());

describe('npm run backup', () => {
  it('signs and sends the request, prints the created backup and exits 0', async () => {
    const run = await runCli(
      ['--engine', 'dds', '--instance', DDS_INSTANCE, '--name', 'cli-01', '--description', 'from CI – café', '--url', gateway.url],
      { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook },
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [backup] = standIn.backups();
    expect(backup).toMatchObject({ instanceId: DDS_INSTANCE, name: 'cli-01', description: 'from CI – café' });
    expect(JSON.parse(run.stdout)).toMatchObject({ backupId: backup.id, engine: 'dds', name: 'cli-01' });
  });

  it('takes the gateway from BACKUP_GATEWAY_URL, signs with the first of several secrets, and sends databases', async () => {
    standIn.addRdsInstance('c2aac04b4b44460aa75674fc0fd878b2no04', 'SQLServer');
    const run = await runCli(['--engine', 'sqlserver', '--instance', 'c2aac04b4b44460aa75674fc0fd878b2no04', '--db', 'sales, hr'], {
      WEBHOOK_SIGNING_SECRET: `${TEST_SIGNING_SECRETS.webhook},an-older-secret`,
      BACKUP_GATEWAY_URL: `${gateway.url}/`,
    });
    expect(run.code).toBe(0);
    expect(standIn.backups()).toEqual([expect.objectContaining({ databases: ['sales', 'hr'] })]);
  });

  it('exits 1 and says why when the gateway refuses the signature; nothing reaches Huawei Cloud', async () => {
    const run = await runCli(['--engine', 'dds', '--instance', DDS_INSTANCE, '--url', gateway.url], { WEBHOOK_SIGNING_SECRET: 'not-the-webhook-secret' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("401 The request is not authenticated: The request's signature is not valid.");
    expect(standIn.requests).toHaveLength(0);
  });

  it('exits 1 with every rule the request breaks', async () => {
    const run = await runCli(['--engine', 'dds', '--instance', DDS_INSTANCE, '--name', '1x', '--url', gateway.url], {
      WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('- name: must be 4 to 64 characters long (it has 2)');
    expect(run.stderr).toContain('- name: must start with a letter (A-Z or a-z)');
    expect(standIn.requests).toHaveLength(0);
  });

  it('exits 1 when the gateway cannot be reached', async () => {
    const closed = await serveHandler(async () => ({ statusCode: 500 }));
    await closed.close();
    const run = await runCli(['--engine', 'dds', '--instance', DDS_INSTANCE, '--url', closed.url], { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`could not reach the gateway at ${closed.url}/backups`);
    expect(run.stderr).toContain('no backup was requested');
  });

  it('gives up after --timeout when the request left but no answer came, and says the backup may exist', async () => {
    let received!: (body: string) => void;
    const receivedBody = new Promise<string>((resolve) => (received = resolve));
    const silent = createServer((req) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => received(body));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const run = await runCli(['--engine', 'dds', '--instance', DDS_INSTANCE, '--url', url, '--timeout', '1'], {
        WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook,
      });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the request was sent to ${url}/backups but no answer came (timed out after 1 s)`);
      expect(run.stderr).toContain('the backup may have been created');
      expect(run.stderr).not.toContain('no backup was requested');
      expect(await receivedBody).toBe(JSON.stringify({ engine: 'dds', instanceId: DDS_INSTANCE }));
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it.each([
    ['no signing secret', ['--engine', 'dds', '--instance', DDS_INSTANCE], {}, 'WEBHOOK_SIGNING_SECRET is not set'],
    ['no instance', ['--engine', 'dds'], { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook }, '--engine and --instance are required'],
    ['an unknown option', ['--engine', 'dds', '--instance', DDS_INSTANCE, '--force'], { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook }, "Unknown option '--force'"],
    [
      'a timeout that is no number of seconds',
      ['--engine', 'dds', '--instance', DDS_INSTANCE, '--timeout', '0'],
      { WEBHOOK_SIGNING_SECRET: TEST_SIGNING_SECRETS.webhook },
      '--timeout must be a number of seconds above 0 and at most 3600 (it is "0")',
    ],
  ])('exits 2 with the usage, sending nothing, for %s', async (_, args, env, message) => {
    const before = gateway.received();
    const run = await runCli([...args, '--url', gateway.url], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: npm run backup -- --engine <dds|mysql|postgresql|sqlserver> --instance <instance-id>');
    expect(gateway.received()).toBe(before);
  });
});
