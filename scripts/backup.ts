/**
 * Asks the gateway for one backup, signed with `WEBHOOK_SIGNING_SECRET`, so that CI pipelines and people need not
 * write the signing code themselves. Prints the created backup as JSON; exits 1 when the gateway refuses or
 * fails, or gives no answer in time, 2 when the command line or the environment is wrong.
 *
 * @example
 * WEBHOOK_SIGNING_SECRET=… npm run backup -- --engine dds --instance a89dab5e39394eccbdb77b19d57b0180in02 --name before-upgrade
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import { WEBHOOK_SIGNATURE, signedHeaders } from '../shared/auth/hmac';
import { commaSeparated } from '../shared/config';
import { ENGINES } from '../shared/domain/backup-request';

const DEFAULT_TIMEOUT_SECONDS = 60;
/** An hour is longer than any gateway waits; far longer values would overflow Node's timers. */
const MAX_TIMEOUT_SECONDS = 3600;

const USAGE = `Usage: npm run backup -- --engine <${ENGINES.join('|')}> --instance <instance-id>
                         [--name <name>] [--description <text>] [--db <name1,name2>] [--url <gateway URL>]
                         [--timeout <seconds>]

Signs the request with WEBHOOK_SIGNING_SECRET (the first one, when it lists several) and sends it to
POST <url>/backups; --url defaults to BACKUP_GATEWAY_URL, else http://localhost:3000. Waits at most
--timeout seconds (default ${DEFAULT_TIMEOUT_SECONDS}) for the answer.`;

interface BackupCall {
  url: URL;
  body: Record<string, unknown>;
  timeoutMs: number;
}

/** How the call ended: with an answer, or without one, knowing whether the request had been sent. */
type Outcome =
  | { answered: true; status: number; text: string }
  | { answered: false; requestSent: boolean; reason: string };

function timeoutFrom(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    const rule = `a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}`;
    throw new Error(`--timeout must be ${rule} (it is ${JSON.stringify(value)})`);
  }
  return seconds * 1000;
}

/** The request the command line asks for; `undefined` when it asks for the usage. */
function requestFrom(argv: string[]): BackupCall | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      engine: { type: 'string' },
      instance: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      db: { type: 'string' },
      url: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  if (!values.engine || !values.instance) throw new Error('--engine and --instance are required');
  const timeoutMs = timeoutFrom(values.timeout);
  const base = values.url ?? process.env.BACKUP_GATEWAY_URL ?? 'http://localhost:3000';
  let url: URL;
  try {
    // Relative to the base with a trailing slash, so a base with a path (a stage, a custom domain's mapping) keeps it.
    url = new URL('backups', base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new Error(`the gateway URL ${JSON.stringify(base)} is not a URL`);
  }
  const body = {
    engine: values.engine,
    instanceId: values.instance,
    ...(values.name !== undefined && { name: values.name }),
    ...(values.description !== undefined && { description: values.description }),
    ...(values.db !== undefined && { databases: values.db.split(',').map((database) => database.trim()) }),
  };
  return { url, body, timeoutMs };
}

/**
 * POSTs the payload and waits for the whole answer, at most `timeoutMs`. Node's own HTTP client rather than
 * `fetch`, because only it tells whether the request had left (`finish`) when no answer came: then the gateway
 * may have acted on it.
 */
function post(url: URL, headers: Record<string, string>, payload: Buffer, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let requestSent = false;
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers });
    const timer = setTimeout(() => request.destroy(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    const noAnswer = (error: Error & { cause?: Error }) => {
      clearTimeout(timer);
      resolve({ answered: false, requestSent, reason: error.cause?.message ?? error.message });
    };
    request.on('finish', () => (requestSent = true));
    request.on('error', noAnswer);
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', noAnswer);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ answered: true, status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end(payload);
  });
}

/** What a problem+json answer says, one rule a line. */
function describeProblem(status: number, text: string): string {
  try {
    const problem = JSON.parse(text) as { title?: string; detail?: string; errors?: Array<{ field: string; message: string }> };
    const rules = (problem.errors ?? []).map(({ field, message }) => `  - ${field ? `${field}: ` : ''}${message}`);
    const head = `${status} ${problem.title ?? 'error'}`;
    // The detail of an invalid request repeats its rules, which follow one per line.
    return rules.length > 0 ? [head, ...rules].join('\n') : `${head}: ${problem.detail ?? ''}`;
  } catch {
    return `${status}: ${text}`;
  }
}

async function main(): Promise<number> {
  let request: NonNullable<ReturnType<typeof requestFrom>>;
  let secret: string | undefined;
  try {
    const asked = requestFrom(process.argv.slice(2));
    if (!asked) {
      console.log(USAGE);
      return 0;
    }
    request = asked;
    [secret] = commaSeparated(process.env.WEBHOOK_SIGNING_SECRET);
    if (!secret) throw new Error('WEBHOOK_SIGNING_SECRET is not set: export the secret the gateway verifies webhooks with');
  } catch (error) {
    console.error(`backup: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }

  const payload = Buffer.from(JSON.stringify(request.body), 'utf8');
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(payload.length),
    ...signedHeaders(WEBHOOK_SIGNATURE, secret, payload, new Date()),
  };
  const outcome = await post(request.url, headers, payload, request.timeoutMs);
  if (!outcome.answered) {
    console.error(
      outcome.requestSent
        ? `backup: the request was sent to ${request.url.href} but no answer came (${outcome.reason}): ` +
            "the backup may have been created; check the instance's backups before asking again"
        : `backup: could not reach the gateway at ${request.url.href} (${outcome.reason}); no backup was requested`,
    );
    return 1;
  }
  if (outcome.status < 200 || outcome.status > 299) {
    console.error(`backup: the gateway refused or failed: ${describeProblem(outcome.status, outcome.text)}`);
    return 1;
  }
  console.log(JSON.stringify(JSON.parse(outcome.text), null, 2));
  return 0;
}

main().then((code) => {
  process.exitCode = code;
});
