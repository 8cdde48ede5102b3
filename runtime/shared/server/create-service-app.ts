import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type ConnectionError, type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance, type RawServerDefault } from 'fastify';
import { inputErrorStatuses, withErrorResponses, type ErrorBody } from '../http/error-body';
import { errorHandler, replyWithError } from './error-handler';
import { traceRequests } from '../telemetry/request-tracing';
import { health, type ReadinessCheck } from './health';
import { serviceLoggerOptions } from './logger';
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
 * Longest path segment the router matches. Far above any id (MAX_PATH_ID_LENGTH), so a long id meets
 * the route's schema and is a 400 that says so; find-my-way's default of 100 guards regular-expression
 * parameters, which no route here has, and would turn a 101-character id into a 414. Node refuses a
 * request line over its 16 KiB header limit before the router sees it.
 */
const MAX_PARAM_LENGTH = 16 * 1024;

/** Requests Node could not parse as HTTP never reach Fastify: they get the shared shape on the raw socket. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'HEADERS_TOO_LARGE', message: 'the request line and headers exceed 16 KiB' },
};

function answerClientError(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, code: 'MALFORMED_REQUEST', message: 'the request is not valid HTTP/1.1' };
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${randomUUID()}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * The Fastify instance every service starts from: JSON logs with the request id and trace id, a
 * trace span per request (W3C `traceparent` in), `x-request-id` in and out, schema validation that rejects unknown fields (and, in bodies, wrong types), the shared
 * error shape for every refusal (down to requests that are not HTTP), 405 with `Allow`, health,
 * readiness and metrics. Bodies are JSON only, and DELETE carries none. Each route's schema documents
 * the error statuses its input can cause. Services add their routes to it; it never listens (see `runServer`).
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = Fastify({
    logger: options.logger ?? serviceLoggerOptions(options.service, options.logLevel),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    trustProxy: options.trustedProxies?.length ? [...options.trustedProxies] : false,
    // Keep-alive longer than the load balancer's 60 s idle timeout, so the balancer closes first.
    keepAliveTimeout: 72_000,
    requestTimeout: 30_000,
    // A request already on its way over a connection open when closing begins is served like any other
    // (the drain has told keep-alive clients to go elsewhere); Fastify's default answers it with a 503
    // outside the error shape, which the caller would see as a failed request.
    return503OnClosing: false,
    // Fastify's two lines per request are replaced by the one completion line below.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: replyWithError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  traceRequests(app);
  app.setValidatorCompiler(validatorCompiler);
  // A DELETE body has no meaning in HTTP or in this API: it is not read, so it cannot fail a DELETE.
  app.addHttpMethod('DELETE', { hasBody: false, overrideExisting: true });
  // JSON is the only body this API takes: text/plain would reach validation as a string, a 400 where 415 is the truth.
  app.removeContentTypeParser('text/plain');
  // Run before any other onRoute hook (the OpenAPI generator's), so the document shows what is added.
  app.addHook('onRoute', (route) => {
    if (route.schema !== undefined) route.schema = withErrorResponses(route.schema, inputErrorStatuses(route.method, route.schema));
  });

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
