import type { ServiceAppOptions } from '../../shared/server/create-service-app';
import { ordersApi } from '../../shared/api/orders';
import { createServiceApp, type ReadinessCheck, type ServiceApp } from '../../shared/server';
import type { OrderService } from './order-service';

export interface OrdersAppDeps {
  readonly orderService: Pick<OrderService, 'placeOrder' | 'getOrder' | 'listOrders'>;
  /** The database only: Kafka being down must not take orders out of service (that is what the outbox is for). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
}

/** An order of 100 lines is about 8 KiB of JSON; anything far larger is not an order. */
const BODY_LIMIT = 32 * 1024;

export function buildApp(deps: OrdersAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'orders', readiness: deps.readiness, bodyLimit: BODY_LIMIT, logger: deps.logger, logLevel: deps.logLevel });

  app.post(
    '/orders',
    { schema: ordersApi.place },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const { order, created } = await deps.orderService.placeOrder(request.body, {
        requestId: request.id,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      if (!created) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(order);
    },
  );

  app.get('/orders/:id', { schema: ordersApi.get }, async (request) => deps.orderService.getOrder(request.params.id));
  app.get('/orders', { schema: ordersApi.list }, async (request) => deps.orderService.listOrders(request.query));

  return app;
}
