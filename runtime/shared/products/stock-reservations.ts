import type { Reservation, ReservationRequest } from '../api/products';
import { ConflictError, DependencyUnavailableError, DomainError, NotFoundError } from '../errors';
import { isProductId } from './product-ids';
import { PRODUCT_ENTITY, type ProductItem } from './product-store';
import { backOff, getItem, getItems, transactWrite, type ProductsTableDeps } from './table-access';

/*
 * Stock reservations. A reservation is one item `{ id: "reservation#<id>", status, items, currency }`
 * written in the same TransactWriteItems as the conditional stock decrements of its products, so
 * stock is taken for all lines or none and never goes below zero; its `attribute_not_exists(id)`
 * condition makes a retry with the same id reserve nothing more. Release flips `status` from
 * `active` to `released` in the same transaction that puts the stock back, so it happens once.
 */

const RESERVATION_ENTITY = 'reservation';
const reservationKey = (id: string) => `reservation#${id}`;
const RESERVATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface ReservationItem {
  id: string;
  entity: typeof RESERVATION_ENTITY;
  reservationId: string;
  status: 'active' | 'released';
  items: Reservation['items'];
  currency: string;
  createdAt: string;
  releasedAt?: string;
  /** Epoch seconds: DynamoDB's time to live deletes the reservation then (productsTableSchema.timeToLiveAttribute). */
  expiresAt: number;
}

/**
 * How long a reservation is kept: long after its order was placed or abandoned, so a late retry still finds it
 * and is answered, but not for ever (every order leaves one behind).
 */
const RESERVATION_RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** Attempts of a transaction that lost a race before answering 503; enough for dozens of buyers of one product. */
const MAX_ATTEMPTS = 12;

/** Products whose price and currency a reservation remembers; past this the oldest entry goes. */
const REMEMBERED_PRODUCTS = 10_000;

/** What a reservation's write needs of a product besides its stock, which the write's condition checks. */
type PriceTag = Pick<ProductItem, 'priceCents' | 'currency'>;

export interface Shortfall {
  readonly productId: string;
  readonly requested: number;
  readonly available: number;
}

export class InsufficientStockError extends ConflictError {
  constructor(readonly shortfalls: readonly Shortfall[]) {
    super(
      'INSUFFICIENT_STOCK',
      `not enough stock for ${shortfalls.map((s) => `product ${s.productId} (requested ${s.requested}, available ${s.available})`).join(', ')}`,
      { products: shortfalls },
    );
  }
}

/** Lines naming the same product become one line with the summed quantity, in order of first appearance. */
export function mergeLines(items: ReservationRequest['items']): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of items) quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
  return quantities;
}

const toReservation = (item: ReservationItem): Reservation => ({ reservationId: item.reservationId, items: item.items, currency: item.currency });

