import type { Static } from '@sinclair/typebox';
import { registerMetricsOf, type ServiceApp } from '../../shared/server';
import { createSqlClient, createSqlMetrics } from '../../shared/sql';
import { buildApp } from './app';
import type { UsersConfig } from './config';
import { createUsersRepository } from './users-repository';

/**
 * The users service wired to its backend: the app over the users table, with the SQL client closed on
 * close (after in-flight requests finished). server.ts listens on it.
 */
export function createUsersRuntime(config: Static<typeof UsersConfig>): ServiceApp {
  const sqlMetrics = createSqlMetrics();
  const sql = createSqlClient(config, sqlMetrics);
  const app = buildApp({ users: createUsersRepository(sql), logLevel: config.LOG_LEVEL });
  registerMetricsOf(app, sqlMetrics);
  app.addHook('onClose', () => sql.close());
  return app;
}
