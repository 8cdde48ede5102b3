import { createDataApiSqlClient } from '../../shared/sql/data-api-sql-client';
import { runMigrations } from '../../shared/sql/run-migrations';
import { createSchemaMigrationHandler } from './on-event';

/** Lambda entry of the SchemaMigration custom resource (infra/aws/schema-migration.ts). */
export const onEvent = createSchemaMigrationHandler({
  connect: ({ clusterArn, secretArn, database }) =>
    createDataApiSqlClient({
      resourceArn: clusterArn,
      secretArn,
      database,
      // A paused Aurora Serverless v2 cluster can take tens of seconds to resume: about two minutes of back-off.
      resumeAttempts: 9,
      resumeBackoffMs: 500,
    }),
  migrate: (sql) => runMigrations(sql),
});
