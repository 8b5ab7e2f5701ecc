import { signRequest } from '../shared/huawei/signer';
import { transportFor } from '../shared/net/transport';

/**
 * The floor the gateway is measured against: the same signed upstream round-trip, with no framework, no
 * validation, no logging, no secrets. Bundled exactly as the functions are.
 *
 * It talks to the upstream over the gateway's own connections ({@link transportFor}), so that the difference is
 * the gateway's own cost: kept alive (a warm request reuses it), and HTTPS loaded only when the URL says so.
 */
export interface FloorEvent {
  url: string;
  path: string;
  body: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
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
