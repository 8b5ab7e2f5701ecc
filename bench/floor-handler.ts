import { Agent, request as httpRequest } from 'node:http';
import { signRequest } from '../shared/huawei/signer';

/**
 * The floor the gateway is measured against: the same signed upstream round-trip, with no framework, no
 * validation, no logging, no secrets. Bundled exactly as the functions are.
 *
 * It talks to the upstream as the gateway does, so that the difference is the gateway's own cost: over a
 * kept-alive connection (a warm request reuses it), and over HTTPS when the URL says so, loading `node:https`
 * only then (the gateway, too, pays for TLS only on a path that uses it).
 */
export interface FloorEvent {
  url: string;
  path: string;
  body: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
}

type Transport = { agent: Agent; request: typeof httpRequest };

const httpTransport: Transport = { agent: new Agent({ keepAlive: true }), request: httpRequest };
let httpsTransport: Promise<Transport> | undefined;

function transportFor(url: URL): Promise<Transport> {
  if (url.protocol !== 'https:') return Promise.resolve(httpTransport);
  httpsTransport ??= import('node:https').then((https) => ({
    agent: new https.Agent({ keepAlive: true }),
    request: https.request as typeof httpRequest,
  }));
  return httpsTransport;
}

export const handler = async (event: FloorEvent) => {
  const url = new URL(event.path, event.url);
  const unsigned = { 'Content-Type': 'application/json', Host: url.host, 'X-Project-Id': event.projectId };
  const headers = signRequest(
    { method: 'POST', path: url.pathname, headers: unsigned, body: event.body },
    { accessKey: event.accessKey, secretKey: event.secretKey },
    new Date(),
  );
  const { agent, request } = await transportFor(url);
  return new Promise<{ statusCode: number }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(event.body);
  });
};
