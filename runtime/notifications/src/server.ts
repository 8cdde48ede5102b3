import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { NotificationsConfig } from './config';
import { createNotificationsRuntime } from './notifications-runtime';

const config = loadConfig(NotificationsConfig);
await runServer(createNotificationsRuntime(config), config);
