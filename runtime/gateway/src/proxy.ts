import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ROLE, CALLER_HEADERS } from '../../shared/server';
import type { PublicRoute, TimeoutClass, UpstreamName } from './public-routes';
import { UpstreamUnavailableError, type Upstream, type UpstreamResponse } from './upstream';

export interface PublicApiProxyOptions {
  readonly routes: readonly PublicRoute[];
  readonly upstreams: Readonly<Record<UpstreamName, Upstream>>;
  readonly timeoutsMs: Readonly<Record<TimeoutClass, number>>;
}

/** Upstream answer headers worth relaying; hop-by-hop and gateway-owned ones (x-request-id, date) stay behind. */
const RELAYED_HEADERS = ['content-type', 'retry-after', 'etag', 'cache-control', 'idempotent-replayed'] as const;
const API_PREFIX_LENGTH = '/api'.length;
// As the router reads an absolute-form target: http or https, the authority up to the first slash.
const SCHEME_AND_AUTHORITY = /^https?:\/\/[^/]*/i;

/**
 * The path and query the upstream is asked for: the public ones without `/api`, byte for byte. A
 * request may name its target in absolute form (`GET http://shop.example/api/users`), which HTTP/1.1
 * servers must accept and the router does; the upstream still gets the origin form.
 */
function upstreamPath(url: string): string {
  const originForm = url.charCodeAt(0) === 0x2f ? url : url.replace(SCHEME_AND_AUTHORITY, '');
  return originForm.slice(API_PREFIX_LENGTH);
}

// The upstream validates and serialises against the same shared schemas; doing it twice would only
// cost time. The schemas stay on the routes for the OpenAPI document.
const acceptAnything = () => () => true;
const stringify = () => (data: unknown) => JSON.stringify(data);

/**
 * Routes the public API to the services. Encapsulated (not fastify-plugin) because it replaces the
 * JSON body parser for its own routes only: bodies are checked to be JSON, so garbage is refused at
 * the edge, and forwarded as the bytes received, never re-serialised.
 */
export async function publicApiProxy(app: FastifyInstance, options: PublicApiProxyOptions): Promise<void> {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    try {
      JSON.parse(body.toString('utf8'));
      done(null, body);
    } catch (error) {
      done(error as SyntaxError, undefined);
    }
  });

  for (const route of options.routes) {
    const upstream = options.upstreams[route.upstream];
    const timeoutMs = options.timeoutsMs[route.timeout];
    // Reads are safe to repeat; a write might have been applied before the connection broke.
    const retryOnce = route.method === 'GET';
    const method = route.method;
    app.route({
      method,
      url: route.url,
      config: { access: route.access },
      schema: route.schema,
      validatorCompiler: acceptAnything,
      serializerCompiler: stringify,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        // Built from scratch: nothing the client sent reaches the service unless named here, so the
        // identity headers are only ever the gateway's, from a verified token.
        const headers: Record<string, string> = { 'x-request-id': request.id, 'x-forwarded-for': request.ip };
        if (request.principal !== undefined) {
          headers[CALLER_HEADERS.subject] = request.principal.subject;
          headers[CALLER_HEADERS.roles] = request.principal.admin ? ADMIN_ROLE : '';
        }
        const { 'content-type': contentType, 'idempotency-key': idempotencyKey } = request.headers;
        if (contentType !== undefined) headers['content-type'] = contentType;
        if (typeof idempotencyKey === 'string') headers['idempotency-key'] = idempotencyKey;
        let answer: UpstreamResponse;
        try {
          answer = await upstream.send({
            method,
            path: upstreamPath(request.url),
            headers,
            body: request.body as Buffer | undefined,
            timeoutMs,
            retryOnce,
          });
        } catch (error) {
          // Tell clients refused by an open circuit when it will let a request through again.
          if (error instanceof UpstreamUnavailableError && error.retryAfterSeconds !== undefined) {
            void reply.header('retry-after', String(Math.max(1, error.retryAfterSeconds)));
          }
          throw error;
        }
        void reply.code(answer.statusCode);
        for (const name of RELAYED_HEADERS) {
          const value = answer.headers[name];
          if (value !== undefined) void reply.header(name, value);
        }
        const location = answer.headers.location;
        // The upstream names its own path (`/orders/42`); the client knows it as `/api/orders/42`.
        if (typeof location === 'string' && location.startsWith('/')) void reply.header('location', `/api${location}`);
        return reply.send(answer.body);
      },
    });
  }
}
