import { Readable } from 'node:stream';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, SqlConflictError, SqlUnavailableError, createDataApiSqlClient, createSqlMetrics } from '../../../runtime/shared/sql';
import { sample } from '../telemetry/metric-sample';

/*
 * Contract tests of the Data API driver. Nothing can serve the RDS Data API offline, so these drive
 * the real AWS SDK client (its real serialiser, signer and error parser) against a scripted HTTP
 * handler, and check the request shapes the service sends and how it reads the documented answers.
 */

interface Exchange {
  readonly path: string;
  readonly body: Record<string, unknown>;
}
type Answer = { status: number; body: unknown; errorType?: string };

function scriptedDataApi(answers: Answer[], metrics?: ReturnType<typeof createSqlMetrics>) {
  const exchanges: Exchange[] = [];
  const client = new RDSDataClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      async handle(request: { path: string; body?: Uint8Array }) {
        const text = request.body ? Buffer.from(request.body).toString('utf8') : '{}';
        exchanges.push({ path: request.path, body: JSON.parse(text) as Record<string, unknown> });
        const answer = answers.shift() ?? { status: 500, body: { message: 'no scripted answer left' }, errorType: 'InternalServerErrorException' };
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.errorType) headers['x-amzn-errortype'] = answer.errorType;
        return { response: { statusCode: answer.status, headers, body: Readable.from([Buffer.from(JSON.stringify(answer.body))]) } };
      },
    },
  });
  const sql = createDataApiSqlClient({
    resourceArn: 'arn:aws:rds:eu-west-1:111111111111:cluster:shop',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:shop-db',
    database: 'shop',
    client,
    resumeBackoffMs: 1,
    metrics,
  });
  return { sql, exchanges };
}

