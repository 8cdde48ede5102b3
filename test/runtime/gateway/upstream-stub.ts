import type { AddressInfo } from 'node:net';
import { buildApp, type GatewayDeps } from '../../../runtime/gateway/src/app';
import { UPSTREAMS, type UpstreamName } from '../../../runtime/gateway/src/public-routes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createServiceApp, type ServiceApp } from '../../../runtime/shared/server';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: FastifyRequest['headers'];
  readonly body: string;
}

/** How the stub answers; the default echoes what it received. */
export type StubBehaviour = (request: FastifyRequest, reply: FastifyReply, hit: number) => Promise<unknown> | unknown;

export interface UpstreamStub {
  readonly url: string;
  readonly received: ReceivedRequest[];
  behave(behaviour: StubBehaviour): void;
  close(): Promise<void>;
}

const echo: StubBehaviour = (request) => ({ method: request.method, url: request.url });

/**
 * A service stand-in on an ephemeral loopback port, built like the real services (shared error shape,
 * /healthz), recording every request it receives with the raw body bytes.
 */
export async function startUpstreamStub(): Promise<UpstreamStub> {
  const app: ServiceApp = createServiceApp({ service: 'stub', logger: false });
  const received: ReceivedRequest[] = [];
  let behaviour = echo;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.all('/*', async (request, reply) => {
    received.push({ method: request.method, url: request.url, headers: request.headers, body: (request.body as string | undefined) ?? '' });
    return behaviour(request, reply, received.length);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    behave: (next) => (behaviour = next),
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

/** A loopback URL nothing listens on. */
export async function deadUrl(): Promise<string> {
  const stub = await startUpstreamStub();
  await stub.close();
  return stub.url;
}

/** A stub for each service the gateway routes to. */
export async function startServiceStubs(): Promise<Record<UpstreamName, UpstreamStub>> {
  const started = await Promise.all(UPSTREAMS.map(() => startUpstreamStub()));
  return Object.fromEntries(UPSTREAMS.map((name, i) => [name, started[i]!])) as Record<UpstreamName, UpstreamStub>;
}

/** The gateway in front of the stubs, with generous limits and no logs; `overrides` change what a test is about. */
export function gatewayInFrontOf(stubs: Record<UpstreamName, UpstreamStub>, verifier: GatewayDeps['accessTokens'], overrides: Partial<GatewayDeps> = {}): ServiceApp {
  return buildApp({
    upstreamUrls: { users: stubs.users.url, products: stubs.products.url, orders: stubs.orders.url, notifications: stubs.notifications.url },
    accessTokens: verifier,
    rateLimit: { max: 1000, timeWindowMs: 60_000 },
    logger: false,
    ...overrides,
  });
}
