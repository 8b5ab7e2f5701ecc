/**
 * The gateway's command-line client, so that CI pipelines and people need not write the signing code themselves:
 * requests a backup and, with `--wait`, follows it until it is COMPLETED or FAILED; shows one backup or the most
 * recent ones. Every request is signed with `WEBHOOK_SIGNING_SECRET`. Exit codes: 0 done, 1 refused, failed or
 * uncertain, 2 a wrong command line or environment, 3 gave up waiting.
 *
 * @example
 * WEBHOOK_SIGNING_SECRET=… npm run backup -- --engine dds --instance a89dab5e39394eccbdb77b19d57b0180in02 --wait
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { DEFAULT_LIST_LIMIT, isGatewayId, isListLimit, MAX_LIST_LIMIT } from '../shared/backup-status';
import { commaSeparated } from '../shared/config';
import { isFinal, type BackupRecord } from '../shared/domain/backup-record';
import { ENGINES, idempotencyKeySchema } from '../shared/domain/backup-request';
import {
  describeAnswer,
  gatewayBaseUrl,
  gatewayClient,
  problemOf,
  type CallOutcome,
  type GatewayClient,
} from './backup-client';
import { formatElapsed, progressReporter } from './backup-progress';

const EXIT = { done: 0, failed: 1, usage: 2, timedOut: 3 } as const;

/** Without `--wait`: how long to wait for the answer (with it: for each answer). */
const DEFAULT_TIMEOUT_SECONDS = 60;
/** An hour is longer than any gateway waits; far longer values would overflow Node's timers. */
const MAX_TIMEOUT_SECONDS = 3600;
/** With `--wait`: how long to wait for the backup to end, all told. */
const DEFAULT_WAIT_SECONDS = 3600;
/** A week: longer than the gateway follows a backup (6 hours unless configured otherwise). */
const MAX_WAIT_SECONDS = 7 * 24 * 3600;
const DEFAULT_INTERVAL_SECONDS = 10;
const MIN_INTERVAL_SECONDS = 1;
/** An argument a shell takes as it is, unquoted. */
const SHELL_SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

const USAGE = `Usage: npm run backup -- --engine <${ENGINES.join('|')}> --instance <instance-id>
                         [--name <name>] [--description <text>] [--db <name1,name2>] [--idempotency-key <key>]
                         [--wait [--interval <seconds>]] [--timeout <seconds>] [--url <gateway URL>]
       npm run backup -- status <backupId> [--wait [--interval <seconds>]] [--timeout <seconds>]
                         [--url <gateway URL>]
       npm run backup -- list [--instance <instance-id>] [--limit <1-${MAX_LIST_LIMIT}>] [--timeout <seconds>]
                         [--url <gateway URL>]

Requests a backup (POST <url>/backups) and prints it as JSON; status prints one backup
(GET <url>/backups/<backupId>), list the gateway's most recent backups, newest first (GET <url>/backups;
--limit default ${DEFAULT_LIST_LIMIT}). Every request is signed with WEBHOOK_SIGNING_SECRET (the first one, when it
lists several); --url defaults to BACKUP_GATEWAY_URL, else http://localhost:3000.

  --idempotency-key <key>
      Sent as the Idempotency-Key header: the gateway creates at most one backup per key. Without it, each run
      makes a new key; when the outcome is uncertain (the backup may exist), the command that repeats the
      request safely, with that key, goes to stderr.
  --wait
      Waits until the backup is COMPLETED or FAILED; its status and the time elapsed go to stderr, the final
      record to stdout.
  --interval <seconds>
      How often --wait asks for the status: default ${DEFAULT_INTERVAL_SECONDS}, at least ${MIN_INTERVAL_SECONDS}.
  --timeout <seconds>
      With --wait: the whole wait (default ${DEFAULT_WAIT_SECONDS}, i.e. 60 min; at most ${MAX_WAIT_SECONDS}).
      Without: the wait for the answer (default ${DEFAULT_TIMEOUT_SECONDS}; at most ${MAX_TIMEOUT_SECONDS}).

Exit codes: 0 created, shown, or with --wait COMPLETED; 1 refused, failed or uncertain (with --wait also FAILED,
DELETING or UNKNOWN); 2 a wrong command line or environment; 3 gave up waiting (the backup goes on: follow it with
status <backupId> --wait).`;

