import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A body as API Gateway delivers it; local emulators say `null` where API Gateway leaves it out. */
type DeliveredBody = Pick<APIGatewayProxyEventV2, 'isBase64Encoded'> & { body?: string | null };

/**
 * The body exactly as the caller sent it, as bytes. API Gateway base64-encodes bodies it takes for binary (Slack's
 * form posts, for one); decoding them straight to bytes keeps every non-ASCII character as it was signed.
 *
 * @example
 * rawBodyOf({ ...event, body: 'w6k=', isBase64Encoded: true }) // → <Buffer c3 a9> ("é")
 */
export function rawBodyOf(event: DeliveredBody): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * The size in bytes of the body as sent, worked out without decoding it.
 *
 * @example
 * rawBodySize({ body: 'w6k=', isBase64Encoded: true }) // → 2
 */
export function rawBodySize(event: DeliveredBody): number {
  if (event.body === undefined || event.body === null) return 0;
  return Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * A request header by name, whatever its case: API Gateway lower-cases them, local emulators may not.
 *
 * @example
 * headerOf(event, 'x-backup-timestamp') // → '1795558500'
 */
export function headerOf(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1];
}
