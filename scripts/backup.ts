/**
 * Asks the gateway for one backup, signed with `WEBHOOK_SIGNING_SECRET`, so that CI pipelines and people need not
 * write the signing code themselves. Prints the created backup as JSON; exits 1 when the gateway refuses or
 * fails, 2 when the command line or the environment is wrong.
 *
 * @example
 * WEBHOOK_SIGNING_SECRET=… npm run backup -- --engine dds --instance a89dab5e39394eccbdb77b19d57b0180in02 --name before-upgrade
 */
import { parseArgs } from 'node:util';
import { WEBHOOK_SIGNATURE, signedHeaders } from '../shared/auth/hmac';
import { commaSeparated } from '../shared/config';
import { ENGINES } from '../shared/domain/backup-request';

const USAGE = `Usage: npm run backup -- --engine <${ENGINES.join('|')}> --instance <instance-id>
                         [--name <name>] [--description <text>] [--db <name1,name2>] [--url <gateway URL>]

Signs the request with WEBHOOK_SIGNING_SECRET (the first one, when it lists several) and sends it to
POST <url>/backups; --url defaults to BACKUP_GATEWAY_URL, else http://localhost:3000.`;

/** The request the command line asks for; `undefined` when it asks for the usage. */
function requestFrom(argv: string[]): { url: URL; body: Record<string, unknown> } | undefined {
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  if (!values.engine || !values.instance) throw new Error('--engine and --instance are required');
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
  return { url, body };
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
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...signedHeaders(WEBHOOK_SIGNATURE, secret, payload, new Date()) },
      body: payload,
    });
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    console.error(`backup: could not reach the gateway at ${request.url.href} (${reason}); no backup was requested`);
    return 1;
  }
  const text = await response.text();
  if (!response.ok) {
    console.error(`backup: the gateway refused or failed: ${describeProblem(response.status, text)}`);
    return 1;
  }
  console.log(JSON.stringify(JSON.parse(text), null, 2));
  return 0;
}

main().then((code) => {
  process.exitCode = code;
});
