import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { startTracing } from '../../shared/telemetry/tracing';
import { UsersConfig } from './config';
import { createUsersRuntime } from './users-runtime';

const config = loadConfig(UsersConfig);
const tracing = startTracing({ service: 'users' });
await runServer(createUsersRuntime(config), config, tracing);
