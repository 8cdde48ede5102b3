import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorBody } from '../../shared/http';

/**
 * `/docs` (UI) and `/docs/json` (OpenAPI 3 document), generated from the schemas the routes carry,
 * which are the shared ones in runtime/shared/api, with every error status a route can answer (the
 * route's own, those createServiceApp derives from its input, the gateway's). Must be registered
 * before the routes it describes.
 */
const { $id: _id, ...errorBodyComponent } = ErrorBody;
const ERROR_BODY_REF = { $ref: '#/components/schemas/ErrorBody' };

interface Operation {
  parameters?: { required?: boolean; schema?: { default?: unknown } }[];
  responses?: Record<string, { content?: Record<string, { schema?: { title?: string } | typeof ERROR_BODY_REF }> }>;
}

/**
 * Two corrections of the generated document. Every error answer carries the same shape, so it points
 * at the one `ErrorBody` component instead of a copy. A query parameter with a default is filled in by
 * the server when absent (the validator's `useDefaults`), so a client need not send it, although its
 * schema requires it for the handlers' sake.
 */
function describeAsServed<Document extends { paths?: object }>({ openapiObject }: { openapiObject: Document }): Document {
  for (const pathItem of Object.values(openapiObject.paths ?? {}) as Record<string, Operation>[]) {
    for (const operation of Object.values(pathItem)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema?.default !== undefined) parameter.required = false;
      }
      for (const response of Object.values(operation.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (json?.schema !== undefined && 'title' in json.schema && json.schema.title === 'ErrorBody') json.schema = ERROR_BODY_REF;
      }
    }
  }
  return openapiObject;
}

export const openApiDocs = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      // Shared schemas carry an `$id` (ErrorBody, Order, ...): name their components after it, not `def-<n>`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      transformObject: (documents) => ('openapiObject' in documents ? describeAsServed(documents) : documents.swaggerObject),
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Shop platform public API',
          version: '1.0.0',
          description:
            'Every error answers `{ "error": { "code", "message", "details"? } }` (schema ErrorBody) with the request id in `x-request-id`; ' +
            'each operation lists every status it can answer. Product reads are open to anyone; every other operation needs an access token ' +
            'of the identity provider (`Authorization: Bearer <token>`, scheme `bearer`). The gateway itself answers 401 UNAUTHENTICATED ' +
            '(with `WWW-Authenticate`) for a missing token where one is needed and for a token that is not valid on any operation, ' +
            '403 FORBIDDEN to a shopper on an administrators\' operation, 429 RATE_LIMITED (with Retry-After; per token subject, or per address without a token), ' +
            '503 DEPENDENCY_UNAVAILABLE naming the service, and 504 UPSTREAM_TIMEOUT. A path asked with a method it does not serve ' +
            'is 405 METHOD_NOT_ALLOWED with an `Allow` header listing those it does; an unknown path is 404 ROUTE_NOT_FOUND. ' +
            'Lists are paged with opaque cursors: pass `nextCursor` back as `cursor`.',
        },
        // Every error answer refers to the one error shape; protected operations name the bearer scheme (see public-routes.ts).
        components: {
          schemas: { ErrorBody: errorBodyComponent },
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token of the identity provider (Amazon Cognito; locally `npm run token -- <email>`)' },
          },
        },
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
