import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, waitUntil, type RunningChild } from '../../runtime/local/child-process';
import { freePort } from '../../runtime/local/network';
import { gatewayIdentityEnv } from '../../runtime/local/services';
import { repoRoot } from '../../runtime/local/workspace';
import { localBackends } from './backends';
import { eventually } from './orders-support';
import { profileOf, signIn, type SignedIn } from './identity';

/*
 * A replica stopped under load drops no request. Two orders processes stand behind a balancer that
 * behaves like a Kubernetes Service: the endpoints controller keeps only endpoints whose /readyz
 * answers 200 (polled every second here), and kube-proxy sends each new TCP connection to one of them
 * at random, where it stays until closed. The gateway reaches orders through it with its keep-alive
 * pool. Order placements and reads run through the gateway while one orders process gets SIGTERM; it
 * must drain (fail readiness, keep serving, tell keep-alive clients to reconnect), close (its outbox
 * relay and Kafka producer included) and exit 0, and every request must succeed. Orders is the one
 * stopped because placing an order is not idempotent for the gateway, which therefore never retries it:
 * a read the gateway would send again after a refused connection hides a missing drain, an order does not.
 */

/** The stopped process's drain: longer than the balancer needs to notice (one poll interval and a probe). */
const DRAIN_MS = 3000;
const READINESS_POLL_MS = 1000;
const READERS = 6;
const ORDER_PLACERS = 2;

const { env, stateDir } = localBackends();
const logsDir = join(stateDir, 'graceful-shutdown');

interface ReadinessBalancer {
  readonly url: string;
  close(): Promise<void>;
}

/** See the comment at the top: new connections go to a random endpoint whose /readyz last answered 200. */
async function startReadinessBalancer(endpoints: readonly string[]): Promise<ReadinessBalancer> {
  const ready = new Set<string>();
  const sockets = new Set<Socket>();
  const probeAll = () =>
    Promise.all(
      endpoints.map(async (endpoint) => {
        const answered = await fetch(`${endpoint}/readyz`, { signal: AbortSignal.timeout(500) }).then(
          (response) => response.ok,
          () => false,
        );
        if (answered) ready.add(endpoint);
        else ready.delete(endpoint);
      }),
    );
  await probeAll();
  const poller = setInterval(() => void probeAll(), READINESS_POLL_MS);

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    const candidates = [...ready];
    const chosen = candidates[Math.floor(Math.random() * candidates.length)];
    if (chosen === undefined) {
      client.destroy();
      return;
    }
    const { hostname, port } = new URL(chosen);
    const upstream = createConnection({ host: hostname, port: Number(port) });
    track(upstream);
    client.pipe(upstream).pipe(client);
    // A refused or reset connection reaches the client as a reset, as it would from a dead pod.
    upstream.once('error', () => client.destroy());
    client.once('error', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      clearInterval(poller);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface ServiceProcess {
  readonly url: string;
  readonly child: RunningChild;
}

/** `runtime/<service>/src/server.ts` as its own process, as runtime/local/services.ts starts it, once `readyPath` answers 200. */
async function startService(name: string, service: string, extraEnv: Record<string, string>, readyPath = '/readyz'): Promise<ServiceProcess> {
  const port = await freePort();
  const child = await startChild({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'runtime', service, 'src/server.ts')],
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_DRAIN_MS: String(DRAIN_MS), ...extraEnv },
    logFile: join(logsDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}${readyPath}`)).ok, { description: `${name} to answer ${readyPath}`, timeoutMs: 60_000, intervalMs: 300, child });
  return { url, child };
}

const started: ServiceProcess[] = [];
let balancer: ReadinessBalancer | undefined;
let ordersA: ServiceProcess;
let ordersB: ServiceProcess;
let gatewayUrl: string;
let shopper: SignedIn;
let admin: SignedIn;

beforeAll(async () => {
  const start = async (...args: Parameters<typeof startService>) => {
    const running = await startService(...args);
    started.push(running);
    return running;
  };
  const [users, products] = await Promise.all([start('users', 'users', {}), start('products', 'products', {})]);
  const upstreams = { USERS_URL: users.url, PRODUCTS_URL: products.url };
  [ordersA, ordersB] = await Promise.all([start('orders-a', 'orders', upstreams), start('orders-b', 'orders', upstreams)]);
  balancer = await startReadinessBalancer([ordersA.url, ordersB.url]);
  // Notifications are not part of this path; the gateway is ready only with all four upstreams, so /healthz it is.
  const gateway = await start(
    'gateway',
    'gateway',
    {
      ...upstreams,
      ...gatewayIdentityEnv(localBackends().identityProvider),
      ORDERS_URL: balancer.url,
      NOTIFICATIONS_URL: `http://127.0.0.1:${await freePort()}`,
      RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_PER_SUBJECT_MAX: '1000000',
    },
    '/healthz',
  );
  gatewayUrl = gateway.url;
  [shopper, admin] = await Promise.all([signIn('grace@example.com'), signIn('admin@example.com')]);
});

afterAll(async () => {
  await Promise.all(started.map((service) => service.child.stop()));
  await balancer?.close();
});

