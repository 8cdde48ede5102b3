import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOutboxRelay, type OutboxRelay } from '../../../runtime/orders/src/outbox-relay';
import type { OutgoingEvent } from '../../../runtime/shared/kafka/event-publisher';
import type { SqlClient, SqlExecutor, SqlParams } from '../../../runtime/shared/sql';

interface Row {
  id: number;
  event_id: string;
  topic: string;
  message_key: string;
  payload: string;
  published_at: string | null;
}

/** The outbox table as the relay's statements see it (no locking: one relay here). */
function fakeOutbox() {
  const rows: Row[] = [];
  const idsOf = (params: SqlParams | undefined) => Object.entries(params ?? {}).filter(([name]) => /^id\d+$/.test(name)).map(([, id]) => id);
  const executor: SqlExecutor = {
    async query<T extends object>(sql: string, params?: SqlParams) {
      const pending = rows.filter((row) => row.published_at === null);
      if (sql.startsWith('SELECT id FROM outbox')) return pending.slice(0, Number(params?.limit)).map(({ id }) => ({ id })) as unknown as T[];
      if (sql.includes('FOR UPDATE SKIP LOCKED')) return pending.filter((row) => idsOf(params).includes(row.id)) as unknown as T[];
      throw new Error(`unexpected query ${sql}`);
    },
    async execute(sql: string, params?: SqlParams) {
      if (!sql.startsWith('UPDATE outbox SET published_at')) throw new Error(`unexpected statement ${sql}`);
      const marked = rows.filter((row) => idsOf(params).includes(row.id));
      for (const row of marked) row.published_at = String(params!.publishedAt);
      return { affectedRows: marked.length };
    },
  };
  const sql = { ...executor, transaction: (work: (tx: SqlExecutor) => Promise<unknown>) => work(executor) } as unknown as SqlClient;
  const add = (orderId: string) =>
    rows.push({ id: rows.length + 1, event_id: `e-${orderId}`, topic: 'orders', message_key: orderId, payload: JSON.stringify({ type: 'OrderPlaced' }), published_at: null });
  return { sql, rows, add };
}

const log = { info: vi.fn(), warn: vi.fn() };
let relay: OutboxRelay | undefined;
afterEach(async () => relay?.stop());

const until = async (condition: () => boolean) => vi.waitFor(() => expect(condition()).toBe(true), { timeout: 2000, interval: 5 });

describe('OutboxRelay', () => {
  it('publishes pending events in id order with key and headers, and marks them published', async () => {
    const outbox = fakeOutbox();
    ['o1', 'o2', 'o3'].forEach(outbox.add);
    const published: OutgoingEvent[] = [];
    relay = createOutboxRelay({ sql: outbox.sql, publisher: { publish: async (events) => void published.push(...events) }, log, pollIntervalMs: 10, batchSize: 2 });
    relay.start();
    await until(() => outbox.rows.every((row) => row.published_at !== null));
    expect(published.map((event) => event.key)).toEqual(['o1', 'o2', 'o3']);
    expect(published[0]).toEqual({ topic: 'orders', key: 'o1', value: '{"type":"OrderPlaced"}', headers: { 'event-id': 'e-o1', 'event-type': 'OrderPlaced', 'content-type': 'application/json' } });
  });

  it('keeps events while publishing fails and publishes them once the broker is back', async () => {
    const outbox = fakeOutbox();
    outbox.add('o1');
    let brokerUp = false;
    const publish = vi.fn(async () => {
      if (!brokerUp) throw new Error('no broker');
    });
    relay = createOutboxRelay({ sql: outbox.sql, publisher: { publish }, log, pollIntervalMs: 5, maxBackoffMs: 20 });
    relay.start();
    await until(() => publish.mock.calls.length >= 3);
    expect(outbox.rows[0]!.published_at).toBeNull();
    brokerUp = true;
    await until(() => outbox.rows[0]!.published_at !== null);
  });

  it('publishes at once when woken, and flushes what is pending when stopped', async () => {
    const outbox = fakeOutbox();
    const published: string[] = [];
    relay = createOutboxRelay({ sql: outbox.sql, publisher: { publish: async (events) => void published.push(...events.map((e) => e.key!)) }, log, pollIntervalMs: 60_000 });
    relay.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    outbox.add('woken');
    relay.wake();
    await until(() => published.includes('woken'));
    outbox.add('flushed');
    await relay.stop();
    expect(published).toEqual(['woken', 'flushed']);
  });
});
