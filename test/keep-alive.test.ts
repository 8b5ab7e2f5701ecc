import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamFailedError } from '../shared/errors';
import { createHuaweiClient } from '../shared/huawei/client';
import { IDLE_SOCKET_MS, sendAttempt, type AttemptOutcome } from '../shared/net/transport';
import { startFaultServer, type FaultServer, type FaultServerOptions } from './support/fault-server';
import { TEST_KEYS } from './support/fixtures';

/**
 * The transport keeps connections alive and says, after a failure, whether any byte of the request left: the
 * Huawei client retries only what the upstream surely did not act on. Every test gets its own fault server, so
 * its connection count starts at zero and no kept-alive socket of another test can serve it.
 */
const DDS_PATH = `/v3/${TEST_KEYS.projectId}/backups`;
const ddsBody = { backup: { instance_id: 'i-1', name: 'bk-01' } };

const servers: FaultServer[] = [];
async function faultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const server = await startFaultServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const post = (server: FaultServer, body = '{"n":1}', timeoutMs = 5_000): Promise<AttemptOutcome> =>
  sendAttempt({
    url: new URL('/things', server.url),
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    timeoutMs,
  });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rejectionOf = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected a failure'),
    (error: unknown) => error,
  );

describe('keep-alive', () => {
  it('sends two requests in a row over one connection', async () => {
    const server = await faultServer();

    const first = await post(server, '{"n":1}');
    const second = await post(server, '{"n":2}');

    expect(first).toMatchObject({ kind: 'answered', status: 200, text: '{}' });
    expect(second).toMatchObject({ kind: 'answered', status: 200 });
    expect(server.connections).toBe(1);
    expect(server.requests.map(({ body, connection }) => ({ body, connection }))).toEqual([
      { body: '{"n":1}', connection: 1 },
      { body: '{"n":2}', connection: 1 },
    ]);
  });

  it('opens a new connection per request when the server closes each one (the count above can fail)', async () => {
    const server = await faultServer({ keepAlive: false });

    await post(server);
    await post(server);

    expect(server.connections).toBe(2);
    expect(server.requests.map((request) => request.connection)).toEqual([1, 2]);
  });

  it(`closes an idle connection itself after IDLE_SOCKET_MS (${IDLE_SOCKET_MS} ms), then opens a new one`, async () => {
    // The server keeps idle connections for a minute: a close within seconds is the client's.
    const server = await faultServer({ keepAliveTimeoutMs: 60_000 });
    const sentAt = Date.now();
    await post(server);

    const closed = await Promise.race([
      server.connectionClosed(1),
      pause(IDLE_SOCKET_MS + 4_000).then(() => 'still open' as const),
    ]);
    const idleFor = Date.now() - sentAt;

    expect(closed).toEqual({ endedByClient: true });
    // A timer never fires early: the socket was kept at least as long as promised (1 ms for timer rounding).
    expect(idleFor).toBeGreaterThanOrEqual(IDLE_SOCKET_MS - 1);
    await expect(post(server)).resolves.toMatchObject({ kind: 'answered', status: 200 });
    expect(server.connections).toBe(2);
    expect(server.requests.map((request) => request.connection)).toEqual([1, 2]);
  });
});

