import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
// Brings the `hide` schema flag: operational routes stay out of the public OpenAPI document.
import type {} from '@fastify/swagger';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Something that counts or times work of its own (a store, a consumer, a driver's metrics). */
export interface MetricSource {
  registerMetrics(registry: Registry): void;
}

/** Adds the metrics of `sources` to the app's registry, which exists once the metrics plugin has loaded, i.e. inside a later plugin. */
export function registerMetricsOf(app: FastifyInstance, ...sources: readonly MetricSource[]): void {
  void app.register(async (instance) => {
    for (const source of sources) source.registerMetrics(instance.metrics);
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This service's Prometheus registry; services register their own metrics on it. */
    metrics: Registry;
  }
}

/** Request count, latency and errors by route (the route pattern, never the raw URL, to bound cardinality). */
export const metrics = fp(
  async (app: FastifyInstance, options: { service: string }) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: registry });
    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
    const errors = new Counter({ name: 'http_request_errors_total', help: 'HTTP requests answered with 4xx or 5xx', labelNames, registers: [registry] });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    app.decorate('metrics', registry);
    // prom-client hashes a label object on every call; the children of each method, route and status
    // are looked up once and kept (the set is bounded: routes are patterns, statuses a few codes).
    const children = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<(typeof labelNames)[number]>; errors: Counter.Internal | undefined }>();
    const childrenOf = (method: string, route: string, status: number) => {
      const key = `${method} ${route} ${status}`;
      let found = children.get(key);
      if (found === undefined) {
        const values = [method, route, String(status)] as const;
        found = { requests: requests.labels(...values), duration: duration.labels(...values), errors: status >= 400 ? errors.labels(...values) : undefined };
        children.set(key, found);
      }
      return found;
    };
    app.addHook('onResponse', (request, reply, done) => {
      const child = childrenOf(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
      child.requests.inc();
      child.duration.observe(reply.elapsedTime / 1000);
      child.errors?.inc();
      done();
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      void reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
