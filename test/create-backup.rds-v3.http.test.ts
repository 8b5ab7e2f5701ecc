import { describeRdsApiVersion } from './support/rds-api-version-suite';

process.env.HUAWEICLOUD_RDS_API_VERSION = 'v3';
describeRdsApiVersion('v3');
