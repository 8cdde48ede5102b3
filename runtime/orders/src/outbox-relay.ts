import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventPublisher, OutgoingEvent } from '../../shared/kafka/event-publisher';
import { fromSqlTimestamp, namedList, toSqlTimestamp, type SqlClient } from '../../shared/sql';
import { contextFromHeaders } from '../../shared/telemetry/spans';

export interface OutboxRelayOptions {
  readonly sql: SqlClient;
  readonly publisher: Pick<EventPublisher, 'publish'>;
  readonly log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  /** How often to look for unpublished events when nothing wakes the relay. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Events claimed and published per transaction. @default 100 */
  readonly batchSize?: number;
  /** Longest wait between attempts while publishing fails (Kafka down); doubles up to this. @default 10000 */
  readonly maxBackoffMs?: number;
}

export interface PendingStats {
  readonly pending: number;
  readonly oldestAgeSeconds: number;
}

interface OutboxRow {
  id: number;
  event_id: string;
  topic: string;
  message_key: string;
  payload: string;
  trace_context: string | null;
}

/** The trace context stored with the row (W3C headers as JSON); none for rows written untraced. */
const traceContextOf = (stored: string | null) => {
  if (stored === null) return undefined;
  try {
    return contextFromHeaders(JSON.parse(stored) as Record<string, unknown>);
  } catch {
    return undefined;
  }
};

const eventTypeOf = (payload: string): string => {
  try {
    const type = (JSON.parse(payload) as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'unknown';
  } catch {
    return 'unknown';
  }
};

/**
 * Publishes outbox rows to Kafka in id order and marks them published. Each batch is claimed with
 * `FOR UPDATE SKIP LOCKED` inside a transaction that stays open until Kafka acknowledged the batch,
 * so several replicas never publish the same rows concurrently, and a crash before the commit only
 * leaves rows to publish again (consumers deduplicate on the event id). While Kafka is down the
 * relay backs off; orders keep being accepted and their events wait in the outbox. Each event is
 * published in the trace of the order that wrote it (the context stored in its row), so the consumer's
 * work joins that trace.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const { sql, publisher, log } = options;

  let stopping = false;
  let consecutiveFailures = 0;
  let wakeRequested = false;
  let interruptSleep: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  const counters = {
    published: new Counter({ name: 'outbox_published_events_total', help: 'Outbox events published to Kafka', registers: [] }),
    failures: new Counter({ name: 'outbox_publish_failures_total', help: 'Outbox publishing attempts that failed', registers: [] }),
  };

  /** Claims, publishes and marks one batch; resolves with how many events it published. */
  async function publishBatch(): Promise<number> {
    return sql.transaction(async (tx) => {
      // Candidates first, without locks; then lock exactly those rows by primary key. Locking the
      // `published_at IS NULL` range itself would also lock the gap new outbox rows go into, and
      // block every order commit for as long as a publish takes (seconds while Kafka is down).
      const candidates = await tx.query<{ id: number }>('SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT :limit', { limit: batchSize });
      if (candidates.length === 0) return 0;
      const candidateIds = namedList('id', candidates.map((row) => Number(row.id)));
      const rows = await tx.query<OutboxRow>(
        `SELECT id, event_id, topic, message_key, payload, trace_context FROM outbox
         WHERE id IN (${candidateIds.sql}) AND published_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED`,
        candidateIds.params,
      );
      if (rows.length === 0) return 0;
      const events: OutgoingEvent[] = rows.map((row) => ({
        topic: row.topic,
        key: row.message_key,
        value: row.payload,
        headers: { 'event-id': row.event_id, 'event-type': eventTypeOf(row.payload), 'content-type': 'application/json' },
        traceContext: traceContextOf(row.trace_context),
      }));
      await publisher.publish(events);
      const claimed = namedList('id', rows.map((row) => Number(row.id)));
      await tx.execute(`UPDATE outbox SET published_at = :publishedAt WHERE id IN (${claimed.sql})`, { ...claimed.params, publishedAt: toSqlTimestamp(new Date()) });
      counters.published.inc(rows.length);
      return rows.length;
    });
  }

  /** Publishes until the outbox holds no unclaimed rows. */
  async function drain(): Promise<void> {
    while ((await publishBatch()) === batchSize && !stopping);
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interruptSleep = undefined;
        resolve();
      }
      interruptSleep = done;
    });

  async function run(): Promise<void> {
    for (;;) {
      wakeRequested = false;
      try {
        await drain();
        if (consecutiveFailures > 0) log.info({ afterFailures: consecutiveFailures }, 'outbox relay publishing again');
        consecutiveFailures = 0;
      } catch (error) {
        consecutiveFailures++;
        counters.failures.inc();
        log.warn({ err: error, consecutiveFailures }, 'outbox relay could not publish; events stay in the outbox');
      }
      if (stopping) return;
      // An order committed while this round ran may have missed it.
      if (wakeRequested && consecutiveFailures === 0) continue;
      const delay = consecutiveFailures === 0 ? pollIntervalMs : Math.min(maxBackoffMs, pollIntervalMs * 2 ** (consecutiveFailures - 1));
      await sleep(delay);
    }
  }

  async function pendingStats(): Promise<PendingStats> {
    const [row] = await sql.query<{ pending: number; oldest: string | null }>(
      'SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE published_at IS NULL',
    );
    const oldest = row?.oldest ? Date.parse(fromSqlTimestamp(row.oldest)) : undefined;
    return { pending: Number(row?.pending ?? 0), oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }

  return {
    start(): void {
      loop ??= run();
    },

    /** A new event was committed: publish now rather than at the next poll, unless backing off from failures. */
    wake(): void {
      if (consecutiveFailures > 0) return;
      wakeRequested = true;
      interruptSleep?.();
    },

    /** Stops polling after one last attempt to publish what is pending (graceful shutdown). */
    async stop(): Promise<void> {
      stopping = true;
      interruptSleep?.();
      await loop;
    },

    pendingStats,

    /** Outbox lag on /metrics: unpublished events and the age of the oldest, read at scrape time. */
    registerMetrics(registry: Registry): void {
      registry.registerMetric(counters.published);
      registry.registerMetric(counters.failures);
      // Both gauges are collected concurrently in one scrape; they share one query.
      let cached: { at: number; stats: Promise<PendingStats | undefined> } | undefined;
      const stats = () => {
        if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), stats: pendingStats().catch(() => undefined) };
        return cached.stats;
      };
      const gauges = [
        { name: 'outbox_backlog_events', help: 'Outbox events not yet published to Kafka', read: (current: PendingStats) => current.pending },
        { name: 'outbox_oldest_event_age_seconds', help: 'Age of the oldest unpublished outbox event (0 when none)', read: (current: PendingStats) => current.oldestAgeSeconds },
      ];
      for (const { name, help, read } of gauges) {
        new Gauge({
          name,
          help,
          registers: [registry],
          async collect() {
            const current = await stats();
            if (current) this.set(read(current));
          },
        });
      }
    },
  };
}
export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
