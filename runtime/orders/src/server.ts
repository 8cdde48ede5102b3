import pino from 'pino';
import { createUsersClient } from '../../shared/clients/users-client';
import { loadConfig } from '../../shared/config';
import { createServiceClient } from '../../shared/http/service-client';
import { createEventPublisher, createKafka } from '../../shared/kafka';
import { runServer } from '../../shared/server';
import { createSqlClient } from '../../shared/sql';
import { buildApp } from './app';
import { createProductsClient } from './clients/products-client';
import { OrdersConfig } from './config';
import { createOrderService } from './order-service';
import { createOrderStore } from './order-store';
import { createOutboxRelay } from './outbox-relay';

const config = loadConfig(OrdersConfig);
const logOptions = { level: config.LOG_LEVEL, base: { service: 'orders' } };
// The app's request logger and this one (outbox relay, Kafka) write the same JSON lines to stdout.
const log = pino(logOptions);

const sql = createSqlClient(config);
const usersHttp = createServiceClient({ name: 'users', baseUrl: config.USERS_URL });
const productsHttp = createServiceClient({ name: 'products', baseUrl: config.PRODUCTS_URL });
const publisher = createEventPublisher(createKafka({ clientId: 'orders', env: config, logger: log }));
const relay = createOutboxRelay({ sql, publisher, log });
const orderService = createOrderService({
  users: createUsersClient(usersHttp),
  products: createProductsClient(productsHttp),
  store: createOrderStore(sql),
  onOrderPlaced: relay.wake,
  log,
});

const app = buildApp({ orderService, readiness: { database: () => sql.ping() }, logger: logOptions });
relay.registerMetrics(app.metrics);
app.addHook('onReady', async () => relay.start());
// Runs after the server stopped taking requests: publish what is pending, then close the clients.
app.addHook('onClose', async () => {
  await relay.stop();
  await publisher.close();
  await Promise.allSettled([usersHttp.close(), productsHttp.close()]);
  await sql.close();
});

await runServer(app, { port: config.PORT, host: config.HOST });
