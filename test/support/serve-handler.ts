import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { lambdaContext } from './fixtures';
import type { HttpHandler } from './cold-start';

/**
 * Serves a Lambda handler on loopback the way API Gateway calls it: the body base64-encoded, as API Gateway does
 * for anything it takes for binary, so a signature is checked over the bytes that crossed the wire.
 *
 * @example
 * const gateway = await serveHandler(handler); // then POST `${gateway.url}/backups`
 */
export async function serveHandler(
  handler: HttpHandler,
): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer(async (req, res) => {
    received++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const event = {
      version: '2.0',
      routeKey: `${req.method} ${url.pathname}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
      requestContext: {
        http: {
          method: req.method ?? '',
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId: 'loopback',
        routeKey: `${req.method} ${url.pathname}`,
        stage: '$default',
        timeEpoch: Date.now(),
      },
      body: Buffer.concat(chunks).toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;
    const answer = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    res.writeHead(answer.statusCode ?? 200, answer.headers as Record<string, string>);
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
