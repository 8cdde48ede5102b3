import type { Static } from '@sinclair/typebox';
import type { ServiceApp } from '../../shared/server';
import { createSqlClient } from '../../shared/sql';
import { buildApp } from './app';
import type { UsersConfig } from './config';
import { createUsersRepository } from './users-repository';

/**
 * The users service wired to its backend: the app over the users table, with the SQL client closed on
 * close (after in-flight requests finished). server.ts listens on it.
 */
export function createUsersRuntime(config: Static<typeof UsersConfig>): ServiceApp {
  const sql = createSqlClient(config);
  const app = buildApp({ users: createUsersRepository(sql), logLevel: config.LOG_LEVEL });
  app.addHook('onClose', () => sql.close());
  return app;
}
