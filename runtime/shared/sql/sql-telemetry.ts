import { SpanKind } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_MYSQL,
} from '@opentelemetry/semantic-conventions';
import { Counter, Histogram, type Registry } from 'prom-client';
import { inSpan } from '../telemetry/spans';
import { DuplicateKeyError, type SqlClient, type SqlExecutor } from './sql-client';

export type SqlOperation = 'select' | 'insert' | 'update' | 'delete' | 'transaction' | 'other';

const STATEMENT = /^\s*(select|insert|update|delete)\b/i;
// The table a statement names first; good enough for span names, where a miss only shortens the name.
const TABLE = /^\s*(?:select\b[\s\S]*?\bfrom|insert\s+into|update|delete\s+from)\s+`?(\w+)/i;

/** The `operation` label of a statement: its verb, or `other` (DDL, SET, ...). */
export function sqlOperationOf(sql: string): SqlOperation {
  return (STATEMENT.exec(sql)?.[1]?.toLowerCase() as SqlOperation | undefined) ?? 'other';
}

/** sql_query_duration_seconds and sql_query_errors_total of one SQL client, for the service's registry. */
export function createSqlMetrics() {
  const labelNames = ['operation', 'outcome'] as const;
  const duration = new Histogram({
    name: 'sql_query_duration_seconds',
    help: 'Time of a SQL statement, or of a whole transaction (operation="transaction"), on either driver',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
  });
  const errors = new Counter({
    name: 'sql_query_errors_total',
    help: 'SQL statements and transactions that failed; a duplicate key is an answer, not an error',
    labelNames: ['operation'],
    registers: [],
  });
  return {
    observe(operation: SqlOperation, outcome: 'ok' | 'error', seconds: number): void {
      duration.observe({ operation, outcome }, seconds);
      if (outcome === 'error') errors.inc({ operation });
    },
    registerMetrics(registry: Registry): void {
      registry.registerMetric(duration);
      registry.registerMetric(errors);
    },
  };
}
export type SqlMetrics = ReturnType<typeof createSqlMetrics>;

export interface SqlTelemetryOptions {
  /** `db.namespace`: the database (schema) name. */
  readonly database: string;
  /** @default - spans only */
  readonly metrics?: SqlMetrics;
}

/**
 * The client with a CLIENT span per statement and per transaction inside a trace (statements of a
 * transaction are its children) and the latency of every one on /metrics. Both drivers go through it, so the operator sees the
 * same spans and series whether the service runs on the Data API or on mysql2.
 */
export function instrumentSql(client: SqlClient, options: SqlTelemetryOptions): SqlClient {
  const { metrics } = options;

  async function observed<T>(operation: SqlOperation, sql: string | undefined, work: () => Promise<T>): Promise<T> {
    // The label already holds the statement's verb (sqlOperationOf); `other` has none to name.
    const verb = operation === 'other' ? 'SQL' : operation.toUpperCase();
    const table = sql === undefined ? undefined : TABLE.exec(sql)?.[1];
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'ok';
    try {
      return await inSpan(
        table === undefined ? verb : `${verb} ${table}`,
        {
          kind: SpanKind.CLIENT,
          requireParent: true,
          attributes: {
            [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MYSQL,
            [ATTR_DB_NAMESPACE]: options.database,
            [ATTR_DB_OPERATION_NAME]: verb,
            ...(table === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: table }),
            // Values travel as named parameters, never in the text, so the text holds no personal data.
            ...(sql === undefined ? {} : { [ATTR_DB_QUERY_TEXT]: sql }),
          },
          isAnswer: (error) => error instanceof DuplicateKeyError,
        },
        work,
      );
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) outcome = 'error';
      throw error;
    } finally {
      metrics?.observe(operation, outcome, (performance.now() - started) / 1000);
    }
  }

  const executorOf = (target: SqlExecutor): SqlExecutor => ({
    query: (sql, params) => observed(sqlOperationOf(sql), sql, () => target.query(sql, params)),
    execute: (sql, params) => observed(sqlOperationOf(sql), sql, () => target.execute(sql, params)),
  });

  return {
    ...client,
    ...executorOf(client),
    transaction: (work, transactionOptions) =>
      observed('transaction', undefined, () => client.transaction((tx) => work(executorOf(tx)), transactionOptions)),
  };
}
