import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What every loopback stand-in (EventBridge, SQS, Slack, Huawei Cloud, DynamoDB) does the same way: read a request's body,
 * listen on 127.0.0.1, and close at once.
 */

/**
 * A request's whole body, decoded as UTF-8.
 *
 * @example
 * const server = createServer(async (req, res) => {
 *   const input = JSON.parse((await readBody(req)) || '{}');
 *   res.end(JSON.stringify(input));
 * });
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts `server` listening on 127.0.0.1 at `port` (0: a free one) and answers its base URL; rejects with the
 * server's error when it cannot listen (a port in use, say).
 *
 * @example
 * const server = createServer(handle);
 * const url = await listenOnLoopback(server, 4020); // 'http://127.0.0.1:4020'
 */
export async function listenOnLoopback(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    // A port in use (EADDRINUSE) is the caller's to report, not an uncaught exception.
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Closes `server` at once: its open connections (kept-alive ones included) are dropped rather than waited for.
 *
 * @example
 * return { url, close: () => closeServer(server) };
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
