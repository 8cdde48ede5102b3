import { createKafka } from '../../shared/kafka';
import type { ServiceApp } from '../../shared/server';
import { LatestWindows } from './analytics/latest-windows';
import { createWindowsConsumer } from './analytics/windows-consumer';
import { buildApp } from './app';
import type { GatewayConfig } from './config';
import { createAccessTokenVerifier, issuerKeySet } from './identity/access-token-verifier';

/**
 * The gateway wired to its backends: the app (whose proxy holds a connection pool per upstream URL)
 * and, with brokers configured, the `analytics-results` consumer that fills its windows, stopped on
 * close after in-flight requests finished. server.ts listens on it.
 */
export function createGatewayRuntime(config: GatewayConfig): ServiceApp {
  const windows = new LatestWindows();
  const app = buildApp({
    upstreamUrls: { users: config.USERS_URL, products: config.PRODUCTS_URL, orders: config.ORDERS_URL, notifications: config.NOTIFICATIONS_URL },
    accessTokens: createAccessTokenVerifier({
      issuer: config.OIDC_ISSUER,
      audience: config.OIDC_AUDIENCE,
      keys: issuerKeySet(config.OIDC_JWKS_URL ?? `${config.OIDC_ISSUER.replace(/\/$/, '')}/.well-known/jwks.json`),
      groupsClaim: config.OIDC_GROUPS_CLAIM,
    }),
    adminGroup: config.OIDC_ADMIN_GROUP,
    rateLimit: { max: config.RATE_LIMIT_MAX, perSubjectMax: config.RATE_LIMIT_PER_SUBJECT_MAX, timeWindowMs: config.RATE_LIMIT_WINDOW_MS },
    bodyLimit: config.BODY_LIMIT_BYTES,
    windows,
    trustedProxies: config.TRUSTED_PROXIES?.split(',').map((proxy) => proxy.trim()).filter(Boolean),
    logLevel: config.LOG_LEVEL,
  });

  if (config.KAFKA_BROKERS === undefined) {
    app.log.warn('KAFKA_BROKERS is not set; /api/analytics/windows stays empty');
    return app;
  }
  const kafka = createKafka({
    clientId: 'gateway',
    env: { KAFKA_BROKERS: config.KAFKA_BROKERS, KAFKA_AUTH: config.KAFKA_AUTH, AWS_REGION: config.AWS_REGION },
    logger: app.log,
  });
  const consumer = createWindowsConsumer(kafka, windows, app.log);
  // Not awaited: the proxy must serve even while the broker is unreachable; the analytics list is then empty.
  app.addHook('onReady', async () => {
    consumer.start().then(
      () => app.log.info('consuming analytics results'),
      (error: unknown) => app.log.error({ err: error }, 'analytics consumer did not start; /api/analytics/windows stays empty'),
    );
  });
  app.addHook('onClose', () => consumer.stop());
  return app;
}
