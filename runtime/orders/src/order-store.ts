import type { Order } from '../../shared/api/orders';
import type { OrderEvent } from '../../shared/events/orders-topic';
import { CreatedAtPosition, decodeCursor, encodeCursor } from '../../shared/http/pagination';
import { traceHeaders } from '../../shared/telemetry/spans';
import { fromSqlTimestamp, namedList, toSqlTimestamp, type SqlClient, type SqlExecutor, type SqlParams } from '../../shared/sql';

export interface IdempotencyRecord {
  readonly key: string;
  /** SHA-256 of the request body, so a reused key with another body is told apart from a retry. */
  readonly requestHash: string;
}

export interface StoredIdempotencyKey {
  readonly requestHash: string;
  readonly orderId: string;
}

export interface NewOrder {
  readonly order: Order;
  readonly reservationId: string;
  readonly event: OrderEvent;
  readonly topic: string;
  readonly messageKey: string;
  readonly idempotency?: IdempotencyRecord;
}

interface OrderRow {
  id: string;
  user_id: string;
  status: string;
  total_cents: number;
  currency: string;
  created_at: string;
}
interface ItemRow {
  order_id: string;
  product_id: string;
  quantity: number;
  unit_price_cents: number;
}

async function itemsOf(db: SqlExecutor, orderIds: readonly string[]): Promise<Map<string, Order['items']>> {
  const byOrder = new Map<string, Order['items']>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return byOrder;
  const ids = namedList('order', orderIds);
  const rows = await db.query<ItemRow>(
    `SELECT order_id, product_id, quantity, unit_price_cents FROM order_items WHERE order_id IN (${ids.sql}) ORDER BY order_id, line_no`,
    ids.params,
  );
  for (const row of rows) {
    byOrder.get(row.order_id)?.push({ productId: row.product_id, quantity: Number(row.quantity), unitPriceCents: Number(row.unit_price_cents) });
  }
  return byOrder;
}

const toOrder = (row: OrderRow, items: Order['items']): Order => ({
  id: row.id,
  userId: row.user_id,
  items,
  totalCents: Number(row.total_cents),
  currency: row.currency,
  status: row.status as Order['status'],
  createdAt: fromSqlTimestamp(row.created_at),
});

const ORDER_COLUMNS = 'id, user_id, status, total_cents, currency, created_at';

/** Orders, their items, their outbox events and idempotency keys in MySQL (Aurora or MariaDB). */
export function createOrderStore(sql: SqlClient) {
  return {
    /**
     * Writes the order, its items, its event (to the outbox, with the active trace context) and the idempotency key in one
     * transaction: all of it or none. A key already taken surfaces as DuplicateKeyError on PRIMARY.
     */
    async insertPlacedOrder(placed: NewOrder): Promise<void> {
      const { order } = placed;
      const createdAt = toSqlTimestamp(new Date(order.createdAt));
      // The placing request's trace context goes with the event: the relay publishes it later, outside
      // the request, and its span continues this trace. Read here, not in the transaction's span.
      const trace = traceHeaders();
      await sql.transaction(
        async (tx) => {
          // First, so a concurrent retry with the same key waits on this row's lock and then fails fast.
          if (placed.idempotency) {
            await tx.execute(
              'INSERT INTO idempotency_keys (idempotency_key, request_hash, order_id, created_at) VALUES (:key, :hash, :orderId, :createdAt)',
              { key: placed.idempotency.key, hash: placed.idempotency.requestHash, orderId: order.id, createdAt },
            );
          }
          await tx.execute(
            `INSERT INTO orders (id, user_id, status, total_cents, currency, reservation_id, created_at)
             VALUES (:id, :userId, :status, :totalCents, :currency, :reservationId, :createdAt)`,
            { id: order.id, userId: order.userId, status: order.status, totalCents: order.totalCents, currency: order.currency, reservationId: placed.reservationId, createdAt },
          );
          const lineParams: Record<string, string | number> = { orderId: order.id };
          const lines = order.items.map((item, i) => {
            Object.assign(lineParams, { [`line${i}`]: i + 1, [`product${i}`]: item.productId, [`quantity${i}`]: item.quantity, [`price${i}`]: item.unitPriceCents });
            return `(:orderId, :line${i}, :product${i}, :quantity${i}, :price${i})`;
          });
          await tx.execute(`INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price_cents) VALUES ${lines.join(', ')}`, lineParams);
          await tx.execute(
            `INSERT INTO outbox (event_id, topic, message_key, payload, trace_context, created_at)
             VALUES (:eventId, :topic, :messageKey, :payload, :traceContext, :createdAt)`,
            {
              eventId: placed.event.eventId,
              topic: placed.topic,
              messageKey: placed.messageKey,
              payload: JSON.stringify(placed.event),
              traceContext: Object.keys(trace).length > 0 ? JSON.stringify(trace) : null,
              createdAt,
            },
          );
        },
        // The outbox relay marks rows published while orders insert new ones, and InnoDB now and then
        // breaks the two apart with a deadlock; the insert is database-only work, safe to run again.
        { conflictRetries: 3 },
      );
    },

    async findIdempotencyKey(key: string): Promise<StoredIdempotencyKey | undefined> {
      const [row] = await sql.query<{ request_hash: string; order_id: string }>(
        'SELECT request_hash, order_id FROM idempotency_keys WHERE idempotency_key = :key',
        { key },
      );
      return row && { requestHash: row.request_hash, orderId: row.order_id };
    },

    async findOrder(id: string): Promise<Order | undefined> {
      const [row] = await sql.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = :id`, { id });
      if (!row) return undefined;
      return toOrder(row, (await itemsOf(sql, [row.id])).get(row.id) ?? []);
    },

    /** Newest first, keyset-paginated on (created_at, id) so pages stay stable while orders arrive. */
    async listOrders(query: { userId?: string; limit: number; cursor?: string }): Promise<{ items: Order[]; nextCursor: string | null }> {
      const conditions: string[] = [];
      const params: Record<string, SqlParams[string]> = { limit: query.limit + 1 };
      if (query.userId) {
        conditions.push('user_id = :userId');
        params.userId = query.userId;
      }
      if (query.cursor) {
        const after = decodeCursor<CreatedAtPosition>(query.cursor, CreatedAtPosition);
        conditions.push('(created_at < :afterCreatedAt OR (created_at = :afterCreatedAt AND id < :afterId))');
        params.afterCreatedAt = toSqlTimestamp(new Date(after.createdAt));
        params.afterId = after.id;
      }
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      const rows = await sql.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders ${where} ORDER BY created_at DESC, id DESC LIMIT :limit`, params);
      const page = rows.slice(0, query.limit);
      const items = await itemsOf(sql, page.map((row) => row.id));
      const last = page.at(-1);
      return {
        items: page.map((row) => toOrder(row, items.get(row.id) ?? [])),
        nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: fromSqlTimestamp(last.created_at), id: last.id }) : null,
      };
    },
  };
}
export type OrderStore = ReturnType<typeof createOrderStore>;
