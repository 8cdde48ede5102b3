import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance, type RawServerDefault } from 'fastify';
import { errorHandler } from './error-handler';
import { health, type ReadinessCheck } from './health';
import { metrics } from './metrics';
import { validatorCompiler } from './validator-compiler';

export type ServiceApp = FastifyInstance<RawServerDefault, any, any, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ServiceAppOptions {
  /** Service name, used as the `service` label on metrics and in logs. */
  readonly service: string;
  /** Dependency probes for `/readyz`. @default - none: ready as soon as it listens */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** pino options, or `false` for no logs (tests). @default - JSON logs at `logLevel` */
  readonly logger?: FastifyHttpOptions<RawServerDefault>['logger'];
  /** Level of the default logger, e.g. from LOG_LEVEL; ignored when `logger` is given. @default 'info' */
  readonly logLevel?: string;
  /** Largest accepted request body. @default 262144 (256 KiB) */
  readonly bodyLimit?: number;
  /**
   * Addresses or CIDRs of the proxies in front (load balancers) whose `X-Forwarded-For` is believed,
   * so that `request.ip` is the client rather than the balancer. @default - none: `request.ip` is the connected peer
   */
  readonly trustedProxies?: readonly string[];
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The Fastify instance every service starts from: JSON logs with the request id, `x-request-id` in
 * and out, schema validation that rejects unknown fields (and, in bodies, wrong types), the shared
 * error shape, health, readiness and metrics. Services add their routes to it; it never listens (see `runServer`).
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = Fastify({
    logger: options.logger ?? {
      level: options.logLevel ?? 'info',
      base: { service: options.service },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    trustProxy: options.trustedProxies?.length ? [...options.trustedProxies] : false,
    // Keep-alive longer than the load balancer's 60 s idle timeout, so the balancer closes first.
    keepAliveTimeout: 72_000,
    requestTimeout: 30_000,
    // Fastify's two lines per request are replaced by the one completion line below.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  // Callback-style hooks: these run on every request, and an async hook costs a promise each time.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.logLevel !== 'warn' || reply.statusCode >= 400) {
      request.log.info(
        { method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request completed',
      );
    }
    done();
  });
  void app.register(errorHandler);
  void app.register(metrics, { service: options.service });
  void app.register(health, { checks: options.readiness ?? {} });
  return app;
}
