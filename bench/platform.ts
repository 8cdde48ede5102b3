import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { startLocalBackends, type LocalBackends } from '../runtime/local/backends';
import { startChild, waitUntil, type RunningChild } from '../runtime/local/child-process';
import { startIdentityProvider, type RunningIdentityProvider } from '../runtime/local/identity-provider';
import { freePort } from '../runtime/local/network';
import { consoleProgress } from '../runtime/local/progress';
import { provisionSchemas } from '../runtime/local/provision';
import { gatewayIdentityEnv, startServices, type RunningServices } from '../runtime/local/services';
import { startSmtpSink, type SmtpSinkHandle } from '../runtime/local/smtp-sink';
import { createRunDir, repoRoot } from '../runtime/local/workspace';
import { applyLoad, warmUp, type LoadResult } from './load';
import { measureOrderToNotification, type NotificationLatency } from './notification-latency';
import { measureCpu, type CpuUsage, type MeasuredProcess } from './process-cpu';
import { seedCatalog } from './seed';

/*
 * `npm run bench`: the local platform (real MariaDB, Kafka, DynamoDB API server, SMTP sink and the five
 * services, started with the launcher's own modules), then from one run:
 *   - order-to-notification latency on the idle platform, up to the notification's own sentAt;
 *   - GET /api/products/:id through the gateway vs GET /products/:id on the products service directly,
 *     50 connections, and the same through a second gateway at LOG_LEVEL=warn (cost of the log line);
 *   - the same comparison against an in-memory products stand-in, which isolates the hop's cost from
 *     the products service's own, with a plain undici proxy in front of the stand-in beside the
 *     gateway: what a bare extra hop reaches, from the same run;
 *   - order placement through the gateway, and on Linux the CPU time each platform process spent on it.
 * Loopback only, bounded: BENCH_SECONDS (default 10) per measured run, after a shorter warm-up.
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = Math.max(2, Math.round(SECONDS / 3));
const READ_CONNECTIONS = 50;
const ORDER_CONNECTIONS = 32;
const NOTIFICATION_SAMPLES = 40;
// The first orders after a start take up to a second to their notification (JIT, first Kafka produce and
// fetch, first pooled connections); later ones about 80 ms. Those are not what an idle platform does.
const NOTIFICATION_WARM_UP_ORDERS = 20;
// All load comes from one client IP and a few accounts; the limiter still runs on every request, it just never refuses.
const UNLIMITED_RATE = { RATE_LIMIT_MAX: '1000000000', RATE_LIMIT_PER_SUBJECT_MAX: '1000000000' };

const STAND_IN_VIA_GATEWAY = 'gateway (info) -> stand-in';
const STAND_IN_VIA_PLAIN_PROXY = 'plain undici proxy -> stand-in';

const progress = consoleProgress();

interface ExtraProcess {
  readonly url: string;
  readonly child: RunningChild;
}

/** A TypeScript entry point of this repository as a child process on a free loopback port, once it answers `readyPath`. */
async function startExtra(name: string, entry: string, env: Record<string, string>, logsDir: string, readyPath: string): Promise<ExtraProcess> {
  const port = await freePort();
  const child = await startChild({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, entry)],
    cwd: repoRoot,
    // Nothing balances over these processes: stopping them needs no drain.
    env: { ...process.env, SHUTDOWN_DRAIN_MS: '0', ...env, PORT: String(port), HOST: '127.0.0.1' },
    logFile: join(logsDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}${readyPath}`)).ok, { description: `${name} to be ready`, timeoutMs: 60_000, intervalMs: 300, child });
  return { url, child };
}

/** Another gateway in front of the running services, accepting the same tokens, e.g. at another log level or with another products upstream. */
function startGateway(name: string, services: RunningServices, identity: RunningIdentityProvider, env: Record<string, string>, logsDir: string): Promise<ExtraProcess> {
  const url = (service: string) => services.services.find((running) => running.name === service)!.url;
  const upstreams = { USERS_URL: url('users'), PRODUCTS_URL: url('products'), ORDERS_URL: url('orders'), NOTIFICATIONS_URL: url('notifications') };
  return startExtra(name, 'runtime/gateway/src/server.ts', { LOG_LEVEL: 'info', ...UNLIMITED_RATE, ...gatewayIdentityEnv(identity), ...upstreams, ...env }, logsDir, '/readyz');
}

const cycle = <T>(items: readonly T[]) => {
  let next = 0;
  return () => items[next++ % items.length]!;
};

const loadNow = () => loadavg()[0]!.toFixed(1);

type ReadRun = readonly [name: string, options: Parameters<typeof applyLoad>[0]];

/** Each run after its own warm-up; the first one is the direct baseline the others are compared with. */
async function compareReads(runs: readonly ReadRun[]): Promise<[string, LoadResult][]> {
  const results: [string, LoadResult][] = [];
  for (const [name, options] of runs) {
    progress('bench', `${name}: warm-up ${WARM_UP_SECONDS} s, then ${SECONDS} s at ${READ_CONNECTIONS} connections`);
    await warmUp({ ...options, seconds: WARM_UP_SECONDS });
    results.push([name, await applyLoad(options)]);
  }
  return results;
}

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
    const identity = await startIdentityProvider({ port: 'free', stateDir: join(stateDir, 'identity-provider') });
    stops.push(identity.stop);
    const services = await startServices({
      env: { ...backends.env, NOTIFY_CHANNEL: 'smtp', SMTP_URL: smtp.url, NOTIFY_FROM: 'shop@example.com', ...UNLIMITED_RATE },
      logsDir,
      identityProvider: identity,
      ports: 'free',
      progress,
    });
    stops.push(services.stop);
    const quiet = await startGateway('gateway-warn', services, identity, { LOG_LEVEL: 'warn' }, logsDir);
    stops.push(() => quiet.child.stop());
    const standIn = await startExtra('stand-in-products', 'bench/stand-in-products.ts', {}, logsDir, '/healthz');
    stops.push(() => standIn.child.stop());
    const standInGateway = await startGateway('gateway-stand-in', services, identity, { PRODUCTS_URL: standIn.url }, logsDir);
    stops.push(() => standInGateway.child.stop());
    const plainProxy = await startExtra('plain-proxy', 'bench/plain-proxy.ts', { UPSTREAM_URL: standIn.url }, logsDir, '/healthz');
    stops.push(() => plainProxy.child.stop());
    const gateway = services.gatewayUrl;
    const productsUrl = services.services.find((service) => service.name === 'products')!.url;

    const accounts = { issuer: identity.issuer, shoppers: ['ada@example.com', 'grace@example.com'], admin: 'admin@example.com' };
    const catalog = await seedCatalog(gateway, accounts, { products: 50 });
    progress('bench', `seeded ${catalog.shoppers.length} shoppers' profiles and ${catalog.productIds.length} products`);

    const productId = cycle(catalog.productIds);
    const read = (url: string, prefix: string) => ({
      url,
      connections: READ_CONNECTIONS,
      seconds: SECONDS,
      nextRequest: () => ({ method: 'GET', path: `${prefix}/products/${productId()}` }),
    });
    progress('bench', `order to notification on the idle platform: ${NOTIFICATION_WARM_UP_ORDERS} orders to warm up, then ${NOTIFICATION_SAMPLES}, one every 100 ms`);
    const authorization = cycle(catalog.shoppers.map((shopper) => shopper.authorization));
    await measureOrderToNotification(gateway, { samples: NOTIFICATION_WARM_UP_ORDERS, authorization, productId });
    const notified = await measureOrderToNotification(gateway, { samples: NOTIFICATION_SAMPLES, authorization, productId });

    const loadBefore = loadNow();
    const realReads = await compareReads([
      ['products service, direct', read(productsUrl, '')],
      ['gateway (LOG_LEVEL=info)', read(gateway, '/api')],
      ['gateway (LOG_LEVEL=warn)', read(quiet.url, '/api')],
    ]);
    const standInReads = await compareReads([
      ['in-memory stand-in, direct', read(standIn.url, '')],
      [STAND_IN_VIA_GATEWAY, read(standInGateway.url, '/api')],
      [STAND_IN_VIA_PLAIN_PROXY, read(plainProxy.url, '')],
    ]);

    const orderLoad = {
      url: gateway,
      connections: ORDER_CONNECTIONS,
      seconds: SECONDS,
      nextRequest: () => ({
        method: 'POST',
        path: '/api/orders',
        headers: { 'content-type': 'application/json', authorization: authorization() },
        body: JSON.stringify({ items: [{ productId: productId(), quantity: 1 }] }),
      }),
    };
    progress('bench', `orders: warm-up ${WARM_UP_SECONDS} s, then ${SECONDS} s at ${ORDER_CONNECTIONS} connections`);
    await warmUp({ ...orderLoad, seconds: WARM_UP_SECONDS });
    const orderPath: MeasuredProcess[] = [
      ...(backends.mariadb.pid === undefined ? [] : [{ name: 'mariadb', pid: backends.mariadb.pid }]),
      { name: 'kafka', pid: backends.kafka.pid() },
      { name: 'dynamodb-api', pid: backends.dynamodb.pid },
      ...services.services.map(({ name, child }) => ({ name, pid: child.pid })),
    ];
    const others: MeasuredProcess[] = [
      ...[quiet, standIn, standInGateway, plainProxy].map(({ child }) => ({ name: child.name, pid: child.pid })),
      { name: 'bench (load generator, SMTP sink, S3)', pid: process.pid },
    ];
    const platform = [...orderPath, ...others];
    const { result: orders, wallSeconds, usage } = await measureCpu(platform, () => applyLoad(orderLoad, 201));
    const loadAfter = loadNow();

    printReport({ realReads, standInReads, orders, notified, loadBefore, loadAfter });
    const cpuPerOrderMs = printCpu(usage, orderPath.length, orders, wallSeconds, backends.mariadb.pid === undefined);
    printTargets({ standInReads, orders, notified, cpuPerOrderMs });
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => progress('bench', `stop failed: ${String(error)}`));
  }
}

