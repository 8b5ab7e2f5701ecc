import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';

/**
 * HTTPS in front of a loopback HTTP server, so that a benchmark pays what a deployed function pays to reach
 * Huawei Cloud: loading TLS, the handshake, and keeping the connection alive. The server behind it stays as it
 * is; clients trust the certificate through `NODE_EXTRA_CA_CERTS`, as they would a private CA.
 */

export interface SelfSignedCertificate {
  /** PEM file of the certificate: the value of `NODE_EXTRA_CA_CERTS`. */
  certFile: string;
  keyFile: string;
}

/**
 * A one-day certificate for 127.0.0.1, made with the system's openssl. Node checks the IP address against the
 * subjectAltName, not the CN, so the SAN is what makes the name match.
 */
export function selfSignedCertificate(dir: string): SelfSignedCertificate {
  const certFile = join(dir, 'loopback-cert.pem');
  const keyFile = join(dir, 'loopback-key.pem');
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  const output = ['-keyout', keyFile, '-out', certFile];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject, ...output], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { certFile, keyFile };
}

export interface TlsProxy {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** TLS connections accepted so far: proof that clients came through it, and of keep-alive (few for many requests). */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Terminates TLS on a free loopback port and pipes each connection, bytes unchanged, to `target` (an http://
 * origin on loopback). The Host header a client signs is the proxy's, which the target sees as sent.
 *
 * @example
 * const proxy = await startTlsProxy(standIn.url, selfSignedCertificate(workDir));
 * // point the client at proxy.url, with NODE_EXTRA_CA_CERTS=<certFile>
 */
export async function startTlsProxy(target: string, certificate: SelfSignedCertificate): Promise<TlsProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let connections = 0;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const credentials = { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) };
  const server = createServer(credentials, (client) => {
    connections++;
    const upstream = connect(Number(port), hostname);
    // Without this, Nagle's algorithm on the proxy's sockets meets the peer's delayed ACK and holds a request's
    // second segment for about 40 ms: a proxy artefact no real front end has, which would swamp what is measured.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    track(client);
    track(upstream);
    // Either side ending or failing ends the other, as a real front end would; a benchmark child is killed with
    // its sockets open, which must not take the proxy down.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  // A client that gives up during the handshake is not the benchmark's concern.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
