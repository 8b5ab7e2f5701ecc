import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { headerOf, rawBodyOf } from '../http/raw-body';
import { verifySignature, type SignatureScheme } from './hmac';

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
        body: rawBodyOf(event),
      };
      verifySignature(scheme, await secrets(), request, now());
    },
  };
}
