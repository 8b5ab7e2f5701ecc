import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_REQUEST_BYTES, notJsonProblem } from '../domain/backup-request';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import { headerOf, rawBodyOf, rawBodySize } from './raw-body';

/**
 * Reading a request body: its size before anything else, then its media type and JSON.
 */

/** `application/json` or `application/<anything>+json`, in any case, with or without parameters such as a charset. */
const JSON_MEDIA_TYPE = /^application\/([^\s;/]+\+)?json\s*(;|$)/i;

/**
 * Refuses a body over `maxBytes` with `413 payload_too_large`. Use it first: the signature check, the body
 * parser and validation all do work in proportion to the body.
 *
 * @example
 * middy().use(problemDetails()).use(bodySizeLimit()).use(signedRequest(WEBHOOK_SIGNATURE, 'WEBHOOK_SIGNING_SECRET'))
 */
export function bodySizeLimit(maxBytes = MAX_REQUEST_BYTES): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async ({ event }) => {
      if (rawBodySize(event) > maxBytes) throw new PayloadTooLargeError({ what: 'The body', limitBytes: maxBytes });
    },
  };
}

/** What middy's body parser throws: an HTTP error whose `cause` names the package and the parser's message. */
interface BodyParserError extends Error {
  cause?: { package?: string; message?: string };
}

const bodyParser = httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]);

/**
 * Parses the body as JSON into `event.body` with middy's JSON body parser, after the checks it does not make as
 * we need them: the body is declared as JSON (media types compare without regard to case, so
 * `APPLICATION/JSON; charset=utf-8` is JSON — middy's own check is case-sensitive, so it is turned off) and
 * present (`null` from local emulators is an empty body, not JSON `null`). Refuses with `415`, or `400` saying
 * what is wrong and where, quoting nothing of the body.
 *
 * @example
 * middy().use(signedRequest(WEBHOOK_SIGNATURE, secrets)).use(jsonRequestBody()).use(unifiedBackupRequest())
 */
export function jsonRequestBody(): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async (request) => {
      const { event } = request;
      if (!JSON_MEDIA_TYPE.test(headerOf(event, 'content-type') ?? ''))
        throw new UnsupportedMediaTypeError({ expected: 'application/json' });
      if (rawBodyOf(event).toString('utf8').trim() === '') {
        throw new InvalidRequestError({ errors: [{ field: '', message: 'the body is empty; send a JSON object' }] });
      }
      try {
        await bodyParser.before?.(request as Parameters<NonNullable<typeof bodyParser.before>>[0]);
      } catch (error) {
        const cause = (error as BodyParserError).cause;
        if (cause?.package !== '@middy/http-json-body-parser') throw error;
        throw new InvalidRequestError({ errors: [notJsonProblem('the body', cause.message)] });
      }
    },
  };
}
