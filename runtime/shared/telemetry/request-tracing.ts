import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyInstance } from 'fastify';

/** Span attribute with the request id (`x-request-id`), so `npm run trace -- <request id>` finds the trace. */
export const REQUEST_ID_ATTRIBUTE = 'shop.request_id';

/** Probes and scrapes: a root trace for each would bury the requests. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// One for the process: it holds no per-app state, and its tracer follows the global provider once
// startTracing registered one (until then its spans are no-ops).
const instrumentation = new FastifyOtelInstrumentation({
  ignorePaths: ({ url }) => UNTRACED_PATHS.has(url.split('?', 1)[0]!),
  // The request's span is enough: a span per hook or for the handler would outnumber the spans that say
  // something, and the request's context stays active through hooks, body parsing and handler without them.
  instrumentHooks: false,
  instrumentHandler: false,
  requestHook: (span, request) => {
    // Named like the HTTP semantic conventions' server spans: method and route pattern, never the raw URL.
    span.updateName(request.routeOptions.url === undefined ? request.method : `${request.method} ${request.routeOptions.url}`);
    span.setAttribute(REQUEST_ID_ATTRIBUTE, request.id);
  },
});

/**
 * A SERVER span per request, child of the caller's `traceparent`, active while the route runs, so
 * the spans of outgoing calls and the log lines of the request belong to it. Applied to the instance
 * itself rather than registered: its onRoute hook must see routes added at once after it, and its
 * onRequest hook must run before every other.
 */
export function traceRequests(app: FastifyInstance): void {
  instrumentation.plugin()(app, {}, () => {});
}