async function created<T>(path: string, body: unknown, caller: SignedIn): Promise<T> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: caller.authorization },
    body: JSON.stringify(body),
  });
  expect(response.status, `POST ${path}: ${await response.clone().text()}`).toBe(201);
  return (await response.json()) as T;
}

/** Requests of `/orders...` routes this orders process has answered, read from its /metrics. */
async function orderRequestsServed(service: ServiceProcess): Promise<number> {
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  return [...metrics.matchAll(/^http_requests_total\{[^}]*route="\/orders[^"]*"[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Lines of a service's JSON log from the first one with `msg` on. */
function logLinesFrom(service: ServiceProcess, msg: string): { msg: string; route?: string }[] {
  const lines = readFileSync(service.child.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; route?: string });
  const from = lines.findIndex((line) => line.msg.startsWith(msg));
  return from === -1 ? [] : lines.slice(from);
}

interface LoadResult {
  readonly succeeded: number;
  readonly succeededAfter: (at: number) => number;
  /** One line per request that did not answer 2xx: what it was and what came back. */
  readonly failures: string[];
}

/** Closed-loop workers (bounded: each waits for its answer and pauses briefly) until `stop` is aborted. */
async function runLoad(productId: string, orderId: string, stop: AbortSignal): Promise<LoadResult> {
  const answeredAt: number[] = [];
  const failures: string[] = [];
  const request = async (what: string, send: () => Promise<Response>) => {
    try {
      const response = await send();
      const body = await response.text();
      if (response.status >= 200 && response.status < 300) answeredAt.push(Date.now());
      else failures.push(`${what}: ${response.status} ${body}`);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? `${error.message} (${String(error.cause)})` : String(error)}`);
    }
  };
  const worker = async (pauseMs: number, once: () => Promise<void>) => {
    while (!stop.aborted) {
      await once();
      await sleep(pauseMs);
    }
  };
  const authorization = shopper.authorization;
  const read = (path: string) => () => request(`GET ${path}`, () => fetch(`${gatewayUrl}${path}`, { headers: { authorization }, signal: AbortSignal.timeout(15_000) }));
  const placeOrder = () =>
    request('POST /api/orders', () =>
      fetch(`${gatewayUrl}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), authorization },
        body: JSON.stringify({ items: [{ productId, quantity: 1 }] }),
        signal: AbortSignal.timeout(15_000),
      }),
    );
  await Promise.all([
    ...Array.from({ length: READERS }, (_, i) => worker(10, read(i % 2 === 0 ? `/api/orders/${orderId}` : `/api/products/${productId}`))),
    ...Array.from({ length: ORDER_PLACERS }, () => worker(50, placeOrder)),
  ]);
  return { succeeded: answeredAt.length, succeededAfter: (at) => answeredAt.filter((time) => time > at).length, failures };
}

describe('stopping an orders process under load through the gateway', () => {
  it('drains it: no request fails, it served until it closed, and it exits 0', async () => {
    await profileOf(gatewayUrl, shopper, { email: `drain-${randomUUID()}@example.com`, name: 'Drain' });
    const product = await created<{ id: string }>('/api/products', { name: 'Drain mug', priceCents: 900, currency: 'EUR', stock: 1_000_000 }, admin);
    const order = await created<{ id: string }>('/api/orders', { items: [{ productId: product.id, quantity: 1 }] }, shopper);

    const loadControl = new AbortController();
    const load = runLoad(product.id, order.id, loadControl.signal);
    let stoppedAt: number;
    let exitedAt: number;
    try {
      // Both endpoints carry the load right before one is stopped, so stopping it matters. Having served
      // once is not enough: the gateway's pool favours the connections it uses most, and on a busy machine
      // those may all lead to one endpoint for a while, leaving the other nothing to drain.
      await eventually(
        async () => {
          const before = await Promise.all([orderRequestsServed(ordersA), orderRequestsServed(ordersB)]);
          await sleep(500);
          const after = await Promise.all([orderRequestsServed(ordersA), orderRequestsServed(ordersB)]);
          return after[0]! > before[0]! && after[1]! > before[1]! ? true : undefined;
        },
        'both orders processes to serve requests within the same half second',
        30_000,
      );

      stoppedAt = Date.now();
      await ordersA.child.stop(DRAIN_MS + 20_000);
      exitedAt = Date.now();
      await sleep(1500);
    } finally {
      loadControl.abort();
    }
    const result = await load;

    expect(result.failures).toEqual([]);
    expect(await ordersA.child.exited).toBe(0);
    // It drained for the configured time rather than stopping at once.
    expect(exitedAt - stoppedAt).toBeGreaterThanOrEqual(DRAIN_MS);
    // It kept answering while draining, and the load ran on through and after its exit.
    const afterSigterm = logLinesFrom(ordersA, 'shutting down');
    expect(afterSigterm.filter((line) => line.msg === 'request completed' && line.route?.startsWith('/orders')).length).toBeGreaterThan(0);
    expect(afterSigterm.map((line) => line.msg)).toContain('stopped cleanly');
    expect(result.succeededAfter(exitedAt)).toBeGreaterThan(0);
    expect(result.succeeded).toBeGreaterThan(100);
  });
});
