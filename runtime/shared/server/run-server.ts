import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config';
import type { Tracing } from '../telemetry/tracing';

/** What `runServer` reads of a service's configuration: `serverConfig`'s variables. */
export type RunServerConfig = Pick<ServerConfig, 'PORT' | 'HOST' | 'SHUTDOWN_DRAIN_MS' | 'SHUTDOWN_CLOSE_TIMEOUT_MS'>;

/**
 * Listens, and stops without dropping requests. On SIGTERM (what Kubernetes sends) the app starts
 * draining: `/readyz` fails, so the balancer (a Kubernetes Service, through the endpoints it keeps)
 * stops sending new connections, while the requests it still sends, in flight or newly routed before
 * it noticed, are served, and keep-alive clients are told to reconnect elsewhere. After
 * `SHUTDOWN_DRAIN_MS` the app closes: Fastify stops accepting connections, closes idle ones, finishes
 * in-flight requests, and then runs every `onClose` hook (producers flush, consumers commit and leave
 * their group, pools close), and last the spans still buffered are sent (`tracing`). SIGINT (Ctrl-C in a terminal; no orchestrator sends it) closes without
 * the drain. A second signal, or a close that outlasts `SHUTDOWN_CLOSE_TIMEOUT_MS`, forces the exit.
 */
export async function runServer(app: FastifyInstance, config: RunServerConfig, tracing?: Pick<Tracing, 'shutdown'>): Promise<void> {
  let stopping = false;
  const close = () => {
    app.log.info('drain over, closing');
    const force = setTimeout(() => {
      app.log.error({ closeTimeoutMs: config.SHUTDOWN_CLOSE_TIMEOUT_MS }, 'close timed out, exiting');
      process.exit(1);
    }, config.SHUTDOWN_CLOSE_TIMEOUT_MS);
    force.unref();
    // After close: the spans of the shutdown itself (the consumer's last commit, the relay's last batch) go too.
    app.close().then(
      async () => {
        await tracing?.shutdown().catch((error: unknown) => app.log.warn({ err: error }, 'could not send the last spans'));
        app.log.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    app.startDraining();
    const drainMs = signal === 'SIGTERM' ? config.SHUTDOWN_DRAIN_MS : 0;
    app.log.info({ signal, drainMs }, 'shutting down: not ready, still serving while balancers route around this process');
    setTimeout(close, drainMs);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    app.log.fatal({ err: error }, 'could not listen');
    process.exit(1);
  }
}
