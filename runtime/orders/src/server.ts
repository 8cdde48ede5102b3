import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { startTracing } from '../../shared/telemetry/tracing';
import { OrdersConfig } from './config';
import { createOrdersRuntime } from './orders-runtime';

const config = loadConfig(OrdersConfig);
const tracing = startTracing({ service: 'orders' });
await runServer(createOrdersRuntime(config), config, tracing);
