import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { UsersConfig } from './config';
import { createUsersRuntime } from './users-runtime';

const config = loadConfig(UsersConfig);
await runServer(createUsersRuntime(config), config);
