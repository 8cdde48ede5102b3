import rateLimit from '@fastify/rate-limit';
import { DomainError } from '../../shared/errors';
import { createServiceApp, type ServiceApp, type ServiceAppOptions } from '../../shared/server';
import { analyticsWindowsRoute } from './analytics/windows-route';
import { LatestWindows } from './analytics/latest-windows';
import type { CircuitBreakerOptions } from './circuit-breaker';
import { createGatewayMetrics } from './gateway-metrics';
import type { AccessTokenVerifier } from './identity/access-token-verifier';
import { authentication } from './identity/authentication';
import { openApiDocs } from './openapi';
import { publicApiProxy } from './proxy';
import { PUBLIC_ROUTES, UPSTREAMS, type TimeoutClass, type UpstreamName } from './public-routes';
import { Upstream } from './upstream';

export interface GatewayDeps {
  /** Base URL of each service. */
  readonly upstreamUrls: Readonly<Record<UpstreamName, string>>;
  /** Verifies the bearer tokens: `createAccessTokenVerifier` over the issuer's keys. */
  readonly accessTokens: AccessTokenVerifier;
  /** Group of the identity provider whose members are administrators. @default 'admin' */
  readonly adminGroup?: string;
  /**
   * Requests per window: `max` per client IP for callers without a token, `perSubjectMax` per token
   * subject (one person, whatever their addresses, and people sharing an address do not share a limit).
   * @default perSubjectMax - `max`
   */
  readonly rateLimit: { readonly max: number; readonly perSubjectMax?: number; readonly timeWindowMs: number };
  /** @default { read: 2000, write: 5000, placeOrder: 10000 } */
  readonly timeoutsMs?: Partial<Record<TimeoutClass, number>>;
  /** @default - 5 consecutive failures open a circuit for 5 s */
  readonly breaker?: Omit<CircuitBreakerOptions, 'onStateChange'>;
  /** Store the analytics consumer fills. @default - an empty store */
  readonly windows?: LatestWindows;
  /** @default 65536 */
  readonly bodyLimit?: number;
  /** Load balancers (addresses or CIDRs) in front of the gateway; the rate limit counts per `request.ip`. @default - none */
  readonly trustedProxies?: readonly string[];
  readonly logger?: ServiceAppOptions['logger'];
  readonly logLevel?: string;
}

const DEFAULT_TIMEOUTS_MS: Record<TimeoutClass, number> = { read: 2000, write: 5000, placeOrder: 10_000 };
const READINESS_TIMEOUT_MS = 1000;

/** The API gateway: the public API routed to the services, `/docs`, and the analytics windows. Never listens. */
export function buildApp(deps: GatewayDeps): ServiceApp {
  const metrics = createGatewayMetrics();
  const upstreams = Object.fromEntries(
    UPSTREAMS.map((name) => [
      name,
      new Upstream({
        name,
        baseUrl: deps.upstreamUrls[name],
        breaker: deps.breaker,
        onCall: metrics.observeCall,
        onBreakerStateChange: metrics.setCircuitState,
      }),
    ]),
  ) as Record<UpstreamName, Upstream>;

  const app = createServiceApp({
    service: 'gateway',
    logger: deps.logger,
    logLevel: deps.logLevel,
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    trustedProxies: deps.trustedProxies,
    readiness: Object.fromEntries(UPSTREAMS.map((name) => [name, () => upstreams[name].isAlive(READINESS_TIMEOUT_MS)])),
  });

  app.addHook('onClose', async () => {
    await Promise.all(UPSTREAMS.map((name) => upstreams[name].close()));
  });
  void app.after(() => {
    metrics.registerOn(app.metrics);
    for (const name of UPSTREAMS) metrics.setCircuitState(name, upstreams[name].breaker.state);
  });

  // Before the limit, so that it counts per subject; operational routes (health, metrics) are registered
  // above and stay outside both.
  void app.register(authentication, { verifier: deps.accessTokens, adminGroup: deps.adminGroup });
  const perSubjectMax = deps.rateLimit.perSubjectMax ?? deps.rateLimit.max;
  void app.register(rateLimit, {
    keyGenerator: (request) => (request.principal === undefined ? request.ip : `sub:${request.principal.subject}`),
    max: (request) => (request.principal === undefined ? deps.rateLimit.max : perSubjectMax),
    timeWindow: deps.rateLimit.timeWindowMs,
    errorResponseBuilder: (_request, context) =>
      new DomainError(429, 'RATE_LIMITED', `rate limit of ${context.max} requests exceeded, retry in ${context.after}`, { limit: context.max }),
  });
  void app.register(openApiDocs);
  void app.register(publicApiProxy, { routes: PUBLIC_ROUTES, upstreams, timeoutsMs: { ...DEFAULT_TIMEOUTS_MS, ...deps.timeoutsMs } });
  void app.register(analyticsWindowsRoute, { windows: deps.windows ?? new LatestWindows() });
  return app;
}
