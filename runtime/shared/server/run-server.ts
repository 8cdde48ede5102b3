import type { FastifyInstance } from 'fastify';

export interface RunServerOptions {
  readonly port: number;
  readonly host: string;
  /** How long in-flight work may take to drain before the process exits anyway. @default 20000 */
  readonly drainTimeoutMs?: number;
}

/**
 * Listens, and on SIGTERM or SIGINT closes the app: Fastify stops accepting connections, finishes
 * in-flight requests, and runs every `onClose` hook (producers flush, consumers commit and leave the
 * group, pools close). A second signal or the drain timeout forces the exit.
 */
export async function runServer(app: FastifyInstance, options: RunServerOptions): Promise<void> {
  const drainTimeoutMs = options.drainTimeoutMs ?? 20_000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error({ drainTimeoutMs }, 'drain timed out, exiting');
      process.exit(1);
    }, drainTimeoutMs);
    force.unref();
    app.close().then(
      () => {
        app.log.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    app.log.fatal({ err: error }, 'could not listen');
    process.exit(1);
  }
}
