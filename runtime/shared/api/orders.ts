import { Type, type Static } from '@sinclair/typebox';
import { Cents, CurrencyCode } from '../events/money';
import { errorResponses } from '../http/error-body';
import { Page, PageQuery } from '../http/pagination';
import { IdParams } from '../http/path-id';

/*
 * Public API of the orders service: the one source for its routes (`/orders`) and for the gateway's
 * OpenAPI document (`/api/orders`). Limits match the OrderPlaced event, so an accepted order always
 * yields a valid event.
 */

const ProductId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w.:-]+$', description: 'Id of a product' });

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 1000;

export const OrderLineRequest = Type.Object(
  {
    productId: ProductId,
    quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY }),
  },
  { additionalProperties: false },
);

/** No user: an order is always the caller's own (the gateway's `x-caller-subject`), so a `userId` field is refused. */
export const PlaceOrderBody = Type.Object(
  {
    items: Type.Array(OrderLineRequest, {
      minItems: 1,
      maxItems: MAX_ORDER_LINES,
      description: 'One line per product; a product may appear only once',
    }),
  },
  { additionalProperties: false, $id: 'PlaceOrderBody', title: 'PlaceOrderBody' },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const PlaceOrderHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'Client-chosen key (printable ASCII, no spaces); a retry with the same key and body returns the first result',
    }),
  ),
});

export const OrderStatus = Type.Union([Type.Literal('placed')], { description: 'Lifecycle state; `placed` once stock is reserved and the order stored' });

export const OrderLine = Type.Object(
  {
    productId: Type.String(),
    quantity: Type.Integer(),
    unitPriceCents: Cents,
  },
  { additionalProperties: false },
);

export const Order = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String(),
    items: Type.Array(OrderLine),
    totalCents: Cents,
    currency: CurrencyCode,
    status: OrderStatus,
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, $id: 'Order', title: 'Order' },
);
export type Order = Static<typeof Order>;

export const OrderParams = IdParams('Order id (UUID)');

export const ListOrdersQuery = Type.Object(
  {
    userId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Only this user’s orders. A shopper sees only their own (another user is 403); an administrator sees all when absent',
      }),
    ),
    ...PageQuery.properties,
  },
  { additionalProperties: false },
);
export type ListOrdersQuery = Static<typeof ListOrdersQuery>;

export const OrderPage = Page(Order);
export type OrderPage = Static<typeof OrderPage>;

const tags = ['orders'];

/**
 * Route schemas by operation, for the orders service's routes and for the gateway's document. Each
 * lists the error statuses of its domain; createServiceApp adds those of its input (400, 413, 415).
 */
export const ordersApi = {
  place: {
    tags,
    summary: 'Place an order for the caller: reserves stock for every line, or for none',
    description:
      'A retry with the same `Idempotency-Key` and body answers the first result (with `idempotent-replayed: true`) instead of placing a second order; ' +
      'the same key with another body is 422 IDEMPOTENCY_KEY_REUSED. 404 USER_NOT_FOUND or PRODUCT_NOT_FOUND, 409 INSUFFICIENT_STOCK (details.products), ' +
      '400 MIXED_CURRENCIES. The user is the caller, whose profile must exist (POST /users first).',
    headers: PlaceOrderHeaders,
    body: PlaceOrderBody,
    response: { 201: Order, ...errorResponses(404, 409, 422, 503) },
  },
  get: {
    tags,
    summary: 'Read an order: one’s own, any for an administrator (another’s is 404)',
    params: OrderParams,
    response: { 200: Order, ...errorResponses(404, 503) },
  },
  list: {
    tags,
    summary: 'List orders, newest first, one page at a time: a shopper’s own, or any user’s for an administrator',
    querystring: ListOrdersQuery,
    response: { 200: OrderPage, ...errorResponses(403, 503) },
  },
} as const;