export function createStockReservations({ dynamo, tableName, now = () => new Date() }: ProductsTableDeps) {
  const TableName = tableName;

  // Price tags as last read. A reservation first writes with these without reading its products (one
  // table call instead of two); the write's conditions re-check price, currency and stock, so a stale
  // tag only costs the read it skipped.
  const priceTags = new Map<string, PriceTag>();
  function rememberPriceTag(product: ProductItem): void {
    priceTags.delete(product.id);
    priceTags.set(product.id, { priceCents: product.priceCents, currency: product.currency });
    if (priceTags.size > REMEMBERED_PRODUCTS) priceTags.delete(priceTags.keys().next().value!);
  }

  /** The reservation and its stock decrements in one transaction, at the prices given. */
  async function writeReservation(reservationId: string, lines: readonly { productId: string; quantity: number; tag: PriceTag }[]) {
    const createdAt = now();
    const reservation: ReservationItem = {
      id: reservationKey(reservationId),
      entity: RESERVATION_ENTITY,
      reservationId,
      status: 'active',
      items: lines.map(({ productId, quantity, tag }) => ({ productId, quantity, unitPriceCents: tag.priceCents })),
      currency: lines[0]!.tag.currency,
      createdAt: createdAt.toISOString(),
      expiresAt: Math.floor(createdAt.getTime() / 1000) + RESERVATION_RETENTION_SECONDS,
    };
    const outcome = await transactWrite(dynamo, {
      TransactItems: [
        { Put: { TableName, Item: reservation, ConditionExpression: 'attribute_not_exists(id)' } },
        ...lines.map(({ productId, quantity, tag }) => ({
          Update: {
            TableName,
            Key: { id: productId },
            UpdateExpression: 'SET #stock = #stock - :quantity',
            // Price and currency as read: the reservation records the price the stock was taken at.
            ConditionExpression: '#entity = :product AND #stock >= :quantity AND #price = :price AND #currency = :currency',
            ExpressionAttributeNames: { '#entity': 'entity', '#stock': 'stock', '#price': 'priceCents', '#currency': 'currency' },
            ExpressionAttributeValues: { ':product': PRODUCT_ENTITY, ':quantity': quantity, ':price': tag.priceCents, ':currency': tag.currency },
          },
        })),
      ],
    });
    return { reservation, outcome };
  }

  /** The first attempt, from remembered price tags alone: the reservation if it committed. */
  async function reserveFromPriceTags(reservationId: string, quantities: Map<string, number>): Promise<Reservation | undefined> {
    const lines = [...quantities].map(([productId, quantity]) => ({ productId, quantity, tag: priceTags.get(productId) }));
    if (!lines.every((line): line is typeof line & { tag: PriceTag } => line.tag !== undefined)) return undefined;
    if (new Set(lines.map((line) => line.tag.currency)).size > 1) return undefined;
    const { reservation, outcome } = await writeReservation(reservationId, lines);
    return outcome.committed ? toReservation(reservation) : undefined;
  }

  async function readReservation(id: string): Promise<ReservationItem | undefined> {
    if (!RESERVATION_ID.test(id)) return undefined;
    const item = await getItem<ReservationItem>(dynamo, tableName, reservationKey(id));
    return item?.entity === RESERVATION_ENTITY ? item : undefined;
  }

  /** A retry of a reservation answers what was reserved, provided it asks for the same thing. */
  function replay(existing: ReservationItem, quantities: Map<string, number>): Reservation {
    const same =
      existing.items.length === quantities.size && existing.items.every((line) => quantities.get(line.productId) === line.quantity);
    if (!same) {
      throw new ConflictError(
        'RESERVATION_ID_REUSED',
        `reservation ${existing.reservationId} already exists with other items; use a new reservationId for a different reservation`,
        { reservationId: existing.reservationId },
      );
    }
    if (existing.status === 'released') {
      throw new ConflictError('RESERVATION_RELEASED', `reservation ${existing.reservationId} was released; reserve again under a new reservationId`, {
        reservationId: existing.reservationId,
      });
    }
    return toReservation(existing);
  }

  return {
    async reserve(request: ReservationRequest): Promise<Reservation> {
      const quantities = mergeLines(request.items);
      const productIds = [...quantities.keys()];
      // A repeat of a reservation answers what was reserved. Most reservations are new, so no attempt
      // looks for an existing one first: the reservation's `attribute_not_exists(id)` condition keeps a
      // repeat from taking stock again, and every way out but success looks for it before answering
      // (a repeat of a reservation that took the last units would otherwise be refused for no stock).
      const existingOr = async (refusal: Error): Promise<Reservation> => {
        const existing = await readReservation(request.reservationId);
        if (existing) return replay(existing, quantities);
        throw refusal;
      };
      // Whatever kept the first attempt from committing (a stale tag, no stock, a repeat) is sorted
      // out below from a fresh read, as if it had not been made.
      const reserved = await reserveFromPriceTags(request.reservationId, quantities);
      if (reserved) return reserved;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const products = await getItems<ProductItem>(dynamo, tableName, productIds.filter(isProductId));
        for (const product of products.values()) if (product.entity === PRODUCT_ENTITY) rememberPriceTag(product);
        const missing = productIds.find((id) => products.get(id)?.entity !== PRODUCT_ENTITY);
        if (missing !== undefined) return existingOr(new NotFoundError('product', missing));
        const lines = productIds.map((productId) => ({ product: products.get(productId)!, quantity: quantities.get(productId)! }));
        const currencies = [...new Set(lines.map((line) => line.product.currency))];
        if (currencies.length > 1) {
          return existingOr(
            new DomainError(400, 'MIXED_CURRENCIES', `the products are priced in different currencies (${currencies.join(', ')}); reserve each currency separately`, {
              currencies,
            }),
          );
        }
        const shortfalls = lines
          .filter((line) => line.product.stock < line.quantity)
          .map((line) => ({ productId: line.product.id, requested: line.quantity, available: line.product.stock }));
        if (shortfalls.length > 0) return existingOr(new InsufficientStockError(shortfalls));

        const { reservation, outcome } = await writeReservation(
          request.reservationId,
          lines.map(({ product, quantity }) => ({ productId: product.id, quantity, tag: product })),
        );
        if (outcome.committed) return toReservation(reservation);
        // The reservation exists (a repeat, or a twin that won), or someone changed a product since we read.
        const existing = await readReservation(request.reservationId);
        if (existing) return replay(existing, quantities);
        await backOff(attempt);
      }
      throw new DependencyUnavailableError('products table (contended)');
    },

    /** Puts the reserved stock back once; releasing a released reservation changes nothing. */
    async release(reservationId: string): Promise<void> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const reservation = await readReservation(reservationId);
        if (!reservation) throw new NotFoundError('reservation', reservationId);
        if (reservation.status === 'released') return;
        // Stock of a product deleted since has nowhere to go; an unconditional ADD would resurrect it as a bare item.
        const products = await getItems<ProductItem>(dynamo, tableName, reservation.items.map((line) => line.productId));
        const outcome = await transactWrite(dynamo, {
          TransactItems: [
            {
              Update: {
                TableName,
                Key: { id: reservation.id },
                UpdateExpression: 'SET #status = :released, releasedAt = :at',
                ConditionExpression: '#status = :active',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':released': 'released', ':active': 'active', ':at': now().toISOString() },
              },
            },
            ...reservation.items
              .filter((line) => products.get(line.productId)?.entity === PRODUCT_ENTITY)
              .map((line) => ({
                Update: {
                  TableName,
                  Key: { id: line.productId },
                  UpdateExpression: 'SET #stock = #stock + :quantity',
                  ConditionExpression: '#entity = :product',
                  ExpressionAttributeNames: { '#entity': 'entity', '#stock': 'stock' },
                  ExpressionAttributeValues: { ':product': PRODUCT_ENTITY, ':quantity': line.quantity },
                },
              })),
          ],
        });
        if (outcome.committed) return;
        await backOff(attempt);
      }
      throw new DependencyUnavailableError('products table (contended)');
    },
  };
}

export type StockReservations = ReturnType<typeof createStockReservations>;
