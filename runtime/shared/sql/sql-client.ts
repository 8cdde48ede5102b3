/** Named parameters (`:name` in the statement). Both drivers accept the same statements and values. */
export type SqlParams = Readonly<Record<string, string | number | boolean | null | Date>>;

export interface ExecuteResult {
  readonly affectedRows: number;
  /** AUTO_INCREMENT id of an INSERT, when there is one. */
  readonly insertId?: number;
}

/** What a statement runs on: the client itself or an open transaction. */
export interface SqlExecutor {
  query<Row extends object>(sql: string, params?: SqlParams): Promise<Row[]>;
  execute(sql: string, params?: SqlParams): Promise<ExecuteResult>;
}

export interface TransactionOptions {
  /**
   * How many times to run `work` again, in a new transaction, when the server aborted it to break a
   * deadlock or after a lock wait timeout (SqlConflictError). Only for work with no effect outside the
   * database, since it runs again from the start. @default 0
   */
  readonly conflictRetries?: number;
}

/**
 * The one relational interface of the services. In AWS it is the RDS Data API (no connection pool
 * to size, IAM-authorised); locally and in tests it is mysql2 against a real MariaDB server.
 */
export interface SqlClient extends SqlExecutor {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A unique key was violated; `key` is the index name when the driver reports it. */
export class DuplicateKeyError extends Error {
  constructor(
    readonly key: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DuplicateKeyError';
  }
}

/** The database could not be reached or did not answer; the operation may be retried. */
export class SqlUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SqlUnavailableError';
  }
}

/**
 * The server rolled the transaction back to break a deadlock, or a lock wait timed out. Concurrent
 * writers of the same index ranges meet this now and then under InnoDB; the same transaction run
 * again usually succeeds.
 */
export class SqlConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SqlConflictError';
  }
}

/** Runs `attempt` again after a short random pause while it fails with SqlConflictError, at most `retries` times. */
export async function retryConflicts<T>(retries: number, attempt: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof SqlConflictError) || failures >= retries) throw error;
      // Random, so the transactions that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** failures));
    }
  }
}

/** `Duplicate entry 'a@b.c' for key 'users.uq_users_email'` -> `uq_users_email` (both servers phrase it so). */
export function duplicateKeyName(message: string): string | undefined {
  const match = /for key '(?:[^'.]+\.)?([^']+)'/.exec(message);
  return match?.[1];
}