const OPTIONS = {
  engine: { type: 'string' },
  instance: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  db: { type: 'string' },
  'idempotency-key': { type: 'string' },
  wait: { type: 'boolean' },
  interval: { type: 'string' },
  limit: { type: 'string' },
  timeout: { type: 'string' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Command = 'create' | 'status' | 'list';
type OptionName = keyof typeof OPTIONS;

const EVERY_COMMAND: OptionName[] = ['timeout', 'url', 'help'];
const OPTIONS_OF: Record<Command, readonly OptionName[]> = {
  create: ['engine', 'instance', 'name', 'description', 'db', 'idempotency-key', 'wait', 'interval', ...EVERY_COMMAND],
  status: ['wait', 'interval', ...EVERY_COMMAND],
  list: ['instance', 'limit', ...EVERY_COMMAND],
};

/** How long a wait may go on, and how often it asks. */
interface WaitPlan {
  startedAt: number;
  deadline: number;
  intervalMs: number;
  /** The arguments that go on waiting for a backup: `status <backupId> --wait` and these. */
  followArgs: string[];
}

interface Common {
  gatewayUrl: string;
  /** The longest wait for one answer. */
  requestTimeoutMs: number;
}

type Invocation = Common &
  (
    | {
        command: 'create';
        body: Record<string, unknown>;
        idempotencyKey: string;
        /** The command line that repeats this request with its idempotency key. */
        repeatArgs: string[];
        wait?: WaitPlan;
      }
    | { command: 'status'; backupId: string; wait?: WaitPlan }
    | { command: 'list'; query: URLSearchParams }
  );

/** What `GET /backups/{id}` answers, as far as waiting needs it. */
type BackupView = Pick<BackupRecord, 'backupId' | 'status' | 'reason'>;

const say = (message: string) => process.stderr.write(`backup: ${message}\n`);
const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const isSuccess = (status: number) => status >= 200 && status <= 299;
const shellQuoted = (arg: string) => (SHELL_SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
const commandLine = (args: string[]) => `npm run backup -- ${args.map(shellQuoted).join(' ')}`;

function secondsOf(option: string, value: string, rule: string, isAllowed: (seconds: number) => boolean): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || !isAllowed(seconds)) {
    throw new Error(`--${option} must be ${rule} (it is ${JSON.stringify(value)})`);
  }
  return seconds * 1000;
}

/** The command line read and checked; `'help'` when it asks for the usage. Throws what is wrong with it. */
function invocationFrom(argv: string[], startedAt: number): Invocation | 'help' {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help) return 'help';
  const first = positionals.at(0);
  const operands = positionals.slice(1);
  if (first !== undefined && first !== 'status' && first !== 'list') {
    const commands = 'use status or list, or options alone to ask for a backup';
    throw new Error(`unknown command ${JSON.stringify(first)}: ${commands}`);
  }
  const command: Command = first ?? 'create';
  const commandName = command === 'create' ? 'a backup request' : command;
  for (const given of Object.keys(values) as OptionName[]) {
    if (!OPTIONS_OF[command].includes(given)) throw new Error(`--${given} does not go with ${commandName}`);
  }
  if (values.interval !== undefined && !values.wait) throw new Error('--interval goes with --wait');

  const maxTimeout = values.wait ? MAX_WAIT_SECONDS : MAX_TIMEOUT_SECONDS;
  const timeoutRule = `a number of seconds above 0 and at most ${maxTimeout}`;
  const timeoutMs =
    values.timeout === undefined
      ? (values.wait ? DEFAULT_WAIT_SECONDS : DEFAULT_TIMEOUT_SECONDS) * 1000
      : secondsOf('timeout', values.timeout, timeoutRule, (s) => s > 0 && s <= maxTimeout);
  const intervalRule = `a number of seconds of at least ${MIN_INTERVAL_SECONDS} and at most ${MAX_TIMEOUT_SECONDS}`;
  const isInterval = (seconds: number) => seconds >= MIN_INTERVAL_SECONDS && seconds <= MAX_TIMEOUT_SECONDS;
  const wait: WaitPlan | undefined = values.wait
    ? {
        startedAt,
        deadline: startedAt + timeoutMs,
        intervalMs:
          values.interval === undefined
            ? DEFAULT_INTERVAL_SECONDS * 1000
            : secondsOf('interval', values.interval, intervalRule, isInterval),
        followArgs: [
          ...(values.interval !== undefined ? ['--interval', values.interval] : []),
          ...(values.url !== undefined ? ['--url', values.url] : []),
        ],
      }
    : undefined;
  const common: Common = {
    gatewayUrl: values.url ?? process.env.BACKUP_GATEWAY_URL ?? 'http://localhost:3000',
    requestTimeoutMs: wait ? DEFAULT_TIMEOUT_SECONDS * 1000 : timeoutMs,
  };

  if (command === 'status') {
    const [backupId, ...extra] = operands;
    if (backupId === undefined || extra.length > 0 || !isGatewayId(backupId)) {
      throw new Error(
        'status takes one backup id (1 to 128 letters, digits, - and _): the "backupId" a request answered',
      );
    }
    return { ...common, command, backupId, ...(wait && { wait }) };
  }
  if (operands.length > 0) throw new Error(`${commandName} takes no ${JSON.stringify(operands[0])}`);
  if (command === 'list') {
    const { instance, limit } = values;
    if (limit !== undefined && !isListLimit(limit)) {
      throw new Error(`--limit must be a whole number from 1 to ${MAX_LIST_LIMIT} (it is ${JSON.stringify(limit)})`);
    }
    const query = new URLSearchParams({
      ...(instance !== undefined && { instanceId: instance }),
      ...(limit !== undefined && { limit }),
    });
    return { ...common, command, query };
  }

  if (!values.engine || !values.instance) throw new Error('--engine and --instance are required');
  const givenKey = values['idempotency-key'];
  if (givenKey !== undefined) {
    const checked = v.safeParse(idempotencyKeySchema, givenKey);
    if (!checked.success) throw new Error(`--idempotency-key ${checked.issues[0].message}`);
  }
  const idempotencyKey = givenKey ?? randomUUID();
  const body = {
    engine: values.engine,
    instanceId: values.instance,
    ...(values.name !== undefined && { name: values.name }),
    ...(values.description !== undefined && { description: values.description }),
    ...(values.db !== undefined && { databases: values.db.split(',').map((database) => database.trim()) }),
  };
  const repeatArgs = givenKey === undefined ? [...argv, '--idempotency-key', idempotencyKey] : argv;
  return { ...common, command, body, idempotencyKey, repeatArgs, ...(wait && { wait }) };
}

