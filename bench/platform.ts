import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { startLocalBackends, type LocalBackends } from '../runtime/local/backends';
import { startChild, waitUntil, type RunningChild } from '../runtime/local/child-process';
import { freePort } from '../runtime/local/network';
import { consoleProgress } from '../runtime/local/progress';
import { provisionSchemas } from '../runtime/local/provision';
import { startServices, type RunningServices } from '../runtime/local/services';
import { startSmtpSink, type SmtpSinkHandle } from '../runtime/local/smtp-sink';
import { createRunDir, repoRoot } from '../runtime/local/workspace';
import { applyLoad, warmUp, type LoadResult } from './load';
import { measureOrderToNotification } from './notification-latency';
import { seedCatalog } from './seed';

/*
 * `npm run bench`: the local platform (real MariaDB, Kafka, DynamoDB API server, SMTP sink and the five
 * services, started with the launcher's own modules), then from one run:
 *   - GET /api/products/:id through the gateway vs GET /products/:id on the products service directly,
 *     50 connections, and the same through a second gateway at LOG_LEVEL=warn (cost of the log line);
 *   - order placement through the gateway;
 *   - order-to-notification latency.
 * Loopback only, bounded: BENCH_SECONDS (default 10) per measured run, after a shorter warm-up.
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = Math.max(2, Math.round(SECONDS / 3));
const READ_CONNECTIONS = 50;
const ORDER_CONNECTIONS = 32;
const NOTIFICATION_SAMPLES = 40;
// All load comes from one client IP; the limiter still runs on every request, it just never refuses.
const UNLIMITED = '1000000000';

const progress = consoleProgress();

async function startQuietGateway(services: RunningServices, logFile: string): Promise<{ url: string; child: RunningChild }> {
  const port = await freePort();
  const url = (name: string) => services.services.find((service) => service.name === name)!.url;
  const child = await startChild({
    name: 'gateway-warn',
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'runtime/gateway/src/server.ts')],
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: UNLIMITED,
      USERS_URL: url('users'),
      PRODUCTS_URL: url('products'),
      ORDERS_URL: url('orders'),
      NOTIFICATIONS_URL: url('notifications'),
    },
    logFile,
  });
  const gatewayUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${gatewayUrl}/readyz`)).ok, { description: 'the warn-level gateway to be ready', timeoutMs: 60_000, intervalMs: 300, child });
  return { url: gatewayUrl, child };
}

const cycle = <T>(items: readonly T[]) => {
  let next = 0;
  return () => items[next++ % items.length]!;
};

const loadNow = () => loadavg()[0]!.toFixed(1);

async function main(): Promise<void> {
  const stateDir = await createRunDir('bench');
  const logsDir = join(stateDir, 'logs');
  progress('bench', `data and logs of this run: ${stateDir}`);
  const stops: (() => Promise<void>)[] = [];
  try {
    const backends: LocalBackends = await startLocalBackends({ stateDir, progress });
    stops.push(backends.stop);
    await provisionSchemas(backends.env);
    const smtp: SmtpSinkHandle = await startSmtpSink();
    stops.push(smtp.stop);
    const services = await startServices({
      env: { ...backends.env, NOTIFY_CHANNEL: 'smtp', SMTP_URL: smtp.url, NOTIFY_FROM: 'shop@example.com', RATE_LIMIT_MAX: UNLIMITED },
      logsDir,
      ports: 'free',
      progress,
    });
    stops.push(services.stop);
    const quiet = await startQuietGateway(services, join(logsDir, 'gateway-warn.log'));
    stops.push(() => quiet.child.stop());
    const gateway = services.gatewayUrl;
    const productsUrl = services.services.find((service) => service.name === 'products')!.url;

    const catalog = await seedCatalog(gateway, { users: 20, products: 50 });
    progress('bench', `seeded ${catalog.userIds.length} users and ${catalog.productIds.length} products`);

    const productId = cycle(catalog.productIds);
    const read = (url: string, prefix: string) => ({
      url,
      connections: READ_CONNECTIONS,
      seconds: SECONDS,
      nextRequest: () => ({ method: 'GET', path: `${prefix}/products/${productId()}` }),
    });
    const runs: Record<string, LoadResult> = {};
    const loadBefore = loadNow();
    for (const [name, options] of [
      ['direct products', read(productsUrl, '')],
      ['gateway (info)', read(gateway, '/api')],
      ['gateway (warn)', read(quiet.url, '/api')],
    ] as const) {
      progress('bench', `${name}: warm-up ${WARM_UP_SECONDS} s, then ${SECONDS} s at ${READ_CONNECTIONS} connections`);
      await warmUp({ ...options, seconds: WARM_UP_SECONDS });
      runs[name] = await applyLoad(options);
    }

    const userId = cycle(catalog.userIds);
    const orderLoad = {
      url: gateway,
      connections: ORDER_CONNECTIONS,
      seconds: SECONDS,
      nextRequest: () => ({
        method: 'POST',
        path: '/api/orders',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: userId(), items: [{ productId: productId(), quantity: 1 }] }),
      }),
    };
    progress('bench', `orders: warm-up ${WARM_UP_SECONDS} s, then ${SECONDS} s at ${ORDER_CONNECTIONS} connections`);
    await warmUp({ ...orderLoad, seconds: WARM_UP_SECONDS });
    const orders = await applyLoad(orderLoad, 201);
    const loadAfter = loadNow();

    progress('bench', `order to notification: ${NOTIFICATION_SAMPLES} orders, one every 100 ms`);
    const notified = await measureOrderToNotification(gateway, { samples: NOTIFICATION_SAMPLES, userId, productId });

    printReport({ runs, orders, notified, loadBefore, loadAfter });
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => progress('bench', `stop failed: ${String(error)}`));
  }
}

function printReport(report: {
  runs: Record<string, LoadResult>;
  orders: LoadResult;
  notified: Awaited<ReturnType<typeof measureOrderToNotification>>;
  loadBefore: string;
  loadAfter: string;
}): void {
  const direct = report.runs['direct products']!;
  const row = (cells: readonly (string | number)[]) => cells.map((cell, i) => String(cell)[i === 0 ? 'padEnd' : 'padStart'](i === 0 ? 44 : 10)).join(' ');
  const lines = [
    '',
    row(['measurement', 'rate/s', 'p50 ms', 'p99 ms', 'vs direct', 'not ok']),
    ...Object.entries(report.runs).map(([name, run]) =>
      row([
        `GET product, ${READ_CONNECTIONS} conn, ${name}`,
        run.rate.toFixed(0),
        run.p50Ms,
        run.p99Ms,
        (run.rate / direct.rate).toFixed(2),
        run.errors + Object.values(run.unexpected).reduce((a, b) => a + b, 0),
      ]),
    ),
    row([`POST /api/orders, ${ORDER_CONNECTIONS} conn, gateway`, report.orders.rate.toFixed(0), report.orders.p50Ms, report.orders.p99Ms, '', report.orders.errors + Object.values(report.orders.unexpected).reduce((a, b) => a + b, 0)]),
    row([`order 201 -> notification sentAt (${report.notified.found}/${report.notified.samples})`, '', report.notified.sentAtP50Ms, report.notified.sentAtP99Ms, '', report.notified.samples - report.notified.found]),
    row([`order 201 -> visible via GET /api/notifications`, '', report.notified.visibleP50Ms, report.notified.visibleP99Ms, '', '']),
    '',
    `orders answered other than 201: ${JSON.stringify(report.orders.unexpected)}; load average (1 min) ${report.loadBefore} before the read runs, ${report.loadAfter} after the order run, on ${availableParallelism()} cores`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
