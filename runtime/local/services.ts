import { join } from 'node:path';
import { platformContract, type ServiceName } from '../../contracts/platform';
import { startChild, waitUntil, type RunningChild } from './child-process';
import type { RunningIdentityProvider } from './identity-provider';
import { acceptsConnections, freePort } from './network';
import { silentProgress, type Progress } from './progress';
import { repoRoot } from './workspace';

/** Start order: a service starts after the ones it calls, the gateway last. */
const START_ORDER: readonly ServiceName[] = ['users', 'products', 'orders', 'notifications', 'gateway'];

/** The HTTP services of the platform contract with their ports, in the order they are started. */
export const PLATFORM_SERVICES: readonly { readonly name: ServiceName; readonly port: number }[] = START_ORDER.map((name) => ({
  name,
  port: platformContract.services[name].port,
}));

const URL_VARIABLE: Record<Exclude<ServiceName, 'gateway'>, string> = {
  users: 'USERS_URL',
  products: 'PRODUCTS_URL',
  orders: 'ORDERS_URL',
  notifications: 'NOTIFICATIONS_URL',
};

export interface ServicesOptions {
  /** Backend environment shared by all services (MYSQL_URL, KAFKA_BROKERS, SMTP_URL, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** Each service logs to `<name>.log` here. */
  readonly logsDir: string;
  /**
   * `contract`: the ports of the platform contract, or a free one where that port is taken;
   * `free`: free ports only (tests that run beside a started platform).
   * @default 'contract'
   */
  readonly ports?: 'contract' | 'free';
  /**
   * The identity provider whose access tokens the gateway accepts; it reaches the gateway, and only
   * the gateway, as OIDC_ISSUER, OIDC_AUDIENCE and OIDC_GROUPS_CLAIM.
   * @default - the gateway gets no OIDC_* variables
   */
  readonly identityProvider?: GatewayIdentity;
  /** @default 'info' */
  readonly logLevel?: string;
  /** @default 120_000 */
  readonly readyTimeoutMs?: number;
  readonly progress?: Progress;
}

/** What of an identity provider a gateway is told, so that it accepts the provider's access tokens. */
export type GatewayIdentity = Pick<RunningIdentityProvider, 'issuer' | 'audience' | 'groupsClaim'>;

/** The gateway's OIDC_ISSUER, OIDC_AUDIENCE and OIDC_GROUPS_CLAIM for `identity`. */
export function gatewayIdentityEnv(identity: GatewayIdentity): Record<string, string> {
  return { OIDC_ISSUER: identity.issuer, OIDC_AUDIENCE: identity.audience, OIDC_GROUPS_CLAIM: identity.groupsClaim };
}

export interface RunningService {
  readonly name: ServiceName;
  readonly url: string;
  readonly child: RunningChild;
}

export interface RunningServices {
  readonly services: readonly RunningService[];
  /** `http://127.0.0.1:PORT` of the gateway. */
  readonly gatewayUrl: string;
  /** Stops the services in reverse start order. */
  stop(): Promise<void>;
}

/**
 * Starts the five services as `node --import tsx runtime/<name>/src/server.ts` child processes and
 * waits until each answers `GET /readyz` with 200. If one dies or never gets ready, the others are
 * stopped and the error carries the tail of its log.
 */
export async function startServices(options: ServicesOptions): Promise<RunningServices> {
  const progress = options.progress ?? silentProgress;
  const ports = new Map<ServiceName, number>();
  for (const { name, port } of PLATFORM_SERVICES) {
    const usable = options.ports !== 'free' && !(await acceptsConnections(port));
    ports.set(name, usable ? port : await freePort());
    if (options.ports !== 'free' && !usable) progress(name, `port ${port} is taken, using ${ports.get(name)}`);
  }
  const urlOf = (name: ServiceName) => `http://127.0.0.1:${ports.get(name)}`;
  const gatewayEnv = options.identityProvider ? gatewayIdentityEnv(options.identityProvider) : {};
  const serviceUrls = Object.fromEntries(Object.entries(URL_VARIABLE).map(([name, variable]) => [variable, urlOf(name as ServiceName)]));

  const started: RunningService[] = [];
  const stop = async () => {
    for (const service of [...started].reverse()) await service.child.stop();
  };
  try {
    for (const { name } of PLATFORM_SERVICES) {
      progress(name, `starting on ${urlOf(name)}`);
      const child = await startChild({
        name,
        command: process.execPath,
        args: ['--import', 'tsx', join(repoRoot, 'runtime', name, 'src/server.ts')],
        cwd: repoRoot,
        env: {
          ...process.env,
          ...options.env,
          ...serviceUrls,
          ...(name === 'gateway' ? gatewayEnv : {}),
          PORT: String(ports.get(name)),
          HOST: '127.0.0.1',
          LOG_LEVEL: options.logLevel ?? 'info',
          // No balancer routes around a local process, so a drain would only delay Ctrl-C.
          SHUTDOWN_DRAIN_MS: '0',
        },
        logFile: join(options.logsDir, `${name}.log`),
      });
      started.push({ name, url: urlOf(name), child });
    }
    // Readiness is awaited together: a service may report unready until the ones it calls are up.
    await Promise.all(
      started.map(async ({ name, url, child }) => {
        await waitUntil(async () => (await fetch(`${url}/readyz`)).ok, {
          description: `${name} to answer GET /readyz with 200`,
          timeoutMs: options.readyTimeoutMs ?? 120_000,
          intervalMs: 300,
          child,
        });
        progress(name, `ready at ${url}`);
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { services: started, gatewayUrl: urlOf('gateway'), stop };
}
