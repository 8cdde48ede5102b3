import { createHash, randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Products are addressed by lower-case UUIDs; anything else names no product (and never a guard or reservation item). */
export const isProductId = (id: string) => UUID.test(id);

export const newProductId = (): string => randomUUID();

// Namespace of the name-based ids below; fixed forever, or re-imports would mint new ids for old SKUs.
const SKU_NAMESPACE = 'a4c1f0d2-5b7e-4c39-9e26-1d8f3b6a0c57';

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id a catalog import gives a new product: the same SKU always yields the same id, so re-imports create no duplicates. */
export const productIdForSku = (sku: string) => uuidV5(sku, SKU_NAMESPACE);
