import { migrations as allMigrations, type Migration } from './migrations';
import type { SqlClient } from './sql-client';
import { toSqlTimestamp } from './timestamps';

export interface MigrationReport {
  readonly applied: number[];
  readonly alreadyApplied: number[];
}

/**
 * Applies the migrations this database has not seen, in version order, recording each in
 * `schema_migrations`. Running it again applies nothing. Statements are idempotent themselves
 * (`IF NOT EXISTS`), because MySQL commits DDL implicitly and a crash between a statement and its
 * record must not wedge the next run.
 */
export async function runMigrations(sql: SqlClient, migrations: readonly Migration[] = allMigrations): Promise<MigrationReport> {
  await sql.execute(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
      version INT NOT NULL PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      applied_at DATETIME(3) NOT NULL
    ) ENGINE=InnoDB`,
  );
  const seen = new Set((await sql.query<{ version: number }>('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (seen.has(migration.version)) continue;
    for (const statement of migration.statements) await sql.execute(statement);
    await sql.execute('INSERT IGNORE INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :appliedAt)', {
      version: migration.version,
      name: migration.name,
      appliedAt: toSqlTimestamp(new Date()),
    });
    applied.push(migration.version);
  }
  return { applied, alreadyApplied: [...seen].sort((a, b) => a - b) };
}
