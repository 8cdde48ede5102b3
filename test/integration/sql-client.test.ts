import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlConflictError, createMysqlSqlClient, type SqlClient } from '../../runtime/shared/sql';
import { localBackends } from './backends';

const { env } = localBackends();

describe('SqlClient on MariaDB: transactions that deadlock', () => {
  let sql: SqlClient;
  const table = `deadlock_${randomUUID().replaceAll('-', '')}`;

  beforeAll(async () => {
    sql = createMysqlSqlClient({ url: env.MYSQL_URL });
    await sql.execute(`CREATE TABLE ${table} (id INT NOT NULL PRIMARY KEY, hits INT NOT NULL) ENGINE=InnoDB`);
  });

  afterAll(async () => {
    await sql.execute(`DROP TABLE ${table}`);
    await sql.close();
  });

  /**
   * Two transactions that each update one row, wait until the other has too, then update the other's
   * row: a deadlock InnoDB breaks by rolling one back. A run after the first passes the gate at once.
   */
  async function crossUpdates(conflictRetries: number) {
    await sql.execute(`REPLACE INTO ${table} (id, hits) VALUES (1, 0), (2, 0)`);
    let arrive!: () => void;
    let bothLocked = 0;
    const gate = new Promise<void>((resolve) => (arrive = resolve));
    let attempts = 0;
    const crossing = (first: number, second: number) =>
      sql.transaction(
        async (tx) => {
          attempts++;
          await tx.execute(`UPDATE ${table} SET hits = hits + 1 WHERE id = :id`, { id: first });
          if (++bothLocked === 2) arrive();
          await gate;
          await tx.execute(`UPDATE ${table} SET hits = hits + 1 WHERE id = :id`, { id: second });
        },
        { conflictRetries },
      );
    const outcomes = await Promise.allSettled([crossing(1, 2), crossing(2, 1)]);
    const rows = await sql.query<{ id: number; hits: number }>(`SELECT id, hits FROM ${table} ORDER BY id`);
    return { outcomes, attempts, rows };
  }

  it('reports the transaction the server rolled back as SqlConflictError, and keeps none of its writes', async () => {
    const { outcomes, rows } = await crossUpdates(0);
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(SqlConflictError);
    expect(rows).toEqual([
      { id: 1, hits: 1 },
      { id: 2, hits: 1 },
    ]);
  });

  it('runs the rolled-back transaction again with conflictRetries, so both commit', async () => {
    const { outcomes, attempts, rows } = await crossUpdates(2);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(attempts).toBe(3);
    expect(rows).toEqual([
      { id: 1, hits: 2 },
      { id: 2, hits: 2 },
    ]);
  });
});
