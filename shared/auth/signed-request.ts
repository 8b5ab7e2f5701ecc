import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { headerOf, rawBodyOf } from '../http/raw-body';
import { signedRequestLine, verifySignature, type SignatureScheme } from './hmac';

/**
 * What a request's signature covers: its body as sent, or, for a request without one (a `GET`), its method and
 * raw path with the raw query string, e.g. `GET /backups/2f4d…?x=1`.
 *
 * @example
 * signedBytesOf({ ...event, body: undefined, rawPath: '/backups', rawQueryString: 'limit=5' }) // → <Buffer "GET /backups?limit=5">
 */
export function signedBytesOf(event: APIGatewayProxyEventV2): Buffer {
  const body = rawBodyOf(event);
  if (body.length > 0 || event.requestContext?.http?.method !== 'GET') return body;
  return signedRequestLine('GET', event.rawPath, event.rawQueryString ?? '');
}

/**
 * Refuses every request whose signature does not verify, before anything reads its body: use it before any body
 * parser, so the check runs over the bytes as they were sent. Where no secret is configured, every request is
 * refused with a "not configured" error.
 *
 * @example
 * middy().use(problemDetails()).use(signedRequest(WEBHOOK_SIGNATURE, () => gateway().signingSecrets())).use(jsonRequestBody())
 */
export function signedRequest(
  scheme: SignatureScheme,
  secrets: () => Promise<string[]>,
  now: () => Date = () => new Date(),
): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async ({ event }) => {
      const request = {
        timestamp: headerOf(event, scheme.timestampHeader),
        signature: headerOf(event, scheme.signatureHeader),
        body: signedBytesOf(event),
      };
      verifySignature(scheme, await secrets(), request, now());
    },
  };
}
