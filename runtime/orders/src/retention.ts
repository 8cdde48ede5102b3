import type { FastifyBaseLogger } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { toSqlTimestamp, type SqlClient } from '../../shared/sql';

const HOUR_MS = 60 * 60 * 1000;

export interface RetentionOptions {
  readonly sql: SqlClient;
  readonly log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  /** How long a published outbox row is kept, for replays and audits. @default 7 days */
  readonly outboxRetentionMs?: number;
  /**
   * How long an Idempotency-Key answers a retry with the first order; a retry after that creates a new
   * order. Clients retry within minutes. @default 24 hours
   */
  readonly idempotencyRetentionMs?: number;
  /** Time between sweeps. @default 10 minutes */
  readonly intervalMs?: number;
  /** Rows deleted per statement, so no sweep holds locks on many rows at once. @default 1000 */
  readonly batchSize?: number;
  /** @default the system clock */
  readonly now?: () => Date;
}

export interface SweepResult {
  readonly outboxRows: number;
  readonly idempotencyKeys: number;
}

/**
 * Deletes what the orders database only needs for a while: outbox rows once published and past their
 * retention (unpublished ones are never touched), and idempotency keys past theirs. Several replicas
 * may sweep at once; a row deleted twice is deleted once.
 */
export function createRetentionSweeper(options: RetentionOptions) {
  const { sql, log } = options;
  const outboxRetentionMs = options.outboxRetentionMs ?? 7 * 24 * HOUR_MS;
  const idempotencyRetentionMs = options.idempotencyRetentionMs ?? 24 * HOUR_MS;
  const intervalMs = options.intervalMs ?? 10 * 60 * 1000;
  const batchSize = options.batchSize ?? 1000;
  const now = options.now ?? (() => new Date());
  const deleted = new Counter({ name: 'orders_retention_deleted_rows_total', help: 'Rows deleted by the retention sweep', labelNames: ['table'], registers: [] });
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;

  async function deleteInBatches(statement: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const { affectedRows } = await sql.execute(statement, { cutoff: toSqlTimestamp(cutoff), limit: batchSize });
      total += affectedRows;
      if (affectedRows < batchSize) return total;
    }
  }

  async function sweep(): Promise<SweepResult> {
    const at = now().getTime();
    const outboxRows = await deleteInBatches('DELETE FROM outbox WHERE published_at < :cutoff ORDER BY published_at LIMIT :limit', new Date(at - outboxRetentionMs));
    const idempotencyKeys = await deleteInBatches('DELETE FROM idempotency_keys WHERE created_at < :cutoff ORDER BY created_at LIMIT :limit', new Date(at - idempotencyRetentionMs));
    deleted.inc({ table: 'outbox' }, outboxRows);
    deleted.inc({ table: 'idempotency_keys' }, idempotencyKeys);
    if (outboxRows + idempotencyKeys > 0) log.info({ outboxRows, idempotencyKeys }, 'retention sweep deleted expired rows');
    return { outboxRows, idempotencyKeys };
  }

  function sweepInBackground(): void {
    sweeping ??= sweep()
      .catch((error: unknown) => log.warn({ err: error }, 'retention sweep failed; the next one tries again'))
      .finally(() => (sweeping = undefined));
  }

  return {
    sweep,
    /** Sweeps now and then every interval; the timer does not keep the process alive. */
    start(): void {
      if (timer) return;
      sweepInBackground();
      timer = setInterval(sweepInBackground, intervalMs);
      timer.unref();
    },
    /** Stops the timer and waits for a sweep in progress. */
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
    registerMetrics(registry: Registry): void {
      registry.registerMetric(deleted);
    },
  };
}
export type RetentionSweeper = ReturnType<typeof createRetentionSweeper>;
