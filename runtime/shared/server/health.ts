import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
// Brings the `hide` schema flag: operational routes stay out of the public OpenAPI document.
import type {} from '@fastify/swagger';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The first step of a graceful shutdown (see `runServer`): from now on `/readyz` answers 503, so
     * balancers stop routing new connections here, and every answer carries `Connection: close`, so a
     * keep-alive client opens its next connection through the balancer, to a ready replica. Requests
     * are still served as usual until `close()`.
     */
    startDraining(): void;
  }
}

/** A dependency probe: resolves when the dependency answers, rejects (or hangs past the timeout) when not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** @default 2000 */
  readonly timeoutMs?: number;
}

const withTimeout = (check: ReadinessCheck, ms: number) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check().then(
      () => (clearTimeout(timer), resolve()),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });

/**
 * `/healthz` says the process serves requests (liveness: never checks dependencies, so a database
 * outage does not restart every pod); `/readyz` checks this service's own dependencies (readiness)
 * and fails from the moment the service starts draining.
 */
export const health = fp(
  async (app: FastifyInstance, options: HealthOptions) => {
    const timeoutMs = options.timeoutMs ?? 2000;
    let draining = false;
    app.decorate('startDraining', () => {
      draining = true;
    });
    // Callback style: it runs on every request, and an async hook costs a promise each time.
    app.addHook('onRequest', (_request, reply, done) => {
      if (draining) void reply.header('connection', 'close');
      done();
    });
    app.get('/healthz', { schema: { hide: true }, logLevel: 'warn' }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
      const names = Object.keys(options.checks);
      const results = await Promise.allSettled(names.map((name) => withTimeout(options.checks[name]!, timeoutMs)));
      const checks = Object.fromEntries(
        names.map((name, i) => {
          const result = results[i]!;
          return [name, result.status === 'fulfilled' ? 'ok' : String((result.reason as Error).message)];
        }),
      );
      const ready = !draining && results.every((r) => r.status === 'fulfilled');
      void reply.status(ready ? 200 : 503);
      return { status: ready ? 'ready' : draining ? 'shutting_down' : 'not_ready', checks };
    });
  },
  { name: 'health' },
);
