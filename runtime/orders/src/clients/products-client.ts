import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ConflictError, DependencyUnavailableError, DomainError } from '../../../shared/errors';
import { Cents, CurrencyCode } from '../../../shared/events/money';
import type { ServiceClient } from '../../../shared/http/service-client';

const Reservation = Type.Object({
  reservationId: Type.String(),
  items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer(), unitPriceCents: Cents })),
  currency: CurrencyCode,
});
export type Reservation = Static<typeof Reservation>;
const isReservation = TypeCompiler.Compile(Reservation);

const ErrorAnswer = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }) });
const isErrorAnswer = TypeCompiler.Compile(ErrorAnswer);

export interface StockRequest {
  readonly productId: string;
  readonly quantity: number;
}

const unexpected = (status: number, what: string) =>
  new DependencyUnavailableError('products', new Error(`unexpected answer ${status} to ${what}`));

/**
 * Typed client of the products service's stock reservations. Reserving is idempotent per
 * reservation id (the service returns the existing reservation), which makes retries safe.
 */
export function createProductsClient(http: ServiceClient) {
  return {
    async reserveStock(reservationId: string, items: readonly StockRequest[], requestId?: string): Promise<Reservation> {
      const response = await http.request({ method: 'POST', path: '/products/reservations', body: { reservationId, items }, ...(requestId ? { requestId } : {}) });
      if (response.status === 201 || response.status === 200) {
        if (isReservation.Check(response.body)) return response.body;
        throw unexpected(response.status, 'POST /products/reservations (malformed reservation)');
      }
      const error = isErrorAnswer.Check(response.body) ? response.body.error : undefined;
      if (response.status === 404) {
        throw new DomainError(404, 'PRODUCT_NOT_FOUND', error?.message ?? 'a product in this order does not exist', error?.details);
      }
      if (response.status === 409) {
        throw new ConflictError('INSUFFICIENT_STOCK', error?.message ?? 'not enough stock for this order', error?.details);
      }
      if (response.status === 400 && error?.code === 'MIXED_CURRENCIES') {
        throw new DomainError(400, 'MIXED_CURRENCIES', `${error.message}; place one order per currency`, error.details);
      }
      throw unexpected(response.status, 'POST /products/reservations');
    },

    /** Gives reserved stock back. Releasing an unknown or already released reservation is not an error. */
    async releaseStock(reservationId: string, requestId?: string): Promise<void> {
      const response = await http.request({
        method: 'DELETE',
        path: `/products/reservations/${encodeURIComponent(reservationId)}`,
        ...(requestId ? { requestId } : {}),
      });
      if (response.status !== 204 && response.status !== 404) throw unexpected(response.status, `DELETE /products/reservations/${reservationId}`);
    },
  };
}
export type ProductsClient = ReturnType<typeof createProductsClient>;