describe('Data API SqlClient', () => {
  it('measures statements and transactions like the mysql2 driver: sql_query_duration_seconds and sql_query_errors_total', async () => {
    const metrics = createSqlMetrics();
    const registry = new Registry();
    metrics.registerMetrics(registry);
    const { sql } = scriptedDataApi(
      [
        { status: 200, body: { transactionId: 'tx-1' } },
        { status: 200, body: { numberOfRecordsUpdated: 1 } },
        { status: 200, body: { transactionStatus: 'Transaction Committed' } },
        { status: 400, body: { message: 'Unknown column' }, errorType: 'BadRequestException' },
      ],
      metrics,
    );
    await sql.transaction((tx) => tx.execute('UPDATE users SET name = :name', { name: 'Ada' }));
    await expect(sql.query('SELECT nope FROM users')).rejects.toThrow('Unknown column');
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'transaction', outcome: 'ok' })).toBe(1);
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'update', outcome: 'ok' })).toBe(1);
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'select', outcome: 'error' })).toBe(1);
    expect(await sample(registry, 'sql_query_errors_total', { operation: 'select' })).toBe(1);
  });

  it('sends named, typed parameters and reads JSON-formatted rows', async () => {
    const { sql, exchanges } = scriptedDataApi([
      { status: 200, body: { formattedRecords: JSON.stringify([{ id: 'u-1', email: 'a@b.c', total: 5 }]) } },
    ]);
    const rows = await sql.query('SELECT * FROM users WHERE id = :id AND n = :n AND f = :f AND b = :b AND z = :z AND t = :t', {
      id: 'u-1',
      n: 42,
      f: 1.5,
      b: true,
      z: null,
      t: new Date('2026-01-15T10:00:05.123Z'),
    });
    expect(rows).toEqual([{ id: 'u-1', email: 'a@b.c', total: 5 }]);
    expect(exchanges[0]!.path).toBe('/Execute');
    expect(exchanges[0]!.body).toMatchObject({
      resourceArn: 'arn:aws:rds:eu-west-1:111111111111:cluster:shop',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:shop-db',
      database: 'shop',
      formatRecordsAs: 'JSON',
      parameters: [
        { name: 'id', value: { stringValue: 'u-1' } },
        { name: 'n', value: { longValue: 42 } },
        { name: 'f', value: { doubleValue: 1.5 } },
        { name: 'b', value: { booleanValue: true } },
        { name: 'z', value: { isNull: true } },
        { name: 't', value: { stringValue: '2026-01-15 10:00:05.123' }, typeHint: 'TIMESTAMP' },
      ],
    });
  });

  it('reports affected rows and the generated id of an insert', async () => {
    const { sql } = scriptedDataApi([{ status: 200, body: { numberOfRecordsUpdated: 1, generatedFields: [{ longValue: 77 }] } }]);
    expect(await sql.execute('INSERT INTO outbox (x) VALUES (:x)', { x: 'y' })).toEqual({ affectedRows: 1, insertId: 77 });
  });

  it('runs a transaction as Begin, statements with its id, Commit', async () => {
    const { sql, exchanges } = scriptedDataApi([
      { status: 200, body: { transactionId: 'tx-1' } },
      { status: 200, body: { numberOfRecordsUpdated: 1 } },
      { status: 200, body: { transactionStatus: 'Transaction Committed' } },
    ]);
    await sql.transaction((tx) => tx.execute('UPDATE t SET a = 1'));
    expect(exchanges.map((e) => e.path)).toEqual(['/BeginTransaction', '/Execute', '/CommitTransaction']);
    expect(exchanges[1]!.body.transactionId).toBe('tx-1');
    expect(exchanges[2]!.body).toMatchObject({ transactionId: 'tx-1' });
  });

  it('rolls the transaction back when the work throws, and rethrows', async () => {
    const { sql, exchanges } = scriptedDataApi([
      { status: 200, body: { transactionId: 'tx-2' } },
      { status: 200, body: { transactionStatus: 'Rollback Complete' } },
    ]);
    await expect(sql.transaction(async () => Promise.reject(new Error('domain rule failed')))).rejects.toThrow('domain rule failed');
    expect(exchanges.map((e) => e.path)).toEqual(['/BeginTransaction', '/RollbackTransaction']);
    expect(exchanges[1]!.body).toMatchObject({ transactionId: 'tx-2' });
  });

  it('runs a transaction the server aborted for a deadlock again, when asked to, and gives up after the retries', async () => {
    const deadlock: Answer = { status: 400, errorType: 'BadRequestException', body: { message: 'Deadlock found when trying to get lock; try restarting transaction' } };
    const rolledBack: Answer = { status: 200, body: { transactionStatus: 'Rollback Complete' } };
    const { sql, exchanges } = scriptedDataApi([
      { status: 200, body: { transactionId: 'tx-a' } },
      deadlock,
      rolledBack,
      { status: 200, body: { transactionId: 'tx-b' } },
      { status: 200, body: { numberOfRecordsUpdated: 1 } },
      { status: 200, body: { transactionStatus: 'Transaction Committed' } },
    ]);
    await sql.transaction((tx) => tx.execute('INSERT INTO outbox ...'), { conflictRetries: 1 });
    expect(exchanges.map((e) => e.path)).toEqual(['/BeginTransaction', '/Execute', '/RollbackTransaction', '/BeginTransaction', '/Execute', '/CommitTransaction']);
    expect(exchanges[4]!.body.transactionId).toBe('tx-b');

    const { sql: once } = scriptedDataApi([{ status: 200, body: { transactionId: 'tx-c' } }, deadlock, rolledBack]);
    await expect(once.transaction((tx) => tx.execute('INSERT INTO outbox ...'))).rejects.toBeInstanceOf(SqlConflictError);
  });

  it('maps a duplicate entry to DuplicateKeyError with the key name', async () => {
    const { sql } = scriptedDataApi([
      { status: 400, errorType: 'BadRequestException', body: { message: "Duplicate entry 'a@b.c' for key 'users.uq_users_email'" } },
    ]);
    const error = await sql.execute('INSERT INTO users ...').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateKeyError);
    expect((error as DuplicateKeyError).key).toBe('uq_users_email');
  });

  it('retries while an auto-paused cluster resumes, then succeeds', async () => {
    const resuming: Answer = { status: 400, errorType: 'DatabaseResumingException', body: { message: 'The database is resuming' } };
    const { sql, exchanges } = scriptedDataApi([resuming, resuming, { status: 200, body: { formattedRecords: '[{"ok":1}]' } }]);
    expect(await sql.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    expect(exchanges).toHaveLength(3);
  });

  it('gives up on a cluster that keeps resuming with SqlUnavailableError', async () => {
    const resuming: Answer = { status: 400, errorType: 'DatabaseResumingException', body: { message: 'The database is resuming' } };
    const { sql, exchanges } = scriptedDataApi(Array.from({ length: 10 }, () => resuming));
    await expect(sql.query('SELECT 1')).rejects.toBeInstanceOf(SqlUnavailableError);
    expect(exchanges).toHaveLength(6);
  });

  it('passes other client errors through unchanged', async () => {
    const { sql } = scriptedDataApi([{ status: 400, errorType: 'BadRequestException', body: { message: "Table 'shop.nope' doesn't exist" } }]);
    await expect(sql.query('SELECT * FROM nope')).rejects.toThrow("Table 'shop.nope' doesn't exist");
  });
});
