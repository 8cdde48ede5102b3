import { Type } from '@sinclair/typebox';

/** ISO 4217 currency code. Money itself is always integer minor units (cents), never a float. */
export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });

/** A non-negative amount in minor units; capped so sums of many stay exact in a JS number and a Java long. */
export const Cents = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'Amount in minor units (cents)' });
