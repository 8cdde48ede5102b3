import { productsApi } from '../../shared/api/products';
import type { ProductStore, StockReservations } from '../../shared/products';
import { callerIdentity, createServiceApp, requireAdmin, requireService, type ServiceApp, type ServiceAppOptions } from '../../shared/server';

export interface ProductsAppDeps {
  readonly products: Pick<ProductStore, 'create' | 'get' | 'update' | 'remove' | 'list' | 'ping'>;
  readonly reservations: StockReservations;
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
}

/**
 * The products service's HTTP API over its store and reservations; never listens (see server.ts).
 * Anyone reads the catalog; administrators change it; only the orders service reserves stock. The
 * gateway refuses the first two already; checking here too keeps a service reached some other way safe.
 */
export function buildApp({ products, reservations, logger, logLevel }: ProductsAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'products', logger, logLevel, bodyLimit: 64 * 1024, readiness: { table: () => products.ping() } });
  void app.register(callerIdentity);

  app.post('/products', { schema: productsApi.create }, async (request, reply) => {
    requireAdmin(request);
    return reply.status(201).send(await products.create(request.body));
  });
  app.get('/products/:id', { schema: productsApi.get }, async (request) => products.get(request.params.id));
  app.patch('/products/:id', { schema: productsApi.update }, async (request) => {
    requireAdmin(request);
    return products.update(request.params.id, request.body);
  });
  app.delete('/products/:id', { schema: productsApi.delete }, async (request, reply) => {
    requireAdmin(request);
    await products.remove(request.params.id);
    return reply.status(204).send(null);
  });
  app.get('/products', { schema: productsApi.list }, async (request) => products.list(request.query.limit, request.query.cursor));

  app.post('/products/reservations', { schema: productsApi.reserve }, async (request, reply) => {
    requireService(request, 'orders');
    return reply.status(201).send(await reservations.reserve(request.body));
  });
  app.delete('/products/reservations/:id', { schema: productsApi.release }, async (request, reply) => {
    requireService(request, 'orders');
    await reservations.release(request.params.id);
    return reply.status(204).send(null);
  });
  return app;
}
