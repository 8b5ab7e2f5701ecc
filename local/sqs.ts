import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback-server';

/**
 * A loopback stand-in for SQS's `SendMessage` (AWS JSON protocol), for `npm start` and the tests: it keeps every
 * message, and hands each to `deliver` (npm start invokes the queue's function with it, as SQS would).
 */
export interface SentMessage {
  queueUrl: string;
  messageId: string;
  body: string;
}

export interface LocalSqs {
  url: string;
  /** A queue URL on this stand-in, for `BACKUP_REQUESTS_QUEUE_URL`. */
  queueUrl(name: string): string;
  readonly messages: SentMessage[];
  close(): Promise<void>;
}

/**
 * @example
 * const sqs = await startLocalSqs({ deliver: (message) => invokeQueueFunction(message) });
 * process.env.AWS_ENDPOINT_URL_SQS = sqs.url;
 */
export async function startLocalSqs({
  port = 0,
  deliver,
}: {
  port?: number;
  deliver?: (message: SentMessage) => unknown;
} = {}): Promise<LocalSqs> {
  const messages: SentMessage[] = [];
  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const input = JSON.parse((await readBody(req)) || '{}') as { QueueUrl?: unknown; MessageBody?: unknown };
    res.setHeader('Content-Type', 'application/x-amz-json-1.0');
    if (
      target !== 'AmazonSQS.SendMessage' ||
      typeof input.QueueUrl !== 'string' ||
      typeof input.MessageBody !== 'string'
    ) {
      res.statusCode = 400;
      res.end(
        JSON.stringify({
          __type: 'com.amazonaws.sqs#InvalidParameterValue',
          message: `${target} with QueueUrl and MessageBody is all this serves`,
        }),
      );
      return;
    }
    const message = { queueUrl: input.QueueUrl, messageId: randomUUID(), body: input.MessageBody };
    messages.push(message);
    res.end(JSON.stringify({ MessageId: message.messageId, MD5OfMessageBody: '' }));
    // After the answer, as SQS delivers: the sender never waits for the consumer.
    setImmediate(() => void deliver?.(message));
  });
  const url = await listenOnLoopback(server, port);
  return {
    url,
    queueUrl: (name) => `${url}/000000000000/${name}`,
    messages,
    close: () => closeServer(server),
  };
}
