import type { ServiceAppOptions } from '../../shared/server/create-service-app';
import { ordersApi } from '../../shared/api/orders';
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import { callerIdentity, createServiceApp, isOwnerOrAdmin, registerMetricsOf, requireUser, type ReadinessCheck, type ServiceApp } from '../../shared/server';
import type { OrderService } from './order-service';

export interface OrdersAppDeps {
  readonly orderService: Pick<OrderService, 'placeOrder' | 'getOrder' | 'listOrders' | 'registerMetrics'>;
  /** The database only: Kafka being down must not take orders out of service (that is what the outbox is for). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
}

/** An order of 100 lines is about 8 KiB of JSON; anything far larger is not an order. */
const BODY_LIMIT = 32 * 1024;

/** Orders belong to the person who placed them: the caller places their own, and reads their own unless an administrator. */
export function buildApp(deps: OrdersAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'orders', readiness: deps.readiness, bodyLimit: BODY_LIMIT, logger: deps.logger, logLevel: deps.logLevel });
  void app.register(callerIdentity);
  registerMetricsOf(app, deps.orderService);

  app.post(
    '/orders',
    { schema: ordersApi.place },
    async (request, reply) => {
      const { subject } = requireUser(request);
      const idempotencyKey = request.headers['idempotency-key'];
      const { order, created } = await deps.orderService.placeOrder(
        { ...request.body, userId: subject },
        { requestId: request.id, ...(idempotencyKey ? { idempotencyKey } : {}) },
      );
      if (!created) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(order);
    },
  );

  app.get('/orders/:id', { schema: ordersApi.get }, async (request) => {
    const caller = requireUser(request);
    const order = await deps.orderService.getOrder(request.params.id);
    // Another person's order answers as if there were none: its existence does not leak.
    if (!isOwnerOrAdmin(caller, order.userId)) throw new NotFoundError('order', request.params.id);
    return order;
  });

  app.get('/orders', { schema: ordersApi.list }, async (request) => {
    const caller = requireUser(request);
    const { userId } = request.query;
    if (caller.admin) return deps.orderService.listOrders(request.query);
    if (userId !== undefined && userId.toLowerCase() !== caller.subject.toLowerCase()) {
      throw new ForbiddenError('a shopper lists only their own orders; leave out userId or pass your own');
    }
    return deps.orderService.listOrders({ ...request.query, userId: caller.subject });
  });

  return app;
}
