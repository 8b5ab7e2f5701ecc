import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger of the gateway: structured JSON, level from `POWERTOOLS_LOG_LEVEL`. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'backup-gateway' });
