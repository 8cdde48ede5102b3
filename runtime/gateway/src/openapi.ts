import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorBody } from '../../shared/http';

/**
 * `/docs` (UI) and `/docs/json` (OpenAPI 3 document), generated from the schemas the routes carry,
 * which are the shared ones in runtime/shared/api. Must be registered before the routes it describes.
 */
const { $id: _id, ...errorBodyComponent } = ErrorBody;

export const openApiDocs = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      // Shared schemas carry an `$id` (ErrorBody, Order, ...): name their components after it, not `def-<n>`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Shop platform public API',
          version: '1.0.0',
          description:
            'Every error answers `{ "error": { "code", "message", "details"? } }` (schema ErrorBody) with the request id in `x-request-id`. ' +
            'The gateway itself answers 429 RATE_LIMITED (with Retry-After), 503 DEPENDENCY_UNAVAILABLE naming the service, and 504 UPSTREAM_TIMEOUT.',
        },
        // Every route embeds the error shape; listing it once makes it findable by name.
        components: { schemas: { ErrorBody: errorBodyComponent } },
        tags: [
          { name: 'users' },
          { name: 'products' },
          { name: 'orders' },
          { name: 'notifications' },
          { name: 'analytics', description: 'Results of the streaming analytics job' },
        ],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi-docs' },
);
