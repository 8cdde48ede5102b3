import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../config';
import { createDataApiSqlClient } from './data-api-sql-client';
import { createMysqlSqlClient } from './mysql-sql-client';
import type { SqlClient } from './sql-client';
import type { SqlMetrics } from './sql-telemetry';

/** Environment of a service that uses the relational database (see docs/runtime-contract.md). */
export const sqlConfig = {
  SQL_DRIVER: Type.Union([Type.Literal('mysql'), Type.Literal('data-api')], { default: 'mysql' }),
  MYSQL_URL: Type.Optional(Type.String({ pattern: '^mysql://', description: 'mysql://user:pass@host:port/db' })),
  DB_CLUSTER_ARN: Type.Optional(Type.String({ pattern: '^arn:' })),
  DB_SECRET_ARN: Type.Optional(Type.String({ pattern: '^arn:' })),
  DB_NAME: Type.String({ default: 'shop' }),
};
const SqlConfig = Type.Object(sqlConfig);
export type SqlConfig = Static<typeof SqlConfig>;

/** The client of the configured driver; `metrics` (createSqlMetrics) counts its statements for /metrics. */
export function createSqlClient(config: SqlConfig, metrics?: SqlMetrics): SqlClient {
  if (config.SQL_DRIVER === 'mysql') {
    if (!config.MYSQL_URL) throw new ConfigError(['MYSQL_URL is required when SQL_DRIVER=mysql']);
    return createMysqlSqlClient({ url: config.MYSQL_URL, metrics });
  }
  const missing = (['DB_CLUSTER_ARN', 'DB_SECRET_ARN'] as const).filter((name) => !config[name]);
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name} is required when SQL_DRIVER=data-api`));
  return createDataApiSqlClient({ resourceArn: config.DB_CLUSTER_ARN!, secretArn: config.DB_SECRET_ARN!, database: config.DB_NAME, metrics });
}
