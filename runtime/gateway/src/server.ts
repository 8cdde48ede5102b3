import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { GatewayConfig } from './config';
import { createGatewayRuntime } from './gateway-runtime';

const config = loadConfig(GatewayConfig);
await runServer(createGatewayRuntime(config), config);
