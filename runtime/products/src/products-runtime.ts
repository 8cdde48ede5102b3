import type { Static } from '@sinclair/typebox';
import { createDynamoClient, createDynamoMetrics } from '../../shared/dynamo';
import { createProductStore, createStockReservations } from '../../shared/products';
import { registerMetricsOf, type ServiceApp } from '../../shared/server';
import { buildApp } from './app';
import type { ProductsConfig } from './config';

/**
 * The products service wired to its backend: the app over the shared products table access, with the
 * DynamoDB client closed on close (after in-flight requests finished). server.ts listens on it.
 */
export function createProductsRuntime(config: Static<typeof ProductsConfig>): ServiceApp {
  const dynamoMetrics = createDynamoMetrics();
  const dynamo = createDynamoClient(config, dynamoMetrics);
  const table = { dynamo, tableName: config.PRODUCTS_TABLE };
  const app = buildApp({ products: createProductStore(table), reservations: createStockReservations(table), logLevel: config.LOG_LEVEL });
  registerMetricsOf(app, dynamoMetrics);
  app.addHook('onClose', async () => dynamo.destroy());
  return app;
}
