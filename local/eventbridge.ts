import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback-server';

/**
 * A loopback stand-in for EventBridge's `PutEvents`, for `npm start` and the tests: it keeps every entry it is
 * sent (and prints it, for a person watching `npm start`), answering as EventBridge does. Point the gateway at it
 * with `AWS_ENDPOINT_URL_EVENTBRIDGE`.
 */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
}

export interface LocalEventBridge {
  url: string;
  readonly entries: PutEventsEntry[];
  /** The details of the entries of one detail type, parsed, in the order they came. */
  details(detailType: string): Array<Record<string, unknown>>;
  /** The next calls answer with these failures, one entry each (as PutEvents reports failed entries). */
  failNext(count: number): void;
  close(): Promise<void>;
}

/**
 * @example
 * const bus = await startLocalEventBridge({ print: (entry) => console.log(entry.DetailType, entry.Detail) });
 * process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus.url;
 */
export async function startLocalEventBridge({
  port = 0,
  print,
}: {
  port?: number;
  print?: (entry: PutEventsEntry) => void;
} = {}): Promise<LocalEventBridge> {
  const entries: PutEventsEntry[] = [];
  let failures = 0;
  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = JSON.parse((await readBody(req)) || '{}') as { Entries?: PutEventsEntry[] };
    res.setHeader('Content-Type', 'application/x-amz-json-1.1');
    if (target !== 'AWSEvents.PutEvents' || !Array.isArray(body.Entries)) {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `${target} is not served here` }));
      return;
    }
    const answers = body.Entries.map((entry) => {
      if (failures > 0) {
        failures--;
        return { ErrorCode: 'InternalException', ErrorMessage: 'scripted failure' };
      }
      entries.push(entry);
      print?.(entry);
      return { EventId: `local-${entries.length}` };
    });
    res.end(
      JSON.stringify({ FailedEntryCount: answers.filter((answer) => 'ErrorCode' in answer).length, Entries: answers }),
    );
  });
  const url = await listenOnLoopback(server, port);
  return {
    url,
    entries,
    details: (detailType) =>
      entries.filter((entry) => entry.DetailType === detailType).map((entry) => JSON.parse(entry.Detail)),
    failNext: (count) => {
      failures += count;
    },
    close: () => closeServer(server),
  };
}
