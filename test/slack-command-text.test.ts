import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidCommandError } from '../shared/errors';
import {
  COMMAND_GRAMMAR,
  LIST_GRAMMAR,
  STATUS_GRAMMAR,
  isHelpRequest,
  parseCommandText,
} from '../shared/slack/command-text';
import { slackDeadline, SLACK_ANSWER_BUDGET_MS } from '../shared/slack/slash-command';

const ID = 'a89dab5e39394eccbdb77b19d57b0180in02';

describe('slash command grammar', () => {
  it.each([
    ['engine and instance', `dds ${ID}`, { engine: 'dds', instanceId: ID }],
    ['with a name', `dds ${ID} nightly-01`, { engine: 'dds', instanceId: ID, name: 'nightly-01' }],
    ['engine in any case (validation lower-cases it)', `MySQL ${ID}`, { engine: 'MySQL', instanceId: ID }],
    [
      'extra blanks around and between words',
      `   dds\t ${ID}   nightly-01  `,
      { engine: 'dds', instanceId: ID, name: 'nightly-01' },
    ],
    [
      'a quoted description keeps its spaces',
      `dds ${ID} --desc "before  the upgrade "`,
      { engine: 'dds', instanceId: ID, description: 'before  the upgrade ' },
    ],
    [
      'typographic quotes',
      `dds ${ID} --desc “before the upgrade”`,
      { engine: 'dds', instanceId: ID, description: 'before the upgrade' },
    ],
    [
      'an unquoted one-word description',
      `dds ${ID} --desc nightly`,
      { engine: 'dds', instanceId: ID, description: 'nightly' },
    ],
    ['an empty quoted description', `dds ${ID} --desc ""`, { engine: 'dds', instanceId: ID, description: '' }],
    [
      'a quoted description that starts with --',
      `dds ${ID} --desc "--not a flag"`,
      { engine: 'dds', instanceId: ID, description: '--not a flag' },
    ],
    ['databases', `sqlserver ${ID} --db sales,hr`, { engine: 'sqlserver', instanceId: ID, databases: ['sales', 'hr'] }],
    [
      'quoted databases with blanks',
      `sqlserver ${ID} --db "sales, hr"`,
      { engine: 'sqlserver', instanceId: ID, databases: ['sales', 'hr'] },
    ],
    [
      'an empty database name is passed on for validation to name',
      `sqlserver ${ID} --db sales,,hr`,
      { engine: 'sqlserver', instanceId: ID, databases: ['sales', '', 'hr'] },
    ],
    [
      'every part, options first',
      `--db sales --desc "pre upgrade" sqlserver ${ID} nightly-01`,
      { engine: 'sqlserver', instanceId: ID, name: 'nightly-01', description: 'pre upgrade', databases: ['sales'] },
    ],
    [
      "Slack's escapes undone, so validation sees what was typed",
      `dds ${ID} --desc "a &amp; b &lt;c&gt;"`,
      { engine: 'dds', instanceId: ID, description: 'a & b <c>' },
    ],
  ])('reads %s', (_, text, expected) => {
    expect(parseCommandText(text)).toEqual(expected);
  });

  it.each([
    ['only an engine', 'dds', 'give at least an engine and an instance ID'],
    [
      'an unquoted description',
      `dds ${ID} nightly-01 before the upgrade`,
      'unexpected "before" after the name (quote a description with spaces: --desc "text")',
    ],
    ['an unknown option', `dds ${ID} --force`, 'unknown option --force (the options are --desc and --db)'],
    [
      'an option spelled with =',
      `dds ${ID} --desc=nightly`,
      'unknown option --desc=nightly (the options are --desc and --db)',
    ],
    ['an option without its value', `dds ${ID} --desc`, '--desc needs a value'],
    ['an option followed by another', `sqlserver ${ID} --desc --db sales`, '--desc needs a value'],
    ['an option given twice', `sqlserver ${ID} --db a --db b`, '--db is given twice'],
    [
      'a quote never closed',
      `dds ${ID} --desc "before the upgrade`,
      'the quote before "before the upgrade" is never closed',
    ],
  ])('refuses %s with the rule it breaks', (_, text, detail) => {
    expect(() => parseCommandText(text)).toThrow(InvalidCommandError);
    expect(() => parseCommandText(text)).toThrow(detail);
  });

  it.each([
    ['an unexpected word', `dds ${ID} nightly-01 ${'w'.repeat(10_000)}`, `unexpected "${'w'.repeat(40)}…" after`],
    ['an unknown option', `dds ${ID} --${'o'.repeat(10_000)}`, `unknown option --${'o'.repeat(38)}… (the options`],
    ['a quote never closed', `dds ${ID} --desc "${'q'.repeat(10_000)}`, `the quote before "${'q'.repeat(40)}…" is`],
  ])('quotes only an excerpt of %s', (_, text, excerpt) => {
    let refusal: InvalidCommandError | undefined;
    try {
      parseCommandText(text);
    } catch (error) {
      refusal = error as InvalidCommandError;
    }
    expect(refusal?.detail).toContain(excerpt);
    expect(refusal?.detail.length).toBeLessThan(120);
  });

  it('reads a line of many quoted words, each closed by the next quote', () => {
    const words = Array.from({ length: 10_000 }, (_, i) => `"w${i}"`).join('');
    expect(() => parseCommandText(`dds ${ID} nightly-01 ${words}`)).toThrow('unexpected "w0" after the name');
  });

  it.each([
    ['help', true],
    ['  HELP ', true],
    ['', true],
    ['help dds', false],
    ['helpdesk', false],
    [`dds ${ID}`, false],
  ])('"%s" asks for help: %s', (text, expected) => {
    expect(isHelpRequest(text)).toBe(expected);
  });
});

describe('the Slack app manifest', () => {
  it('offers the grammar the command reads, at the path serverless.yml routes to slackCommand', () => {
    const manifest = readFileSync(join(__dirname, '../slack-app-manifest.yaml'), 'utf8');
    expect(manifest).toContain(`usage_hint: ${COMMAND_GRAMMAR} | ${STATUS_GRAMMAR} | ${LIST_GRAMMAR} | help`);
    expect(manifest).toMatch(/url: https:\/\/\S+\/slack\/commands\n/);
    const serverless = readFileSync(join(__dirname, '../serverless.yml'), 'utf8');
    expect(serverless).toMatch(
      /handler: functions\/slackCommand\/handler\.handler[\s\S]*method: POST\n\s+path: \/slack\/commands/,
    );
  });
});

describe('slackDeadline', () => {
  const now = 1_795_558_500_000;
  it.each([
    ['a warm start: the whole budget', now, 25_000, now + SLACK_ANSWER_BUDGET_MS],
    [
      'a cold start that took 1.2 s: what is left of the budget',
      now - 1_200,
      25_000,
      now - 1_200 + SLACK_ANSWER_BUDGET_MS,
    ],
    ['a Lambda about to end: its own end', now, 800, now + 800],
    ['no arrival time: counted from now', undefined, 25_000, now + SLACK_ANSWER_BUDGET_MS],
    ['an arrival time ahead of our clock: counted from now', now + 5_000, 25_000, now + SLACK_ANSWER_BUDGET_MS],
  ])('%s', (_, arrivedAt, remainingMs, expected) => {
    expect(slackDeadline(arrivedAt, remainingMs, now)).toBe(expected);
  });
});