describe('what a failed attempt says about the request', () => {
  it('reports a refused connection as not sent, on a new socket', async () => {
    const closed = await startFaultServer();
    const url = closed.url;
    await closed.close();

    const outcome = await sendAttempt({ url: new URL('/things', url), method: 'POST', headers: {}, timeoutMs: 5_000 });

    expect(outcome).toMatchObject({ kind: 'not-sent', refused: true, reusedSocket: false });
  });

  it('reports a kept-alive socket the server closed just before our write as not sent, never as dropped', async () => {
    const server = await faultServer();
    await post(server, '{"n":1}');
    await pause(20); // the connection is idle in the pool

    // The server drops the idle connection, and before this process could see it (no turn of the event loop
    // passes) the next request goes out on the reused socket: the server's kernel refuses it, the server never
    // reads it. That is the "surely not acted on" case a client may retry at once. (Sending only after the server's
    // 'close' event would let this process read the FIN first and pick a new connection: the race would not happen.)
    server.dropConnection(1);
    const outcome = await post(server, '{"n":2}');

    expect(server.requests.map((request) => request.body)).toEqual(['{"n":1}']);
    expect(outcome).toMatchObject({ kind: 'not-sent', reusedSocket: true });
  });

  it('reports a kept-alive socket the server reset just before our write as not sent', async () => {
    const server = await faultServer();
    await post(server, '{"n":1}');
    await pause(20);

    server.dropConnection(1, { reset: true });
    const outcome = await post(server, '{"n":2}');

    expect(server.requests).toHaveLength(1);
    expect(outcome).toMatchObject({ kind: 'not-sent', reusedSocket: true });
  });

  it('reports a connection dropped after the server read the request as dropped', async () => {
    const server = await faultServer();
    server.script({ kind: 'destroy-after-read' });

    const outcome = await post(server, '{"n":1}');

    expect(outcome.kind).toBe('dropped');
    expect(server.requests).toMatchObject([{ body: '{"n":1}', step: 'destroy-after-read' }]);
  });

  it('reports a drop on a reused socket after the request was written as dropped, not as not sent', async () => {
    const server = await faultServer();
    await post(server, '{"n":1}');
    server.script({ kind: 'destroy-after-read' });

    const outcome = await post(server, '{"n":2}');

    expect(outcome.kind).toBe('dropped');
    expect(server.requests.map(({ body, connection }) => ({ body, connection }))).toEqual([
      { body: '{"n":1}', connection: 1 },
      { body: '{"n":2}', connection: 1 },
    ]);
  });

  it('reports a connection dropped once the request head arrived (body unread) as dropped', async () => {
    const server = await faultServer();
    server.script({ kind: 'destroy-before-read' });

    const outcome = await post(server);

    expect(outcome.kind).toBe('dropped');
    expect(server.requests).toHaveLength(1);
  });

  it('reports no answer in time as a timeout of a sent request', async () => {
    const server = await faultServer();
    server.script({ kind: 'answer', delayMs: 3_000 });
    const startedAt = Date.now();

    const outcome = await post(server, '{}', 200);

    expect(outcome).toEqual({ kind: 'timeout', sent: true });
    expect(Date.now() - startedAt).toBeLessThan(2_500);
  });

  it('cuts off an answer larger than allowed and counts it as dropped', async () => {
    const server = await faultServer();
    server.script({ kind: 'answer', body: 'x'.repeat(4_096) });

    const outcome = await sendAttempt({
      url: new URL('/things', server.url),
      method: 'GET',
      headers: {},
      timeoutMs: 5_000,
      maxAnswerBytes: 1_024,
    });

    expect(outcome.kind).toBe('dropped');
  });
});

describe('the Huawei client on kept-alive connections', () => {
  let waits: number[] = [];
  const client = (server: FaultServer) =>
    createHuaweiClient({
      endpoints: { dds: server.url, rds: server.url },
      projectId: TEST_KEYS.projectId,
      credentials: async () => ({ accessKey: TEST_KEYS.accessKey, secretKey: TEST_KEYS.secretKey }),
      backoffMs: { min: 20, max: 50 },
      sleep: async (ms) => void waits.push(ms),
    });
  const backupsRequested = (server: FaultServer) =>
    server.requests.filter((request) => request.method === 'POST' && request.path === DDS_PATH);
  afterEach(() => {
    waits = [];
  });

  it('retries at once a request that met a kept-alive socket the server had closed, creating one backup', async () => {
    const server = await faultServer({ fallback: { kind: 'answer', body: { backup_id: 'bk-created' } } });
    // Any earlier call to the same host leaves a kept-alive connection in the shared pool.
    await sendAttempt({ url: new URL('/', server.url), method: 'GET', headers: {}, timeoutMs: 5_000 });
    await pause(20);

    server.dropConnection(1);
    const answer = await client(server).post('dds', DDS_PATH, ddsBody, Date.now() + 10_000);

    expect(answer).toMatchObject({ status: 200, body: { backup_id: 'bk-created' } });
    // The server read one backup request, on a fresh connection: the stale one carried nothing it could act on.
    expect(backupsRequested(server)).toMatchObject([{ connection: 2 }]);
    expect(waits).toEqual([0]);
  });

  it('does not retry a drop on a reused socket after the request was written: the backup may exist', async () => {
    const server = await faultServer({ fallback: { kind: 'answer', body: { backup_id: 'bk-created' } } });
    await sendAttempt({ url: new URL('/', server.url), method: 'GET', headers: {}, timeoutMs: 5_000 });
    server.script({ kind: 'destroy-after-read' });

    const error = await rejectionOf(client(server).post('dds', DDS_PATH, ddsBody, Date.now() + 10_000));

    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(error).toMatchObject({ backupMayExist: true });
    expect((error as Error).message).toContain('may have been created');
    expect(backupsRequested(server)).toMatchObject([{ connection: 1, step: 'destroy-after-read' }]);
    expect(waits).toEqual([]);
  });
});
