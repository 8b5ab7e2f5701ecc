import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger of the gateway: structured JSON; Powertools reads its level from `POWERTOOLS_LOG_LEVEL`. */
export const logger = new Logger({ serviceName: 'backup-gateway' });
