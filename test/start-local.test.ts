import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const PORT_VARIABLES = [
  'BACKUP_GATEWAY_PORT',
  'BACKUP_GATEWAY_LAMBDA_PORT',
  'HUAWEICLOUD_STAND_IN_PORT',
  'LOCAL_DYNAMODB_PORT',
];
let occupied: Server[];

beforeAll(async () => {
  occupied = await Promise.all(
    PORT_VARIABLES.map(
      () => new Promise<Server>((resolve) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
});
afterAll(() => Promise.all(occupied.map((server) => new Promise((resolve) => server.close(resolve)))));

it('refuses to start on ports in use, naming the variable that moves each, and starts nothing', async () => {
  const ports = occupied.map((server) => (server.address() as { port: number }).port);
  const env = Object.fromEntries(PORT_VARIABLES.map((variable, i) => [variable, String(ports[i])]));
  // As package.json's start script runs it, without npm around it.
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--require', './local/exit-with-parent.cjs', '--import', 'tsx', 'scripts/start-local.ts'],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

  expect(run.code).toBe(1);
  expect(run.stdout).not.toContain('running at');
  PORT_VARIABLES.forEach((variable, i) => {
    expect(run.stderr).toContain(`port ${ports[i]} (`);
    expect(run.stderr).toContain(`set ${variable} to a free port`);
  });
});
