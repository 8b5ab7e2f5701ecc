import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const requireFromHere = createRequire(import.meta.url);
const backupRequestSources = requireFromHere('../deploy/backup-request-sources.cjs') as (variables: {
  resolveVariable: (name: string) => Promise<string>;
}) => Promise<string[]>;

const sourcesFrom = (text: string) => backupRequestSources({ resolveVariable: async () => text });

/** Serverless without its telemetry and update notices: nothing leaves the machine. */
const QUIET_SERVERLESS = { SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };

/** The "Backup Requested" rule's EventPattern as `serverless print` resolves it, with the given environment. */
function eventPatternWith(env: Record<string, string>): Promise<unknown> {
  const path = 'resources.Resources.BackupRequestedRule.Properties.EventPattern';
  return new Promise((resolve, reject) => {
    execFile(
      join(ROOT, 'node_modules', '.bin', 'serverless'),
      ['print', '--stage', 'dev', '--format', 'json', '--path', path],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...QUIET_SERVERLESS, ...env } },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('the "Backup Requested" rule matches only the configured sources', () => {
  it('renders the default source as a list in the event pattern', async () => {
    const pattern = await eventPatternWith({});
    expect(pattern).toEqual({ 'detail-type': ['Backup Requested'], source: ['backup-gateway.client'] });
  }, 60_000);

  it('renders BACKUP_REQUEST_SOURCES as a list in the event pattern', async () => {
    const sources = ['com.example.deployments', 'backup-gateway.client'];
    const pattern = await eventPatternWith({ BACKUP_REQUEST_SOURCES: JSON.stringify(sources) });
    expect(pattern).toEqual({ 'detail-type': ['Backup Requested'], source: sources });
  }, 60_000);

  it.each([
    ['not JSON', 'com.example.deployments', 'it is not JSON'],
    ['an empty list', '[]', 'it is not a list with at least one source'],
    ['a single string', '"com.example.deployments"', 'it is not a list with at least one source'],
    ['an empty name', '["ok", " "]', 'every source must be a non-empty string'],
  ])('stops a deployment whose BACKUP_REQUEST_SOURCES is %s, naming the variable', async (_, text, why) => {
    const rule = 'BACKUP_REQUEST_SOURCES must be a JSON list of EventBridge source names';
    await expect(sourcesFrom(text)).rejects.toThrow(rule);
    await expect(sourcesFrom(text)).rejects.toThrow(why);
  });
});
