/*
 * The products table's one data access, shared by the products service (its HTTP API) and the
 * catalog-ingest Lambda (bulk upserts by SKU). Both write the same items under the same rules (SKU
 * guards, conditional stock changes), so the rules live here once; see docs/architecture.md.
 */
export { createProductStore, type CatalogProduct, type ProductStore, type UpsertOutcome } from './product-store';
export { createStockReservations, type StockReservations } from './stock-reservations';
export { isProductId, productIdForSku, uuidV5 } from './product-ids';
export type { ProductsTableDeps } from './table-access';
