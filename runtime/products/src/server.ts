import { loadConfig } from '../../shared/config';
import { runServer } from '../../shared/server';
import { ProductsConfig } from './config';
import { createProductsRuntime } from './products-runtime';

const config = loadConfig(ProductsConfig);
await runServer(createProductsRuntime(config), config);
