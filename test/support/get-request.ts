import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signatureOf, WEBHOOK_SIGNATURE } from '../../shared/auth/hmac';
import { TEST_SIGNING_SECRETS } from './fixtures';

/** How a GET fixture is signed: `false` sends it unsigned; `over` replaces the bytes signed (to spoil them). */
export type GetSigning = false | { secret?: string; at?: Date; over?: string };

export interface GetEventOptions {
  /** The raw path, e.g. `/backups/2f4d…`. */
  path: string;
  /** The raw query string, without `?`. */
  query?: string;
  signing?: GetSigning;
  headers?: Record<string, string>;
  sourceIp?: string;
}

const BACKUP_ROUTE = /^\/backups\/([^/]+)$/;

/**
 * The bytes a client signs for a request without a body, written from the contract (issue 9), not taken from the
 * gateway's verifier: `GET <raw path>`, plus `?` and the raw query string when there is one.
 *
 * @example
 * getSignedText('/backups', 'limit=5') // → 'GET /backups?limit=5'
 */
export const getSignedText = (path: string, query = ''): string => `GET ${path}${query ? `?${query}` : ''}`;

/**
 * A signed `GET` as API Gateway (HTTP API, payload 2.0) delivers it to `getBackup`: no body, the raw path and query
 * string, the query parsed into `queryStringParameters` (repeats joined by commas) and the route's path parameter.
 *
 * @example
 * await handler(getEvent({ path: '/backups', query: 'instanceId=a89d…in02&limit=5' }), lambdaContext());
 */
export function getEvent({
  path,
  query = '',
  signing = {},
  headers = {},
  sourceIp = '203.0.113.7',
}: GetEventOptions): APIGatewayProxyEventV2 {
  let signature: Record<string, string> = {};
  if (signing !== false) {
    const timestamp = String(Math.floor((signing.at ?? new Date()).getTime() / 1000));
    const signed = Buffer.from(signing.over ?? getSignedText(path, query), 'utf8');
    signature = {
      [WEBHOOK_SIGNATURE.timestampHeader]: timestamp,
      [WEBHOOK_SIGNATURE.signatureHeader]: signatureOf(
        WEBHOOK_SIGNATURE,
        signing.secret ?? TEST_SIGNING_SECRETS.webhook,
        timestamp,
        signed,
      ),
    };
  }
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query))
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  const backupId = BACKUP_ROUTE.exec(path)?.[1];
  const routeKey = backupId === undefined ? 'GET /backups' : 'GET /backups/{backupId}';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: query,
    headers: { ...signature, ...headers },
    ...(query !== '' && { queryStringParameters: parameters }),
    ...(backupId !== undefined && { pathParameters: { backupId } }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp, userAgent: 'vitest' },
      requestId: 'req-get',
      routeKey,
      stage: '$default',
      time: '24/Nov/2026:22:15:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}