/**
 * `POST /backups`; with `--wait`, then follows the backup. An outcome that may have created the backup ends with
 * the command that repeats the request with the same key: the gateway answers it with that backup if it exists,
 * and never creates a second one.
 */
async function requestBackup(
  gateway: GatewayClient,
  invocation: Extract<Invocation, { command: 'create' }>,
): Promise<number> {
  const { body, idempotencyKey, repeatArgs, wait } = invocation;
  const url = gateway.urlOf('backups').href;
  const outcome = await gateway.call({
    method: 'POST',
    path: 'backups',
    body,
    headers: { 'Idempotency-Key': idempotencyKey },
    timeoutMs: requestTimeoutOf(invocation),
  });
  const sayHowToRepeat = () =>
    say(`to repeat the request safely (at most one backup per idempotency key), run:\n  ${commandLine(repeatArgs)}`);
  if (!outcome.answered) {
    if (!outcome.requestSent) {
      say(`could not reach the gateway at ${url} (${outcome.reason}); no backup was requested`);
      return EXIT.failed;
    }
    say(`the request was sent to ${url} but no answer came (${outcome.reason}): the backup may have been created`);
    sayHowToRepeat();
    return EXIT.failed;
  }
  if (!isSuccess(outcome.status)) {
    say(`the gateway refused or failed: ${describeAnswer(outcome.status, outcome.text)}`);
    const problem = problemOf(outcome.text);
    // A repeat while the first request still runs is answered with its result once it has one.
    if (problem.backupMayExist === true || problem.code === 'idempotency_key_in_progress') sayHowToRepeat();
    return EXIT.failed;
  }
  const created = JSON.parse(outcome.text) as BackupView;
  if (!wait) {
    printJson(created);
    return EXIT.done;
  }
  return waitUntilDone(gateway, created.backupId, wait, invocation.requestTimeoutMs, created);
}

/** The wait for one answer: the request timeout, and no longer than the whole wait has left. */
function requestTimeoutOf({ requestTimeoutMs, wait }: { requestTimeoutMs: number; wait?: WaitPlan }): number {
  return wait ? Math.max(1, Math.min(requestTimeoutMs, wait.deadline - Date.now())) : requestTimeoutMs;
}

type Poll = { kind: 'record'; record: BackupView } | { kind: 'retry'; trouble: string } | { kind: 'stop'; why: string };

