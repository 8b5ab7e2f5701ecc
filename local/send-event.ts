import { parseArgs } from 'node:util';
import { backupRequestedEvent, lambdaContext, scheduledEvent, sqsEvent, sqsRecord } from './events';

/**
 * Sends a queue-shaped or schedule-shaped event to its handler, in this process, with the environment of the
 * shell (point it at `npm start`'s stand-in and DynamoDB, or any other), and prints the handler's answer.
 * With `--print`, prints the event instead, for `serverless invoke local --data`.
 */
const USAGE = `usage:
  tsx local/send-event.ts queue '<unified request JSON>' [--eventbridge] [--message-id ID] [--print]
  tsx local/send-event.ts schedule [--time 2026-11-24T02:00:00Z] [--event-id ID] [--print]`;

const LAMBDA_TIMEOUTS_MS = { createBackupFromQueue: 60_000, scheduledBackups: 300_000 };

function eventFor(trigger: string | undefined, body: string | undefined, options: Record<string, string | boolean | undefined>) {
  const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  if (trigger === 'queue' && body !== undefined) {
    const request: unknown = JSON.parse(body);
    const message = options.eventbridge ? backupRequestedEvent(request) : request;
    return { functionName: 'createBackupFromQueue' as const, event: sqsEvent(sqsRecord({ body: message, messageId: text('message-id') })) };
  }
  if (trigger === 'schedule') {
    return { functionName: 'scheduledBackups' as const, event: scheduledEvent({ id: text('event-id'), time: text('time') }) };
  }
  throw new Error(USAGE);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      eventbridge: { type: 'boolean' },
      'message-id': { type: 'string' },
      'event-id': { type: 'string' },
      time: { type: 'string' },
      print: { type: 'boolean' },
    },
  });
  const { functionName, event } = eventFor(positionals[0], positionals[1], values);
  if (values.print) {
    console.log(JSON.stringify(event));
    return;
  }
  // Loaded only now: a handler reads its configuration when it is loaded.
  const { handler } = await import(`../functions/${functionName}/handler`);
  const answer = await handler(event, lambdaContext({ functionName: `backup-gateway-local-${functionName}`, remainingMs: LAMBDA_TIMEOUTS_MS[functionName] }));
  console.log(JSON.stringify(answer, null, 2));
}

main().catch((error: Error & { detail?: string }) => {
  console.error(error.detail ?? error.message);
  process.exitCode = 1;
});
