import { SpanKind } from '@opentelemetry/api';
import { createDataApiSqlClient } from '../../shared/sql/data-api-sql-client';
import { runMigrations } from '../../shared/sql/run-migrations';
import { traceInvocations } from '../../shared/telemetry/lambda';
import { startTracing } from '../../shared/telemetry/tracing';
import { createSchemaMigrationHandler } from './on-event';

const tracing = startTracing({ service: 'schema-migration' });

/** Lambda entry of the SchemaMigration custom resource (infra/aws/schema-migration.ts). */
export const onEvent = traceInvocations(tracing, 'schema-migration apply', SpanKind.SERVER, createSchemaMigrationHandler({
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
}));
