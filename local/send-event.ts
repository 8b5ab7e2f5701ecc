import { parseArgs } from 'node:util';
import { backupRequestedEvent, lambdaContext, scheduledEvent, sqsEvent, sqsRecord } from './events';
import { jsonSyntaxError } from './json-syntax';

/**
 * Sends a queue-shaped or schedule-shaped event to its handler, in this process, with the environment of the
 * shell (point it at `npm start`'s stand-in and DynamoDB, or any other), and prints the handler's answer.
 * With `--print`, prints the event instead, for `serverless invoke local --data` or serverless-offline's Lambda
 * endpoint. Exits 2 when the command line is wrong, 1 when the handler fails.
 */
const USAGE = `usage:
  npx tsx local/send-event.ts queue '<unified request JSON>' [--eventbridge] [--message-id ID] [--print]
  npx tsx local/send-event.ts schedule [--time 2026-11-24T02:00:00Z] [--event-id ID] [--print]
  npx tsx local/send-event.ts --help`;

const LAMBDA_TIMEOUTS_MS = { createBackupFromQueue: 60_000, scheduledBackups: 300_000 };
/** Characters of a bad argument shown on each side of the mistake. */
const EXCERPT_RADIUS = 30;

/** A command line this script cannot run: the message goes out with the usage. */
class UsageError extends Error {}

/**
 * Where a JSON argument goes wrong, on three lines: what, a short excerpt, and a caret under the mistake; the
 * parser's own message when the mistake cannot be placed.
 *
 * @example
 * notJson('the request', '{"engine":"dds",}', error.message)
 * // → the request is not JSON: at character 17, "}" cannot be there
 * //     {"engine":"dds",}
 * //                     ^
 */
function notJson(argumentName: string, text: string, parserMessage: string): string {
  const mistake = jsonSyntaxError(text);
  if (!mistake) return `${argumentName} is not JSON: ${parserMessage}`;
  const from = Math.max(0, mistake.offset - EXCERPT_RADIUS);
  const to = Math.min(text.length, mistake.offset + EXCERPT_RADIUS);
  // One line, so that the caret stays under its character: line breaks and tabs show as spaces.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced.
  const shown = text.slice(from, to).replace(/[\u0000-\u001f]/g, ' ');
  const excerpt = `${from > 0 ? '…' : ''}${shown}${to < text.length ? '…' : ''}`;
  const caretColumn = mistake.offset - from + (from > 0 ? 1 : 0);
  const what = mistake.found === 'end of input' ? 'it ends too early' : `${mistake.found} cannot be there`;
  return [
    `${argumentName} is not JSON: at character ${mistake.offset + 1}, ${what}`,
    `  ${excerpt}`,
    `  ${' '.repeat(caretColumn)}^`,
  ].join('\n');
}

function eventFor(
  trigger: string | undefined,
  body: string | undefined,
  options: Record<string, string | boolean | undefined>,
) {
  const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  if (trigger === 'queue') {
    if (body === undefined) throw new UsageError('queue needs the unified request, as JSON, after it');
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch (error) {
      throw new UsageError(notJson('the request (the argument after "queue")', body, (error as Error).message));
    }
    const message = options.eventbridge ? backupRequestedEvent(request) : request;
    const event = sqsEvent(sqsRecord({ body: message, messageId: text('message-id') }));
    return { functionName: 'createBackupFromQueue' as const, event };
  }
  if (trigger === 'schedule') {
    const event = scheduledEvent({ id: text('event-id'), time: text('time') });
    return { functionName: 'scheduledBackups' as const, event };
  }
  const named = trigger === undefined ? 'name the trigger' : `unknown trigger ${JSON.stringify(trigger)}`;
  throw new UsageError(`${named}: queue or schedule`);
}

async function main(): Promise<number> {
  let built: ReturnType<typeof eventFor>;
  let print: boolean | undefined;
  try {
    const { positionals, values } = parseArgs({
      allowPositionals: true,
      options: {
        eventbridge: { type: 'boolean' },
        'message-id': { type: 'string' },
        'event-id': { type: 'string' },
        time: { type: 'string' },
        print: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    built = eventFor(positionals[0], positionals[1], values);
    print = values.print;
  } catch (error) {
    // parseArgs reports an unknown option or a missing value with a TypeError carrying an ERR_PARSE_ARGS_* code.
    const code = String((error as { code?: unknown }).code);
    const isUsage = error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS_');
    if (!isUsage) throw error;
    console.error(`send-event: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { functionName, event } = built;
  if (print) {
    console.log(JSON.stringify(event));
    return 0;
  }
  // Loaded only now: a handler reads its configuration when it is loaded.
  const { handler } = await import(`../functions/${functionName}/handler`);
  const context = lambdaContext({
    functionName: `backup-gateway-local-${functionName}`,
    remainingMs: LAMBDA_TIMEOUTS_MS[functionName],
  });
  console.log(JSON.stringify(await handler(event, context), null, 2));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error & { detail?: string }) => {
    console.error(error.detail ?? error.message);
    process.exitCode = 1;
  },
);
