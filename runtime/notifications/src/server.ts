import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { startTracing } from '../../shared/telemetry/tracing';
import { NotificationsConfig } from './config';
import { createNotificationsRuntime } from './notifications-runtime';

const config = loadConfig(NotificationsConfig);
const tracing = startTracing({ service: 'notifications' });
await runServer(createNotificationsRuntime(config), config, tracing);
