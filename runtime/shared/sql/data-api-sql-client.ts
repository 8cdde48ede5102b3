import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { DuplicateKeyError, SqlConflictError, SqlUnavailableError, duplicateKeyName, retryConflicts, type ExecuteResult, type SqlClient, type SqlExecutor, type SqlParams } from './sql-client';
import { instrumentSql, type SqlMetrics } from './sql-telemetry';
import { toSqlTimestamp } from './timestamps';

export interface DataApiSqlClientOptions {
  /** ARN of the Aurora cluster with the Data API enabled. */
  readonly resourceArn: string;
  /** ARN of the Secrets Manager secret holding the database credentials. */
  readonly secretArn: string;
  readonly database: string;
  /** @default - a new RDSDataClient for the ambient region and credentials */
  readonly client?: RDSDataClient;
  /** Attempts while an auto-paused Aurora Serverless v2 cluster resumes. @default 6 */
  readonly resumeAttempts?: number;
  /** First back-off between resume attempts, doubled each time. @default 500 */
  readonly resumeBackoffMs?: number;
  /** Where statement latency and errors are counted. @default - spans only */
  readonly metrics?: SqlMetrics;
}

function toParameters(params: SqlParams | undefined): SqlParameter[] | undefined {
  if (!params) return undefined;
  return Object.entries(params).map(([name, value]): SqlParameter => {
    if (value === null) return { name, value: { isNull: true } };
    if (value instanceof Date) return { name, value: { stringValue: toSqlTimestamp(value) }, typeHint: 'TIMESTAMP' };
    switch (typeof value) {
      case 'string':
        return { name, value: { stringValue: value } };
      case 'boolean':
        return { name, value: { booleanValue: value } };
      default:
        return { name, value: Number.isInteger(value) ? { longValue: value } : { doubleValue: value } };
    }
  });
}

const errorName = (error: unknown) => (error as { name?: string }).name ?? '';
const errorMessage = (error: unknown) => (error as { message?: string }).message ?? '';

/** The cluster is resuming from auto-pause: the Data API says so and the caller should try again shortly. */
const isResuming = (error: unknown) => errorName(error) === 'DatabaseResumingException';

function mapError(error: unknown): never {
  const name = errorName(error);
  const message = errorMessage(error);
  if (name === 'BadRequestException' && message.includes('Duplicate entry')) {
    throw new DuplicateKeyError(duplicateKeyName(message), message);
  }
  if (name === 'BadRequestException' && /Deadlock found|Lock wait timeout exceeded/.test(message)) {
    throw new SqlConflictError(`transaction aborted by a lock conflict: ${message}`, { cause: error });
  }
  if (
    isResuming(error) ||
    ['DatabaseUnavailableException', 'DatabaseNotFoundException', 'ServiceUnavailableError', 'InternalServerErrorException', 'StatementTimeoutException', 'TimeoutError'].includes(name) ||
    message.includes('Communications link failure')
  ) {
    throw new SqlUnavailableError(`database unavailable (${name || message})`, { cause: error });
  }
  throw error;
}

/**
 * SqlClient over the RDS Data API. Rows come back as JSON objects (`formatRecordsAs: 'JSON'`), so
 * both drivers hand services the same row shapes; transactions map to Begin/Commit/Rollback.
 */
export function createDataApiSqlClient(options: DataApiSqlClientOptions): SqlClient {
  const client = options.client ?? new RDSDataClient({});
  const target = { resourceArn: options.resourceArn, secretArn: options.secretArn, database: options.database };
  const attempts = options.resumeAttempts ?? 6;
  const backoffMs = options.resumeBackoffMs ?? 500;

  async function send<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isResuming(error) || attempt >= attempts) return mapError(error);
        await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  const executorIn = (transactionId?: string): SqlExecutor => ({
    async query<Row extends object>(sql: string, params?: SqlParams) {
      const output = await send(() =>
        client.send(new ExecuteStatementCommand({ ...target, sql, parameters: toParameters(params), formatRecordsAs: 'JSON', transactionId })),
      );
      return output.formattedRecords ? (JSON.parse(output.formattedRecords) as Row[]) : [];
    },
    async execute(sql: string, params?: SqlParams): Promise<ExecuteResult> {
      const output = await send(() => client.send(new ExecuteStatementCommand({ ...target, sql, parameters: toParameters(params), transactionId })));
      const insertId = output.generatedFields?.[0]?.longValue;
      return { affectedRows: output.numberOfRecordsUpdated ?? 0, ...(insertId ? { insertId } : {}) };
    },
  });

  const executor = executorIn();
  const driver: SqlClient = {
    ...executor,
    transaction(work, options) {
      return retryConflicts(options?.conflictRetries ?? 0, async () => {
        const { transactionId } = await send(() => client.send(new BeginTransactionCommand(target)));
        try {
          const result = await work(executorIn(transactionId));
          await send(() => client.send(new CommitTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId })));
          return result;
        } catch (error) {
          await client
            .send(new RollbackTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId }))
            .catch(() => undefined);
          throw error;
        }
      });
    },
    async ping() {
      await executor.query('SELECT 1 AS ok');
    },
    async close() {
      client.destroy();
    },
  };
  return instrumentSql(driver, { database: options.database, metrics: options.metrics });
}
