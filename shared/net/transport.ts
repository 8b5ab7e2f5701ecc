import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/**
 * One HTTP attempt over kept-alive connections, for every upstream the gateway calls (Huawei Cloud, AWS, Slack).
 * It says what the caller needs to decide on a retry: whether any byte of the request left this process.
 */
export type AttemptOutcome =
  | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; text: string }
  /** Not one byte of the request was written (refused, unreachable, or a kept-alive socket the server had closed). */
  | { kind: 'not-sent'; error: Error; refused: boolean; reusedSocket: boolean }
  /** No full answer in time; `sent` says whether the request had (partly) left. */
  | { kind: 'timeout'; sent: boolean }
  /** The request (partly) left and the connection failed before a full answer: the server may have acted. */
  | { kind: 'dropped'; error: Error };

export interface Attempt {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Larger answers are cut off and count as dropped. */
  maxAnswerBytes?: number;
}

/**
 * Idle sockets are closed after this long. Servers close idle keep-alive connections after a few seconds to a
 * minute; closing ours first makes reusing a socket the server has just closed rare.
 */
export const IDLE_SOCKET_MS = 4_000;
const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

const httpAgent = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
let httpsTransport: Promise<{ agent: HttpAgent; request: typeof httpRequest }> | undefined;

/** TLS costs several milliseconds to load: only a path that talks HTTPS pays for it, when it first does. */
export function transportFor(url: URL): Promise<{ agent: HttpAgent; request: typeof httpRequest }> {
  if (url.protocol !== 'https:') return Promise.resolve({ agent: httpAgent, request: httpRequest });
  httpsTransport ??= import('node:https').then((https) => ({
    agent: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    request: https.request as typeof httpRequest,
  }));
  return httpsTransport;
}

/**
 * Sends one request and settles with what happened; never rejects.
 *
 * @example
 * const outcome = await sendAttempt({ url, method: 'POST', headers, body, timeoutMs: 5_000 });
 * if (outcome.kind === 'not-sent') retry(); // the server cannot have acted
 */
export async function sendAttempt({
  url,
  method,
  headers,
  body,
  timeoutMs,
  maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES,
}: Attempt): Promise<AttemptOutcome> {
  const { agent, request } = await transportFor(url);
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    // Bytes count as sent only on an open connection (a connecting socket counts what it merely buffered), and a
    // kept-alive socket has carried earlier requests: count only what this one wrote.
    let connected = false;
    let bytesBefore = 0;
    const sent = () => connected && socket !== undefined && socket.bytesWritten > bytesBefore;
    let settled = false;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxAnswerBytes) {
          res.destroy(new Error(`answer larger than ${maxAnswerBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        settle({
          kind: 'answered',
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (error) => settle({ kind: 'dropped', error }));
      res.on('aborted', () => settle({ kind: 'dropped', error: new Error('answer cut off') }));
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout', sent: sent() });
      req.destroy();
    }, timeoutMs);
    req.on('socket', (assigned: Socket) => {
      socket = assigned;
      bytesBefore = assigned.bytesWritten;
      if (!assigned.connecting) connected = true;
      else assigned.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      // A kept-alive socket may have been closed by the server a moment ago: let the poll phase pass twice, so that
      // a FIN or reset already delivered is read before any byte of this request is written (then it is not sent).
      if (req.reusedSocket) setImmediate(() => setImmediate(() => req.end(body)));
      else req.end(body);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (sent()) settle({ kind: 'dropped', error });
      else settle({ kind: 'not-sent', error, refused: error.code === 'ECONNREFUSED', reusedSocket: req.reusedSocket });
    });
  });
}

/** A response header's first value. */
export const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};
