import Fastify from 'fastify';

/*
 * A products stand-in that answers GET /products/:id from memory: the bench puts the gateway, and a
 * plain proxy beside it, in front of it, so the extra hop's cost is measured apart from the products
 * service's own (its validation and the DynamoDB API server behind it).
 */

const product = {
  id: '6c1f8f0e-8a0e-4b8e-9a57-1f0b7f9d1a11',
  name: 'Espresso cup',
  description: 'Porcelain, 90 ml',
  priceCents: 1299,
  currency: 'EUR',
  stock: 120,
  sku: 'CUP-90',
  createdAt: '2026-11-27T12:00:00.000Z',
  updatedAt: '2026-11-27T12:00:00.000Z',
};

const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
app.get('/products/:id', async () => product);
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
