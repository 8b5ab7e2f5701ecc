import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpHandler } from './cold-start';
import { serveHandler } from './serve-handler';

const BACKUP_PATH = /^\/backups\/([^/]+)$/;

/**
 * The gateway's backup API on loopback, routed as API Gateway routes it: `POST /backups` to `createBackup`,
 * `GET /backups` and `GET /backups/{backupId}` to `getBackup`, with the path and query string parameters API
 * Gateway adds; anything else is a 404. Load it once the environment points at the backends (`startBackends`).
 *
 * @example
 * const backends = await startBackends({ completeAfterMs: 1_500 });
 * const gateway = await serveGateway(); // then POST `${gateway.url}/backups`, GET `${gateway.url}/backups/<id>`
 */
export async function serveGateway(): ReturnType<typeof serveHandler> {
  const [{ handler: createBackup }, { handler: getBackup }] = await Promise.all([
    import('../../functions/createBackup/handler'),
    import('../../functions/getBackup/handler'),
  ]);
  const route: HttpHandler = async (event, context) => {
    const { method } = event.requestContext.http;
    const backupId = BACKUP_PATH.exec(event.rawPath)?.[1];
    if (method === 'POST' && event.rawPath === '/backups') return createBackup(event, context);
    if (method === 'GET' && (event.rawPath === '/backups' || backupId !== undefined)) {
      const query = event.rawQueryString;
      const routed: APIGatewayProxyEventV2 = {
        ...event,
        ...(backupId !== undefined && { pathParameters: { backupId } }),
        ...(query && { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) }),
      };
      return getBackup(routed, context);
    }
    return { statusCode: 404, headers: { 'Content-Type': 'application/json' }, body: '{"message":"Not Found"}' };
  };
  return serveHandler(route);
}
