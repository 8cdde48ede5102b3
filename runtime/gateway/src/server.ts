import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { startTracing } from '../../shared/telemetry/tracing';
import { GatewayConfig } from './config';
import { createGatewayRuntime } from './gateway-runtime';

const config = loadConfig(GatewayConfig);
const tracing = startTracing({ service: 'gateway' });
await runServer(createGatewayRuntime(config), config, tracing);
