import { describeRdsApiVersion } from './support/rds-api-version-suite';

// Unset: v1, the API our reference page documents, is the default.
delete process.env.HUAWEICLOUD_RDS_API_VERSION;
describeRdsApiVersion('v1');
