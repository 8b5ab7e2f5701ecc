import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Env } from '../config';
import { atColdStart } from '../failure-log';
import { headerOf, rawBodyOf } from '../http/raw-body';
import { verifySignature, type SignatureScheme } from './hmac';
import { signingSecretsFromEnvironment, type SigningSecretName } from './signing-secrets';

interface SignedRequestOptions {
  env?: Env;
  now?: () => Date;
}

/**
 * Refuses every request whose signature does not verify, before anything reads its body: use it before any body
 * parser, so the check runs over the bytes as they were sent. Where no secret is configured, every request is
 * refused with a "not configured" error.
 *
 * @example
 * middy().use(problemDetails()).use(signedRequest(WEBHOOK_SIGNATURE, 'WEBHOOK_SIGNING_SECRET')).use(jsonRequestBody())
 */
export function signedRequest(
  scheme: SignatureScheme,
  secretName: SigningSecretName,
  { env = process.env, now = () => new Date() }: SignedRequestOptions = {},
): MiddlewareObj<APIGatewayProxyEventV2> {
  const secrets = atColdStart(() => signingSecretsFromEnvironment(secretName, env));
  return {
    before: async ({ event }) => {
      const request = {
        timestamp: headerOf(event, scheme.timestampHeader),
        signature: headerOf(event, scheme.signatureHeader),
        body: rawBodyOf(event),
      };
      verifySignature(scheme, await secrets()(), request, now());
    },
  };
}
