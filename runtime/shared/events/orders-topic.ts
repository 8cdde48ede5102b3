import { Type, type Static } from '@sinclair/typebox';
import { platformContract } from '../../../contracts/platform';
import { Cents, CurrencyCode } from './money';

/** Topic carrying order lifecycle events. Key: the order id, so all events of one order stay in order. */
export const ORDERS_TOPIC = platformContract.topics.orders.name;

export const OrderedItem = Type.Object(
  {
    productId: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1000 }),
    unitPriceCents: Cents,
  },
  { additionalProperties: false },
);
export type OrderedItem = Static<typeof OrderedItem>;

export const OrderPlacedPayload = Type.Object(
  {
    orderId: Type.String({ minLength: 1, maxLength: 64 }),
    userId: Type.String({ minLength: 1, maxLength: 64 }),
    items: Type.Array(OrderedItem, { minItems: 1, maxItems: 100 }),
    totalCents: Cents,
    currency: CurrencyCode,
  },
  { additionalProperties: false },
);
export type OrderPlacedPayload = Static<typeof OrderPlacedPayload>;

const envelope = {
  eventId: Type.String({ format: 'uuid', description: 'Unique per event; consumers deduplicate on it' }),
  version: Type.Literal(1),
  occurredAt: Type.String({ format: 'date-time', description: 'ISO-8601 UTC; the event time used by analytics' }),
};

export const OrderPlaced = Type.Object(
  { ...envelope, type: Type.Literal('OrderPlaced'), payload: OrderPlacedPayload },
  { additionalProperties: false },
);
export type OrderPlaced = Static<typeof OrderPlaced>;

/** Every event that may appear on `orders`. New event types join this union with their own literal `type`. */
export const OrderEvent = Type.Union([OrderPlaced], { $id: 'OrderEvent', title: 'OrderEvent' });
export type OrderEvent = Static<typeof OrderEvent>;

export const orderEventKey = (event: OrderEvent): string => event.payload.orderId;