/** What one `GET /backups/{id}` means for a wait: a status, a passing trouble (asked again), or the end. */
function pollOf(outcome: CallOutcome): Poll {
  if (!outcome.answered) return { kind: 'retry', trouble: `no answer (${outcome.reason})` };
  if (outcome.status === 200) {
    try {
      return { kind: 'record', record: JSON.parse(outcome.text) as BackupView };
    } catch {
      return { kind: 'retry', trouble: 'the gateway answered 200 with something other than JSON' };
    }
  }
  // Throttling and server trouble pass; a 404 or a refused signature will not change by asking again.
  if (outcome.status === 429 || outcome.status >= 500) {
    const title = problemOf(outcome.text).title;
    return { kind: 'retry', trouble: `the gateway answered ${outcome.status}${title ? ` ${title}` : ''}` };
  }
  return { kind: 'stop', why: describeAnswer(outcome.status, outcome.text) };
}

/**
 * Asks for the backup at once and then every interval until it is COMPLETED (exit 0), ends otherwise (1), cannot
 * be asked about (1), or the wait is over (3). The last record seen (at first: `known`, the create's answer) goes
 * to stdout.
 */
async function waitUntilDone(
  gateway: GatewayClient,
  backupId: string,
  wait: WaitPlan,
  requestTimeoutMs: number,
  known?: BackupView,
): Promise<number> {
  const path = `backups/${encodeURIComponent(backupId)}`;
  const progress = progressReporter(process.stderr, `backup ${backupId}`, wait.startedAt);
  let latest = known;
  for (;;) {
    const timeoutMs = requestTimeoutOf({ requestTimeoutMs, wait });
    const poll = pollOf(await gateway.call({ method: 'GET', path, timeoutMs }));
    if (poll.kind === 'stop') {
      progress.end();
      say(`stopped waiting: ${poll.why}`);
      return EXIT.failed;
    }
    if (poll.kind === 'record') {
      latest = poll.record;
      progress.update(latest.status);
      if (isFinal(latest.status)) break;
    } else {
      const trouble = `asking again in ${formatElapsed(wait.intervalMs)}: ${poll.trouble}`;
      progress.update(latest?.status ?? 'status not known yet', trouble);
    }
    const left = wait.deadline - Date.now();
    await sleep(Math.max(0, Math.min(wait.intervalMs, left)));
    if (left <= wait.intervalMs) break;
  }
  progress.end();
  if (latest) printJson(latest);
  if (latest?.status === 'COMPLETED') return EXIT.done;
  // Any other final status ends the wait without the backup: it failed, is being deleted, or tracking gave up.
  if (latest && isFinal(latest.status)) {
    say(`backup ${backupId} ended ${latest.status}${latest.reason ? `: ${latest.reason}` : ''}`);
    return EXIT.failed;
  }
  say(
    `gave up waiting after ${formatElapsed(Date.now() - wait.startedAt)}: backup ${backupId} is ` +
      `${latest ? `still ${latest.status}` : 'of unknown status'}; to go on waiting, run:\n` +
      `  ${commandLine(['status', backupId, '--wait', ...wait.followArgs])}`,
  );
  return EXIT.timedOut;
}

/** `GET` of a status or a list: the answer printed, or why there is none. */
async function show(gateway: GatewayClient, path: string, timeoutMs: number, query?: URLSearchParams): Promise<number> {
  const outcome = await gateway.call({ method: 'GET', path, timeoutMs, ...(query && { query }) });
  if (!outcome.answered) {
    say(`no answer from the gateway at ${gateway.urlOf(path).href} (${outcome.reason})`);
    return EXIT.failed;
  }
  if (!isSuccess(outcome.status)) {
    say(`the gateway refused or failed: ${describeAnswer(outcome.status, outcome.text)}`);
    return EXIT.failed;
  }
  printJson(JSON.parse(outcome.text));
  return EXIT.done;
}

async function main(argv: string[]): Promise<number> {
  let invocation: Invocation;
  let gateway: GatewayClient;
  try {
    const asked = invocationFrom(argv, Date.now());
    if (asked === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.done;
    }
    invocation = asked;
    const [secret] = commaSeparated(process.env.WEBHOOK_SIGNING_SECRET);
    if (!secret) {
      throw new Error('WEBHOOK_SIGNING_SECRET is not set: export the secret the gateway verifies webhooks with');
    }
    gateway = gatewayClient(gatewayBaseUrl(invocation.gatewayUrl), secret);
  } catch (error) {
    say(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }

  switch (invocation.command) {
    case 'create':
      return requestBackup(gateway, invocation);
    case 'status':
      return invocation.wait
        ? waitUntilDone(gateway, invocation.backupId, invocation.wait, invocation.requestTimeoutMs)
        : show(gateway, `backups/${invocation.backupId}`, invocation.requestTimeoutMs);
    case 'list':
      return show(gateway, 'backups', invocation.requestTimeoutMs, invocation.query);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
