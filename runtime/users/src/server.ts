import { Type } from '@sinclair/typebox';
import { loadConfig, serverConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { createSqlClient, sqlConfig } from '../../shared/sql';
import { buildApp } from './app';
import { createUsersRepository } from './users-repository';

const config = loadConfig(Type.Object({ ...serverConfig(5001), ...sqlConfig }));
const sql = createSqlClient(config);
const app = buildApp({
  users: createUsersRepository(sql),
  logLevel: config.LOG_LEVEL,
});
app.addHook('onClose', () => sql.close());
await runServer(app, { port: config.PORT, host: config.HOST });
