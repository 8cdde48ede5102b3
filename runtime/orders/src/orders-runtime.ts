import type { Static } from '@sinclair/typebox';
import { createUsersClient } from '../../shared/clients/users-client';
import { createServiceClient } from '../../shared/http/service-client';
import { createEventPublisher, createKafka } from '../../shared/kafka';
import { createServiceLogger, registerMetricsOf, type ServiceApp } from '../../shared/server';
import { createSqlClient, createSqlMetrics } from '../../shared/sql';
import { buildApp } from './app';
import { createProductsClient } from './clients/products-client';
import type { OrdersConfig } from './config';
import { createOrderService } from './order-service';
import { createOrderStore } from './order-store';
import { createOutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { createRetentionSweeper } from './retention';

export interface OrdersRuntimeOptions {
  /** Outbox relay timing (tests shorten it). @default - the relay's defaults */
  readonly relay?: Pick<OutboxRelayOptions, 'pollIntervalMs' | 'maxBackoffMs'>;
}

/**
 * The orders service wired to its backends: the app, with the outbox relay started when the app is
 * ready and, on close (after in-flight requests finished), the relay flushed and every client closed.
 * server.ts listens on it; integration tests run the same wiring in-process.
 */
export function createOrdersRuntime(config: Static<typeof OrdersConfig>, options: OrdersRuntimeOptions = {}): ServiceApp {
  // Beside the app's request logger, the same JSON lines for work outside requests (Kafka, background loops).
  const log = createServiceLogger('orders', config.LOG_LEVEL);

  const sqlMetrics = createSqlMetrics();
  const sql = createSqlClient(config, sqlMetrics);
  const usersHttp = createServiceClient({ caller: 'orders', name: 'users', baseUrl: config.USERS_URL });
  const productsHttp = createServiceClient({ caller: 'orders', name: 'products', baseUrl: config.PRODUCTS_URL });
  const publisher = createEventPublisher(createKafka({ clientId: 'orders', env: config, logger: log }));
  const relay = createOutboxRelay({ sql, publisher, log, ...options.relay });
  const retention = createRetentionSweeper({ sql, log });
  const orderService = createOrderService({
    users: createUsersClient(usersHttp),
    products: createProductsClient(productsHttp),
    store: createOrderStore(sql),
    onOrderPlaced: relay.wake,
    log,
  });

  const app = buildApp({ orderService, readiness: { database: () => sql.ping() }, logLevel: config.LOG_LEVEL });
  registerMetricsOf(app, relay, retention, publisher, sqlMetrics);
  app.addHook('onReady', async () => {
    relay.start();
    retention.start();
  });
  app.addHook('onClose', async () => {
    await orderService.settle();
    await retention.stop();
    await relay.stop();
    await publisher.close();
    await Promise.allSettled([usersHttp.close(), productsHttp.close()]);
    await sql.close();
  });
  return app;
}
