import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

/** Runs local/send-event.ts as a person would, in its own process; only what needs no handler. */
function sendEvent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'local/send-event.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH }, timeout: 15_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const USAGE_LINE =
  "npx tsx local/send-event.ts queue '<unified request JSON>' [--eventbridge] [--message-id ID] [--print]";

describe('local/send-event.ts', () => {
  it.each(['--help', '-h'])('prints the usage for %s and exits 0', async (flag) => {
    const run = await sendEvent([flag]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(USAGE_LINE);
  });

  it('names a bad JSON argument, shows where it goes wrong, and the usage', async () => {
    const run = await sendEvent(['queue', '{"engine":"dds",}', '--print']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      [
        'send-event: the request (the argument after "queue") is not JSON: at character 17, "}" cannot be there',
        '  {"engine":"dds",}',
        '                  ^',
      ].join('\n'),
    );
    expect(run.stderr).toContain(USAGE_LINE);
  });

  it('shows only a short excerpt of a long bad argument', async () => {
    const body = `{"engine":"dds","description":"${'x'.repeat(5_000)}" "name":"n"}`;
    const run = await sendEvent(['queue', body]);
    expect(run.code).toBe(2);
    const [message, excerpt, caret] = run.stderr.split('\n');
    expect(message).toContain('at character 5034, "\\"" cannot be there');
    expect(excerpt).toBe(`  …${'x'.repeat(28)}" "name":"n"}`);
    expect(caret).toBe(`  ${' '.repeat(31)}^`);
  });

  it.each([
    ['no trigger', [], 'name the trigger: queue or schedule'],
    ['an unknown trigger', ['cron'], 'unknown trigger "cron": queue or schedule'],
    ['a queue without its request', ['queue'], 'queue needs the unified request, as JSON, after it'],
    ['an unknown option', ['schedule', '--force'], "Unknown option '--force'"],
  ])('refuses %s with the usage and exit code 2', async (_, args, message) => {
    const run = await sendEvent(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`send-event: ${message}`);
    expect(run.stderr).toContain(USAGE_LINE);
  });

  it('prints a queue event with the request as its body', async () => {
    const run = await sendEvent(['queue', '{"engine":"dds","instanceId":"a89d"}', '--message-id', 'm-1', '--print']);
    expect(run.code).toBe(0);
    const record = { messageId: 'm-1', body: '{"engine":"dds","instanceId":"a89d"}' };
    expect(JSON.parse(run.stdout)).toMatchObject({ Records: [record] });
  });
});
