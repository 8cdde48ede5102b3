import type { ServiceAppOptions } from '../../shared/server/create-service-app';
import { ListOrdersQuery, Order, OrderPage, OrderParams, PlaceOrderBody, PlaceOrderHeaders } from '../../shared/api/orders';
import { errorResponses } from '../../shared/http/error-body';
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
    {
      schema: {
        summary: 'Place an order',
        description: 'Reserves stock and stores the order. With an Idempotency-Key, a retry with the same body returns the first answer.',
        headers: PlaceOrderHeaders,
        body: PlaceOrderBody,
        response: { 201: Order, ...errorResponses(400, 404, 409, 413, 415, 422, 503) },
      },
    },
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

  app.get(
    '/orders/:id',
    { schema: { summary: 'Get an order', params: OrderParams, response: { 200: Order, ...errorResponses(400, 404, 503) } } },
    async (request) => deps.orderService.getOrder(request.params.id),
  );

  app.get(
    '/orders',
    { schema: { summary: 'List orders, newest first', querystring: ListOrdersQuery, response: { 200: OrderPage, ...errorResponses(400, 503) } } },
    async (request) => deps.orderService.listOrders(request.query),
  );

  return app;
}
