import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the one AWS Secrets Manager call the gateway makes (GetSecretValue), so the real SDK
 * path is exercised without AWS. Point the SDK at it with AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
export async function startFakeSecretsManager(secrets: Record<string, string>) {
  const calls: Array<{ target: string; secretId: string }> = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => resolve(body));
    });
  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target']);
    const { SecretId: secretId } = JSON.parse(await read(req));
    calls.push({ target, secretId });
    const secretString = secrets[secretId];
    res.setHeader('Content-Type', 'application/x-amz-json-1.1');
    if (target !== 'secretsmanager.GetSecretValue' || secretString === undefined) {
      res.statusCode = 400;
      res.end(
        JSON.stringify({
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        }),
      );
      return;
    }
    res.end(
      JSON.stringify({
        ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secretId}`,
        Name: secretId,
        SecretString: secretString,
        VersionId: 'v1',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
