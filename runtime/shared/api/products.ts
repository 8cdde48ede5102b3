import { Type, type Static } from '@sinclair/typebox';
import { CurrencyCode } from '../events/money';
import { IdParams, Page, PageQuery, errorResponses } from '../http';

/*
 * Public API of the products service: the one source for its routes (runtime/products), for the
 * catalog import's row rules (runtime/catalog-ingest) and for the gateway's OpenAPI document.
 */

/**
 * Capped so that any order the platform accepts (at most 99 products x 1000 units) totals under the
 * event contract's cents cap of 10^12.
 */
export const PriceCents = Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Unit price in minor units (cents)' });
export const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Units on hand' });
export const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Stock keeping unit, unique among products; case-sensitive' });
export const ProductName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
export const ProductDescription = Type.String({ maxLength: 2000 });

export const Product = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    priceCents: Type.Integer(),
    currency: Type.String(),
    stock: Type.Integer(),
    sku: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Product', title: 'Product' },
);
export type Product = Static<typeof Product>;

const productFields = {
  name: ProductName,
  description: Type.Optional(ProductDescription),
  priceCents: PriceCents,
  currency: CurrencyCode,
  stock: Stock,
  sku: Type.Optional(Sku),
};

export const CreateProductBody = Type.Object(productFields, { additionalProperties: false });
export type CreateProductBody = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Partial(Type.Object(productFields), {
  additionalProperties: false,
  minProperties: 1,
  description: 'Only the fields to change; at least one. A new sku moves its uniqueness to the new value.',
});
export type UpdateProductBody = Static<typeof UpdateProductBody>;

/** An id that is not a product's UUID names no product, so it is a 404 like any unknown id. */
export const ProductIdParams = IdParams('Product id (UUID)');

export const ProductPage = Page(Product);

/** The caller's id for a reservation; the orders service uses its order id, so a retry finds the same one. */
export const ReservationId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

export const ReservationRequest = Type.Object(
  {
    reservationId: ReservationId,
    items: Type.Array(
      Type.Object(
        { productId: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      // One DynamoDB transaction holds at most 100 writes: one per product plus the reservation record.
      { minItems: 1, maxItems: 99, description: 'Lines naming the same product are merged' },
    ),
  },
  { additionalProperties: false },
);
export type ReservationRequest = Static<typeof ReservationRequest>;

export const Reservation = Type.Object(
  {
    reservationId: Type.String(),
    items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer(), unitPriceCents: Type.Integer() })),
    currency: Type.String(),
  },
  { $id: 'Reservation', title: 'Reservation' },
);
export type Reservation = Static<typeof Reservation>;

export const ReservationIdParams = IdParams('The reservationId the reservation was made under');

const tags = ['products'];

/**
 * Route schemas by operation, for `app.route({ schema })` in the service and for the gateway's document.
 * Each lists the error statuses of its domain; createServiceApp adds those of its input (400, 413, 415).
 */
export const productsApi = {
  create: {
    tags,
    summary: 'Add a product (administrators)',
    body: CreateProductBody,
    response: { 201: Product, ...errorResponses(409, 503) },
  },
  get: {
    tags,
    summary: 'Read a product',
    params: ProductIdParams,
    response: { 200: Product, ...errorResponses(404, 503) },
  },
  update: {
    tags,
    summary: 'Change fields of a product (administrators)',
    params: ProductIdParams,
    body: UpdateProductBody,
    response: { 200: Product, ...errorResponses(404, 409, 503) },
  },
  delete: {
    tags,
    summary: 'Delete a product (administrators)',
    params: ProductIdParams,
    response: { 204: Type.Null(), ...errorResponses(404, 503) },
  },
  list: {
    tags,
    summary: 'List products in id order, one page at a time',
    querystring: PageQuery,
    response: { 200: ProductPage, ...errorResponses(503) },
  },
  reserve: {
    tags,
    summary: 'Reserve stock for all items or none (internal: called by the orders service)',
    description:
      'Idempotent per reservationId: a retry answers the same reservation and reserves nothing more. ' +
      '400 MIXED_CURRENCIES, 404 PRODUCT_NOT_FOUND, 409 INSUFFICIENT_STOCK (details.products), 409 RESERVATION_ID_REUSED, 409 RESERVATION_RELEASED.',
    body: ReservationRequest,
    response: { 201: Reservation, ...errorResponses(400, 404, 409, 503) },
  },
  release: {
    tags,
    summary: 'Put the stock of a reservation back, exactly once (internal: called by the orders service)',
    params: ReservationIdParams,
    response: { 204: Type.Null(), ...errorResponses(404, 503) },
  },
} as const;
