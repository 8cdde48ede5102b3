import { Type, type Static } from '@sinclair/typebox';
import { platformContract } from '../../../contracts/platform';
import { Cents, CurrencyCode } from './money';

/** Topic carrying one record per closed window and currency. Key: the window start. */
export const ANALYTICS_RESULTS_TOPIC = platformContract.topics.analyticsResults.name;

export const ProductQuantity = Type.Object(
  { productId: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const WindowResult = Type.Object(
  {
    windowStart: Type.String({ format: 'date-time' }),
    windowEnd: Type.String({ format: 'date-time' }),
    orderCount: Type.Integer({ minimum: 1 }),
    revenueCents: Cents,
    currency: CurrencyCode,
    averageOrderValueCents: Cents,
    topProducts: Type.Array(ProductQuantity, {
      maxItems: 5,
      description: 'By quantity, descending; ties broken by productId ascending',
    }),
  },
  { additionalProperties: false, $id: 'WindowResult', title: 'WindowResult' },
);
export type WindowResult = Static<typeof WindowResult>;
