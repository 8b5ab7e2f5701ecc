import { request } from 'node:http';
import { signRequest } from '../shared/huawei/signer';

/**
 * The floor the gateway is measured against: the same signed upstream round-trip, with no framework, no
 * validation, no logging. Bundled exactly as the functions are.
 */
export const handler = async (event: { url: string; path: string; body: string; accessKey: string; secretKey: string; projectId: string }) => {
  const url = new URL(event.path, event.url);
  const headers = signRequest(
    { method: 'POST', path: url.pathname, headers: { 'Content-Type': 'application/json', Host: url.host, 'X-Project-Id': event.projectId }, body: event.body },
    { accessKey: event.accessKey, secretKey: event.secretKey },
    new Date(),
  );
  return new Promise<{ statusCode: number }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(event.body);
  });
};
