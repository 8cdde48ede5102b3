import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { OrdersConfig } from './config';
import { createOrdersRuntime } from './orders-runtime';

const config = loadConfig(OrdersConfig);
await runServer(createOrdersRuntime(config), config);
