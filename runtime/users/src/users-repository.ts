import type { User } from '../../shared/api/users';
import { fromSqlTimestamp, toSqlTimestamp, type SqlClient } from '../../shared/sql';

interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, email, name, created_at, updated_at';

const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: fromSqlTimestamp(row.created_at),
  updatedAt: fromSqlTimestamp(row.updated_at),
});

/** Where the next page starts: after this (createdAt, id), the order of `ix_users_created`. */
export interface UserPosition {
  readonly createdAt: string;
  readonly id: string;
}

/**
 * SQL for the `users` table. Uniqueness of email is the table's unique key, so a taken email surfaces
 * as the driver's DuplicateKeyError from the INSERT or UPDATE itself, never from a prior check.
 */
export function createUsersRepository(sql: SqlClient) {
  return {
    async insert(user: User): Promise<void> {
      await sql.execute(
        'INSERT INTO users (id, email, name, created_at, updated_at) VALUES (:id, :email, :name, :createdAt, :updatedAt)',
        { ...user, createdAt: toSqlTimestamp(new Date(user.createdAt)), updatedAt: toSqlTimestamp(new Date(user.updatedAt)) },
      );
    },

    async findById(id: string): Promise<User | undefined> {
      const [row] = await sql.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = :id`, { id });
      return row && toUser(row);
    },

    /** Applies the given fields and returns the row as it is now, or undefined when there is no such user. */
    async update(id: string, changes: { email?: string; name?: string }, updatedAt: Date): Promise<User | undefined> {
      return sql.transaction(async (tx) => {
        const assignments = ['updated_at = :updatedAt'];
        if (changes.email !== undefined) assignments.push('email = :email');
        if (changes.name !== undefined) assignments.push('name = :name');
        await tx.execute(`UPDATE users SET ${assignments.join(', ')} WHERE id = :id`, {
          id,
          updatedAt: toSqlTimestamp(updatedAt),
          email: changes.email ?? null,
          name: changes.name ?? null,
        });
        // Read back in the same transaction: affectedRows cannot tell "no such row" from "no change" on every driver.
        const [row] = await tx.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = :id`, { id });
        return row && toUser(row);
      });
    },

    /** True when a row was deleted. */
    async delete(id: string): Promise<boolean> {
      const { affectedRows } = await sql.execute('DELETE FROM users WHERE id = :id', { id });
      return affectedRows > 0;
    },

    /** Up to `limit` users after `after`, oldest first; asks for one more to know whether another page exists. */
    async listAfter(after: UserPosition | undefined, limit: number): Promise<{ users: User[]; hasMore: boolean }> {
      const rows = after
        ? await sql.query<UserRow>(
            `SELECT ${COLUMNS} FROM users
             WHERE created_at > :createdAt OR (created_at = :createdAt AND id > :id)
             ORDER BY created_at, id LIMIT :take`,
            { createdAt: toSqlTimestamp(new Date(after.createdAt)), id: after.id, take: limit + 1 },
          )
        : await sql.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY created_at, id LIMIT :take`, { take: limit + 1 });
      return { users: rows.slice(0, limit).map(toUser), hasMore: rows.length > limit };
    },

    ping: () => sql.ping(),
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
