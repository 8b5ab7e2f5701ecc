import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of a DynamoDB-compatible server that fails or slows chosen operations: the store
 * faults (throttling, 500, slow answers) the gateway must survive without a second backup.
 *
 * @example
 * const faults = await startDynamoFaults(dynamo.endpoint);
 * faults.fail('UpdateItem', 3, { status: 500, type: 'InternalServerError' });
 * // point AWS_ENDPOINT_URL_DYNAMODB at faults.url
 */
export interface DynamoFault {
  status: number;
  type: string;
  /** Wait this long before answering (or before passing the call on, with `status: 0`). */
  delayMs?: number;
}

const read = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startDynamoFaults(target: string) {
  const scripted = new Map<string, DynamoFault[]>();
  const calls: string[] = [];
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .at(-1) ?? '';
    calls.push(operation);
    const fault = scripted.get(operation)?.shift();
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && fault.status !== 0) {
      res.writeHead(fault.status, { 'Content-Type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`, message: 'scripted fault' }));
      return;
    }
    const forward = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The operations called, in order. */
    calls,
    /** The next `count` calls of `operation` meet the fault. */
    fail(operation: string, count: number, fault: DynamoFault) {
      scripted.set(operation, [...(scripted.get(operation) ?? []), ...Array.from({ length: count }, () => fault)]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
