import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionSweeper } from '../../runtime/orders/src/retention';
import { createMysqlSqlClient, namedList, toSqlTimestamp, type SqlClient } from '../../runtime/shared/sql';
import { localBackends } from './backends';

const { env } = localBackends();
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const silentLog = { info: () => undefined, warn: () => undefined };

describe('orders retention sweep on MariaDB', () => {
  let sql: SqlClient;
  beforeAll(() => {
    sql = createMysqlSqlClient({ url: env.MYSQL_URL });
  });
  afterAll(async () => {
    await sql.close();
  });

  const ago = (ms: number) => toSqlTimestamp(new Date(Date.now() - ms));

  async function outboxRow(createdAgoMs: number, publishedAgoMs: number | undefined): Promise<string> {
    const eventId = randomUUID();
    await sql.execute(
      'INSERT INTO outbox (event_id, topic, message_key, payload, created_at, published_at) VALUES (:eventId, :topic, :key, :payload, :createdAt, :publishedAt)',
      { eventId, topic: 'orders', key: eventId, payload: '{}', createdAt: ago(createdAgoMs), publishedAt: publishedAgoMs === undefined ? null : ago(publishedAgoMs) },
    );
    return eventId;
  }

  async function idempotencyKey(createdAgoMs: number): Promise<string> {
    const key = `retention-${randomUUID()}`;
    await sql.execute('INSERT INTO idempotency_keys (idempotency_key, request_hash, order_id, created_at) VALUES (:key, :hash, :orderId, :createdAt)', {
      key,
      hash: 'h'.repeat(64),
      orderId: randomUUID(),
      createdAt: ago(createdAgoMs),
    });
    return key;
  }

  it('deletes published outbox rows and idempotency keys past their retention, in batches, and nothing else', async () => {
    const expiredPublished = [await outboxRow(10 * DAY_MS, 9 * DAY_MS), await outboxRow(9 * DAY_MS, 8 * DAY_MS), await outboxRow(8 * DAY_MS, 8 * DAY_MS)];
    const recentPublished = await outboxRow(6 * DAY_MS, 6 * DAY_MS);
    const oldUnpublished = await outboxRow(30 * DAY_MS, undefined);
    const expiredKey = await idempotencyKey(25 * HOUR_MS);
    const recentKey = await idempotencyKey(23 * HOUR_MS);

    const sweeper = createRetentionSweeper({ sql, log: silentLog, batchSize: 2 });
    expect(await sweeper.sweep()).toEqual({ outboxRows: 3, idempotencyKeys: 1 });

    const events = namedList('event', [...expiredPublished, recentPublished, oldUnpublished]);
    const remaining = await sql.query<{ event_id: string }>(`SELECT event_id FROM outbox WHERE event_id IN (${events.sql})`, events.params);
    expect(remaining.map((row) => row.event_id).sort()).toEqual([recentPublished, oldUnpublished].sort());
    const keys = namedList('key', [expiredKey, recentKey]);
    const remainingKeys = await sql.query<{ idempotency_key: string }>(`SELECT idempotency_key FROM idempotency_keys WHERE idempotency_key IN (${keys.sql})`, keys.params);
    expect(remainingKeys.map((row) => row.idempotency_key)).toEqual([recentKey]);

    expect(await sweeper.sweep()).toEqual({ outboxRows: 0, idempotencyKeys: 0 });
  });
});
