import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { startTracing } from '../../shared/telemetry/tracing';
import { ProductsConfig } from './config';
import { createProductsRuntime } from './products-runtime';

const config = loadConfig(ProductsConfig);
const tracing = startTracing({ service: 'products' });
await runServer(createProductsRuntime(config), config, tracing);
