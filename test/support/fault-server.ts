import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback HTTP server for tests of the gateway's upstream clients (AWS, Huawei Cloud): each request meets the
 * next scripted step (an answer, possibly late, or a connection destroyed before or after the request was read),
 * and the server records every request and every connection, so that a test can prove what was sent, how often,
 * and over which connection.
 */
export type FaultStep =
  | {
      kind: 'answer';
      /** 200 unless said. */
      status?: number;
      /** Sent as JSON unless it is a string; `{}` unless said. */
      body?: unknown;
      headers?: Record<string, string>;
      /** Wait this long before answering (after the request was read). */
      delayMs?: number;
      /** `false` answers `Connection: close`; the server's setting by default. */
      keepAlive?: boolean;
      /** Destroy the connection this long after the answer was sent: a kept-alive socket the server drops. */
      closeConnectionAfterMs?: number;
    }
  /** Destroy the connection as soon as the request's head arrived, without reading its body. */
  | { kind: 'destroy-before-read' }
  /** Read the whole request, then destroy the connection without answering. */
  | { kind: 'destroy-after-read' };

export interface FaultServerOptions {
  /** The step of every request once the script is used up; a 200 with `{}` by default. */
  fallback?: FaultStep;
  /** `false` answers every request with `Connection: close`. True by default. */
  keepAlive?: boolean;
  /**
   * How long the server keeps an idle kept-alive connection (and announces in `Keep-Alive: timeout=`); a minute
   * by default, so that a connection closed sooner was closed by the client.
   */
  keepAliveTimeoutMs?: number;
}

export interface FaultRequest {
  method: string;
  path: string;
  /** Lower-case names, as Node reads them (`x-amz-target`, `authorization`, …). */
  headers: IncomingHttpHeaders;
  /** Empty when the step destroyed the connection before reading it. */
  body: string;
  /** Which connection carried it: 1 for the first the server accepted, 2 for the next, … */
  connection: number;
  /** The step the request met. */
  step: FaultStep['kind'];
}

/** How a connection ended, seen from the server. */
export interface ConnectionClosed {
  /** The client ended it (its FIN came before the server closed its side). */
  endedByClient: boolean;
}

export interface FaultServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request that arrived, in order. */
  readonly requests: FaultRequest[];
  /** How many connections the server accepted (its `connection` event). */
  readonly connections: number;
  /** The next requests meet these steps, one each, in order; then the fallback. */
  script(...steps: FaultStep[]): void;
  /** Resolves when the server's socket of a connection (numbered as in {@link FaultRequest.connection}) closed. */
  connectionClosed(connection: number): Promise<ConnectionClosed>;
  /**
   * Destroys the server's socket of an open connection at once, as a server does with an idle kept-alive one: a
   * FIN, or with `reset` a TCP reset. A request sent on it afterwards reaches the server's kernel, never the server.
   */
  dropConnection(connection: number, options?: { reset?: boolean }): void;
  /** Forgets the requests and the script (the connection count goes on). */
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A connection the client dropped mid-request: what arrived is what there is.
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * @example
 * const server = await startFaultServer();
 * server.script(
 *   { kind: 'answer', status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException' } },
 *   { kind: 'answer', status: 503, delayMs: 50 },
 * ); // the third request gets the fallback: 200 {}
 * // … point a client at server.url and call it, then:
 * expect(server.requests.map((request) => request.headers['x-amz-target'])).toEqual([…]);
 * expect(server.connections).toBe(1); // all three went over one kept-alive connection
 * await server.close();
 *
 * @example
 * // The server drops an idle kept-alive connection, as real servers do:
 * server.dropConnection(1);
 * await server.connectionClosed(1); // → { endedByClient: false }
 */
export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const { fallback = { kind: 'answer' }, keepAlive = true, keepAliveTimeoutMs = 60_000 } = options;
  const requests: FaultRequest[] = [];
  const steps: FaultStep[] = [];
  const connectionIds = new WeakMap<Socket, number>();
  const closings = new Map<number, Promise<ConnectionClosed>>();
  const openSockets = new Map<number, Socket>();
  let connections = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const step = steps.shift() ?? fallback;
    const socket = req.socket;
    const record: FaultRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: '',
      connection: connectionIds.get(socket) ?? 0,
      step: step.kind,
    };
    requests.push(record);
    if (step.kind === 'destroy-before-read') {
      socket.destroy();
      return;
    }
    record.body = await readBody(req);
    if (step.kind === 'destroy-after-read') {
      socket.destroy();
      return;
    }
    if (step.delayMs) await sleep(step.delayMs);
    // The client gave up waiting (a timeout) and closed the connection: there is no one left to answer.
    if (socket.destroyed) return;
    const text = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {});
    const closeAfterAnswer = !(step.keepAlive ?? keepAlive);
    res.writeHead(step.status ?? 200, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      ...(closeAfterAnswer && { Connection: 'close' }),
      ...step.headers,
    });
    const closeConnectionAfterMs = step.closeConnectionAfterMs;
    if (closeConnectionAfterMs !== undefined) {
      res.once('finish', () => setTimeout(() => socket.destroy(), closeConnectionAfterMs));
    }
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on('connection', (socket: Socket) => {
    const id = ++connections;
    connectionIds.set(socket, id);
    let endedByClient = false;
    socket.once('end', () => (endedByClient = true));
    openSockets.set(id, socket);
    closings.set(
      id,
      new Promise((resolve) =>
        socket.once('close', () => {
          openSockets.delete(id);
          resolve({ endedByClient });
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    script: (...next) => void steps.push(...next),
    connectionClosed: (connection) => {
      const closing = closings.get(connection);
      if (!closing) throw new Error(`the server has accepted no connection ${connection} (only ${connections})`);
      return closing;
    },
    dropConnection: (connection, { reset = false } = {}) => {
      const socket = openSockets.get(connection);
      if (!socket) throw new Error(`connection ${connection} is not open`);
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    },
    reset: () => {
      requests.length = 0;
      steps.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
