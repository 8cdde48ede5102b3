import { Type, type Static } from '@sinclair/typebox';
import { Cents, CurrencyCode } from '../events/money';
import { Page, PageQuery } from '../http/pagination';

/*
 * Public API of the orders service: the one source for its routes (`/orders`) and for the gateway's
 * OpenAPI document (`/api/orders`). Limits match the OrderPlaced event, so an accepted order always
 * yields a valid event.
 */

const ProductId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w.:-]+$', description: 'Id of a product' });
const UserId = Type.String({ format: 'uuid', description: 'Id of an existing user' });

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 1000;

export const OrderLineRequest = Type.Object(
  {
    productId: ProductId,
    quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY }),
  },
  { additionalProperties: false },
);

export const PlaceOrderBody = Type.Object(
  {
    userId: UserId,
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

export const OrderParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const ListOrdersQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ format: 'uuid', description: 'Only this user’s orders; all orders when absent' })),
    ...PageQuery.properties,
  },
  { additionalProperties: false },
);
export type ListOrdersQuery = Static<typeof ListOrdersQuery>;

export const OrderPage = Page(Order);
export type OrderPage = Static<typeof OrderPage>;
