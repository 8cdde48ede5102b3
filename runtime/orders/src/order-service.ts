import { createHash, randomUUID } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { ListOrdersQuery, Order, PlaceOrderBody } from '../../shared/api/orders';
import type { UsersClient } from '../../shared/clients/users-client';
import { DependencyUnavailableError, DomainError, NotFoundError, ValidationError } from '../../shared/errors';
import { Cents } from '../../shared/events/money';
import { ORDERS_TOPIC, OrderPlaced, orderEventKey } from '../../shared/events/orders-topic';
import '../../shared/events/formats';
import { DuplicateKeyError, SqlUnavailableError } from '../../shared/sql';
import type { ProductsClient, Reservation } from './clients/products-client';
import type { OrderStore } from './order-store';

const isOrderPlaced = TypeCompiler.Compile(OrderPlaced);
const MAX_TOTAL_CENTS = Cents.maximum!;

export class IdempotencyKeyReusedError extends DomainError {
  constructor(key: string) {
    super(422, 'IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was already used for a different request; use a new key for a new order`);
  }
}

export interface PlaceOrderContext {
  readonly idempotencyKey?: string;
  readonly requestId?: string;
}

export interface OrderServiceDeps {
  readonly users: Pick<UsersClient, 'getUser'>;
  readonly products: Pick<ProductsClient, 'reserveStock' | 'releaseStock'>;
  readonly store: OrderStore;
  /** Called after an order's transaction committed, e.g. to wake the outbox relay. */
  readonly onOrderPlaced?: () => void;
  readonly log: Pick<FastifyBaseLogger, 'error' | 'warn'>;
  /**
   * Waits before each background retry of a stock release that failed, after which the release is
   * given up and logged for an operator. @default 1 s, 2 s, 5 s, 10 s, 30 s, then 60 s five times (about 7 minutes)
   */
  readonly releaseRetryDelaysMs?: readonly number[];
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type ReservationFailure = 'insufficient_stock' | 'unknown_product' | 'unavailable';

/** The `reason` label of a refused or failed reservation; undefined for refusals that are the order's fault (mixed currencies). */
export function reservationFailureOf(error: unknown): ReservationFailure | undefined {
  if (error instanceof DependencyUnavailableError) return 'unavailable';
  if (!(error instanceof DomainError)) return undefined;
  if (error.code === 'INSUFFICIENT_STOCK') return 'insufficient_stock';
  return error.code === 'PRODUCT_NOT_FOUND' ? 'unknown_product' : undefined;
}

/** An order as placed: the body and its user, who is always the caller. */
export interface OrderRequest extends PlaceOrderBody {
  readonly userId: string;
}

/**
 * Same user and body, same hash: the canonical form is the user and the validated body with its fields
 * in a fixed order. With the user in it, one shopper's key never answers another shopper's order.
 */
export const requestHashOf = (body: OrderRequest) =>
  createHash('sha256')
    .update(JSON.stringify({ userId: body.userId, items: body.items.map((item) => ({ productId: item.productId, quantity: item.quantity })) }))
    .digest('hex');

function assertDistinctProducts(items: PlaceOrderBody['items']): void {
  const firstLine = new Map<string, number>();
  items.forEach((item, i) => {
    const first = firstLine.get(item.productId);
    if (first !== undefined) {
      throw new ValidationError(`body.items[${i}] repeats product ${item.productId} of body.items[${first}]; put the whole quantity on one line`, {
        field: `body.items.${i}.productId`,
      });
    }
    firstLine.set(item.productId, i);
  });
}

function pricedLines(body: OrderRequest, reservation: Reservation): Order['items'] {
  const prices = new Map(reservation.items.map((item) => [item.productId, item.unitPriceCents]));
  return body.items.map((item) => {
    const unitPriceCents = prices.get(item.productId);
    if (unitPriceCents === undefined) {
      throw new DependencyUnavailableError('products', new Error(`reservation ${reservation.reservationId} lacks product ${item.productId}`));
    }
    return { productId: item.productId, quantity: item.quantity, unitPriceCents };
  });
}

/**
 * Places orders: the user must exist, stock is reserved under the order id, and then the order, its
 * items, its OrderPlaced event (outbox) and the idempotency key are written in one transaction.
 * Whatever fails after the reservation gives the stock back, so no half-placed order remains.
 */
export function createOrderService(deps: OrderServiceDeps) {
  const newId = deps.newId ?? randomUUID;
  const now = deps.now ?? (() => new Date());
  const placed = new Counter({ name: 'orders_placed_total', help: 'Orders committed (idempotent replays not counted)', registers: [] });
  const reservationFailures = new Counter({
    name: 'orders_stock_reservation_failures_total',
    help: 'Orders refused or failed at the stock reservation',
    labelNames: ['reason'],
    registers: [],
  });

  async function replay(key: string, requestHash: string): Promise<Order | undefined> {
    const stored = await deps.store.findIdempotencyKey(key);
    if (!stored) return undefined;
    if (stored.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key);
    const order = await deps.store.findOrder(stored.orderId);
    if (!order) throw new Error(`idempotency key ${key} points at missing order ${stored.orderId}`);
    return order;
  }

  const releaseRetryDelaysMs = deps.releaseRetryDelaysMs ?? [1000, 2000, 5000, 10_000, 30_000, 60_000, 60_000, 60_000, 60_000, 60_000];
  // Releases that failed, retried in the background so a short products outage does not leave stock
  // reserved for orders that do not exist. Pending timers by reservation id.
  const owedReleases = new Map<string, NodeJS.Timeout>();
  const retryingReleases = new Set<Promise<void>>();

  function giveUpRelease(reservationId: string, error: unknown): void {
    deps.log.error(
      { err: error, reservationId },
      `gave up releasing a stock reservation; its stock stays reserved until released by hand (DELETE /products/reservations/${reservationId})`,
    );
  }

  function retryReleaseLater(reservationId: string, attempt: number, lastError: unknown): void {
    const delayMs = releaseRetryDelaysMs[attempt];
    if (delayMs === undefined) return giveUpRelease(reservationId, lastError);
    const timer = setTimeout(() => {
      owedReleases.delete(reservationId);
      const retrying = deps.products.releaseStock(reservationId).catch((error: unknown) => retryReleaseLater(reservationId, attempt + 1, error));
      retryingReleases.add(retrying);
      void retrying.finally(() => retryingReleases.delete(retrying));
    }, delayMs);
    // A pending retry must not keep the process alive; shutdown makes a last attempt instead (settle).
    timer.unref();
    owedReleases.set(reservationId, timer);
  }

  async function releaseQuietly(reservationId: string, requestId: string | undefined, reason: string): Promise<void> {
    try {
      await deps.products.releaseStock(reservationId, requestId);
    } catch (error) {
      deps.log.warn({ err: error, reservationId, reason }, 'could not release a stock reservation; retrying in the background');
      retryReleaseLater(reservationId, 0, error);
    }
  }

  async function withDatabase<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SqlUnavailableError) throw new DependencyUnavailableError('orders database', error);
      throw error;
    }
  }

  /**
   * Any failure of the order transaction is a 503: it rolled back, the stock was released, and a
   * retry (with the same Idempotency-Key) is safe. Only a lost idempotency race is told apart.
   */
  async function storeOrder(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof DuplicateKeyError && error.key === 'PRIMARY') throw error;
      throw new DependencyUnavailableError('orders database', error);
    }
  }

  // Placements still running, so shutdown can wait for them before closing the clients they use:
  // a caller that hung up does not stop its placement, which may still need to release stock.
  const inFlight = new Set<Promise<unknown>>();

  async function placeOrder(body: OrderRequest, context: PlaceOrderContext): Promise<{ order: Order; created: boolean }> {
    assertDistinctProducts(body.items);
    const { idempotencyKey, requestId } = context;
    const requestHash = requestHashOf(body);
    if (idempotencyKey) {
      const previous = await withDatabase(() => replay(idempotencyKey, requestHash));
      if (previous) return { order: previous, created: false };
    }

    await deps.users.getUser(body.userId, requestId);
    const orderId = newId();
    let reservation: Reservation;
    try {
      reservation = await deps.products.reserveStock(orderId, body.items, requestId);
    } catch (error) {
      const reason = reservationFailureOf(error);
      if (reason !== undefined) reservationFailures.inc({ reason });
      // A timeout may hide a reservation that was made; releasing an unknown one is harmless.
      if (error instanceof DependencyUnavailableError) await releaseQuietly(orderId, requestId, 'reservation outcome unknown');
      throw error;
    }

    try {
      const items = pricedLines(body, reservation);
      const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
      if (totalCents > MAX_TOTAL_CENTS) {
        throw new ValidationError(`the order total ${totalCents} exceeds ${MAX_TOTAL_CENTS} cents; split it into smaller orders`);
      }
      const createdAt = now();
      const order: Order = {
        id: orderId,
        userId: body.userId,
        items,
        totalCents,
        currency: reservation.currency,
        status: 'placed',
        createdAt: createdAt.toISOString(),
      };
      const event: OrderPlaced = {
        eventId: newId(),
        type: 'OrderPlaced',
        version: 1,
        occurredAt: order.createdAt,
        payload: { orderId, userId: order.userId, items, totalCents, currency: order.currency },
      };
      if (!isOrderPlaced.Check(event)) {
        const problems = [...isOrderPlaced.Errors(event)].map((e) => `${e.path} ${e.message}`).join('; ');
        throw new Error(`order ${orderId} would emit an OrderPlaced event that breaks the contract: ${problems}`);
      }
      await storeOrder(() =>
        deps.store.insertPlacedOrder({
          order,
          reservationId: orderId,
          event,
          topic: ORDERS_TOPIC,
          messageKey: orderEventKey(event),
          ...(idempotencyKey ? { idempotency: { key: idempotencyKey, requestHash } } : {}),
        }),
      );
      placed.inc();
      deps.onOrderPlaced?.();
      return { order, created: true };
    } catch (error) {
      const lostRace = error instanceof DuplicateKeyError && idempotencyKey !== undefined;
      await releaseQuietly(orderId, requestId, lostRace ? 'lost an idempotency race' : 'order not stored');
      // Another request with the same key committed first: answer as that request did.
      if (lostRace) {
        const winner = await withDatabase(() => replay(idempotencyKey, requestHash));
        if (winner) return { order: winner, created: false };
      }
      throw error;
    }
  }

  return {
    /** Resolves with the order and whether it was created now (false: an idempotent replay). */
    placeOrder(body: OrderRequest, context: PlaceOrderContext = {}): Promise<{ order: Order; created: boolean }> {
      const placement = placeOrder(body, context);
      inFlight.add(placement);
      void placement.finally(() => inFlight.delete(placement)).catch(() => undefined);
      return placement;
    },

    registerMetrics(registry: Registry): void {
      registry.registerMetric(placed);
      registry.registerMetric(reservationFailures);
    },

    /**
     * Resolves once every placement under way has finished and every release still owed had one last
     * attempt (graceful shutdown); releases that fail then are logged for an operator.
     */
    async settle(): Promise<void> {
      await Promise.allSettled([...inFlight]);
      await Promise.allSettled([...retryingReleases]);
      const owed = [...owedReleases.entries()];
      owedReleases.clear();
      await Promise.all(
        owed.map(async ([reservationId, timer]) => {
          clearTimeout(timer);
          await deps.products.releaseStock(reservationId).catch((error: unknown) => giveUpRelease(reservationId, error));
        }),
      );
    },

    async getOrder(id: string): Promise<Order> {
      const order = await withDatabase(() => deps.store.findOrder(id));
      if (!order) throw new NotFoundError('order', id);
      return order;
    },

    listOrders(query: ListOrdersQuery) {
      return withDatabase(() => deps.store.listOrders(query));
    },
  };
}
export type OrderService = ReturnType<typeof createOrderService>;
