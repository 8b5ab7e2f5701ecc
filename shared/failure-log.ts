import { ConfigurationError, GatewayError, InvalidRequestError, UpstreamError } from './errors';
import { httpStatusOf } from './http/problem';
import { logger } from './logger';

/**
 * Logs why a request failed, once, for every entry point. Upstream failures are already logged by the use case
 * with their engine and instance, so they are not logged again here.
 */
export function logFailure(error: unknown, context: Record<string, unknown> = {}): void {
  if (error instanceof UpstreamError) return;
  if (error instanceof ConfigurationError) {
    logger.error('gateway not configured', { ...context, detail: error.detail });
  } else if (error instanceof GatewayError) {
    const status = httpStatusOf(error);
    if (status >= 500) {
      logger.error('request failed', {
        ...context,
        status,
        code: error.code,
        detail: error.detail,
        ...(error.cause !== undefined && { error: error.cause as Error }),
      });
    } else {
      logger.info('request refused', {
        ...context,
        status,
        code: error.code,
        ...(error instanceof InvalidRequestError ? { errors: error.errors } : { detail: error.detail }),
      });
    }
  } else {
    logger.error('unexpected error', { ...context, error: error as Error });
  }
}

/**
 * Runs a cold-start step once. A failure is logged now, with its full reason, and rethrown to every request so
 * that each answers "not configured" instead of the function failing to start without a word to its caller.
 */
export function atColdStart<T>(build: () => T): () => T {
  try {
    const value = build();
    return () => value;
  } catch (error) {
    logger.error('cold start failed', { error: error as Error });
    return () => {
      throw error;
    };
  }
}