const notOk = (run: LoadResult) => run.errors + Object.values(run.unexpected).reduce((sum, count) => sum + count, 0);
const row = (cells: readonly (string | number)[]) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(52) : String(cell).padStart(9))).join(' ');

function readRows(title: string, runs: readonly [string, LoadResult][]): string[] {
  const direct = runs[0]![1];
  return runs.map(([name, run]) => row([`${title}: ${name}`, run.rate.toFixed(0), run.p50Ms, run.p99Ms, (run.rate / direct.rate).toFixed(2), notOk(run)]));
}

function printReport(report: {
  realReads: [string, LoadResult][];
  standInReads: [string, LoadResult][];
  orders: LoadResult;
  notified: NotificationLatency;
  loadBefore: string;
  loadAfter: string;
}): void {
  const { orders, notified } = report;
  const lines = [
    '',
    row(['measurement', 'rate/s', 'p50 ms', 'p99 ms', 'vs direct', 'not ok']),
    ...readRows(`GET product ${READ_CONNECTIONS} conn`, report.realReads),
    ...readRows(`GET product ${READ_CONNECTIONS} conn`, report.standInReads),
    row([`POST /api/orders ${ORDER_CONNECTIONS} conn via gateway`, orders.rate.toFixed(0), orders.p50Ms, orders.p99Ms, '', notOk(orders)]),
    row([`order 201 -> notification sentAt (${notified.found}/${notified.samples})`, '', notified.sentAtP50Ms, notified.sentAtP99Ms, '', notified.samples - notified.found]),
    '',
    `rate/s counts only expected answers (200, or 201 for orders); not ok = other statuses, errors and timeouts.`,
    `orders: ${orders.sent} sent, ${orders.expected} answered 201 within the run, the rest still in flight when it ended or not ok.`,
    ...[...report.realReads, ...report.standInReads, ['orders', orders] as const]
      .filter(([, run]) => notOk(run) > 0)
      .map(([name, run]) => `not ok in "${name}": ${JSON.stringify({ ...run.unexpected, ...(run.errors > 0 ? { errors: run.errors } : {}) })}`),
    `load average (1 min) ${report.loadBefore} before the read runs, ${report.loadAfter} after the order run, on ${availableParallelism()} cores.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Prints each process's CPU during the order run and returns the milliseconds per order summed over
 * the first `onPath` processes (the order's path; the rest are the bench's own and idle extras), or
 * undefined without /proc.
 */
function printCpu(usage: readonly CpuUsage[] | undefined, onPath: number, orders: LoadResult, wallSeconds: number, externalMariaDb: boolean): number | undefined {
  if (usage === undefined) {
    process.stdout.write('CPU per process during the order run: needs Linux (/proc), skipped.\n');
    return undefined;
  }
  const sum = (rows: readonly CpuUsage[]) => rows.reduce((total, { seconds }) => total + seconds, 0);
  const total = sum(usage);
  const pathSeconds = sum(usage.slice(0, onPath));
  const cells = (name: string, seconds: number) => [name, seconds.toFixed(2), ((seconds * 1000) / orders.expected).toFixed(2), `${((100 * seconds) / total).toFixed(0)} %`];
  const cores = availableParallelism();
  const lines = [
    '',
    row([`CPU during the order run (${orders.expected} orders answered 201)`, 'CPU s', 'ms/order', 'share']),
    ...usage.slice(0, onPath).map(({ name, seconds }) => row(cells(name, seconds))),
    row(cells('order path (the processes above)', pathSeconds)),
    ...usage.slice(onPath).map(({ name, seconds }) => row(cells(name, seconds))),
    row(cells('all processes', total)),
    '',
    `available: ${cores} cores x ${wallSeconds.toFixed(1)} s = ${(cores * wallSeconds).toFixed(1)} CPU-seconds, ${((100 * total) / (cores * wallSeconds)).toFixed(0)} % of it used by these processes.`,
    'Each process counts with its descendants not listed themselves. The SMTP sink stands in for SES and runs in the bench process, off the path.',
    ...(externalMariaDb ? ['mariadb is an existing server (MYSQL_URL) and not measured.'] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return (pathSeconds * 1000) / orders.expected;
}

/** The four figures issue 9 sets targets for, from this run. */
function printTargets(report: {
  standInReads: [string, LoadResult][];
  orders: LoadResult;
  notified: NotificationLatency;
  cpuPerOrderMs: number | undefined;
}): void {
  const rateOf = (name: string) => report.standInReads.find(([runName]) => runName === name)![1].rate;
  const gatewayOverPlainProxy = rateOf(STAND_IN_VIA_GATEWAY) / rateOf(STAND_IN_VIA_PLAIN_PROXY);
  const { orders, notified, cpuPerOrderMs } = report;
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  const lines = [
    '',
    row(['figure', 'measured', 'target', '']),
    row(['CPU per order, order path (ms)', cpuPerOrderMs === undefined ? 'n/a' : cpuPerOrderMs.toFixed(1), '<= 10', cpuPerOrderMs === undefined ? '' : verdict(cpuPerOrderMs <= 10)]),
    row([`orders/s via gateway, ${ORDER_CONNECTIONS} conn`, orders.rate.toFixed(0), '>= 150', verdict(orders.rate >= 150)]),
    row([`orders p99 (ms), ${ORDER_CONNECTIONS} conn`, orders.p99Ms, '<= 300', verdict(orders.p99Ms <= 300)]),
    row(['order -> notification sent p99 (ms)', notified.sentAtP99Ms, '<= 250', verdict(notified.found === notified.samples && notified.sentAtP99Ms <= 250)]),
    row(['gateway / bare undici proxy (same stand-in)', gatewayOverPlainProxy.toFixed(2), '>= 0.85', verdict(gatewayOverPlainProxy >= 0.85)]),
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
