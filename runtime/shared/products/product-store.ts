import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Type } from '@sinclair/typebox';
import type { CreateProductBody, Product, UpdateProductBody } from '../api/products';
import { productsTableSchema } from '../dynamo';
import { ConflictError, DependencyUnavailableError, NotFoundError } from '../errors';
import { decodeCursor, encodeCursor } from '../http';
import { isProductId, newProductId, productIdForSku } from './product-ids';
import { backOff, getItem, getItems, inTable, isConditionFailure, updateExpression, transactWrite, type ProductsTableDeps } from './table-access';

/*
 * Products in the shared products table. Every product is one item `{ id, entity: "product", ... }`;
 * a product with a SKU also owns the guard item `{ id: "sku#<SKU>", productId }`, written in the same
 * transaction with `attribute_not_exists(id)`, which is what makes SKUs unique under concurrent writes.
 */

export const PRODUCT_ENTITY = 'product';
const SKU_GUARD_ENTITY = 'sku';
export const skuGuardKey = (sku: string) => `sku#${sku}`;

export type ProductItem = Product & { entity: typeof PRODUCT_ENTITY };
interface SkuGuardItem {
  id: string;
  entity: typeof SKU_GUARD_ENTITY;
  productId: string;
}

/** A catalog row: a product that always has a SKU, by which it is found again. */
export type CatalogProduct = CreateProductBody & { sku: string };
export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

const toProduct = ({ entity: _entity, ...product }: ProductItem): Product => product;
const isProduct = (item: { entity?: unknown } | undefined): item is ProductItem => item?.entity === PRODUCT_ENTITY;
const skuTaken = (sku: string) => new ConflictError('SKU_TAKEN', `sku ${sku} already belongs to another product; choose another sku`, { sku });

/** Attempts of a transaction that lost a race (concurrent change or conflict) before answering 503. */
const MAX_ATTEMPTS = 8;
const CursorPosition = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }, { additionalProperties: false });

/** Fields a catalog row or a PATCH may set; equal values mean a write would change nothing. */
const EDITABLE = ['name', 'description', 'priceCents', 'currency', 'stock'] as const;

export function createProductStore({ dynamo, tableName, now = () => new Date() }: ProductsTableDeps) {
  const TableName = tableName;

  async function read(id: string): Promise<ProductItem | undefined> {
    if (!isProductId(id)) return undefined;
    const item = await getItem<ProductItem>(dynamo, tableName, id);
    return isProduct(item) ? item : undefined;
  }

  /** The condition that the stored product still carries the SKU we read, so its guard is the one we move or delete. */
  const skuUnchanged = (current: ProductItem) =>
    current.sku === undefined
      ? { expression: 'attribute_not_exists(#sku)', values: {} }
      : { expression: '#sku = :currentSku', values: { ':currentSku': current.sku } };

  /** Puts a new product and, with a SKU, its guard; false when the id is taken; SKU_TAKEN when the SKU is. */
  async function insert(product: ProductItem): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await transactWrite(dynamo, {
        TransactItems: [
          { Put: { TableName, Item: product, ConditionExpression: 'attribute_not_exists(id)' } },
          ...(product.sku === undefined
            ? []
            : [{ Put: { TableName, Item: { id: skuGuardKey(product.sku), entity: SKU_GUARD_ENTITY, productId: product.id } satisfies SkuGuardItem, ConditionExpression: 'attribute_not_exists(id)' } }]),
        ],
      });
      if (outcome.committed) return true;
      if (outcome.reasons[1] === 'ConditionalCheckFailed') throw skuTaken(product.sku!);
      if (outcome.reasons[0] === 'ConditionalCheckFailed') return false;
      await backOff(attempt);
    }
    throw new DependencyUnavailableError('products table (contended)');
  }

  /**
   * Applies `changes`; moves the SKU guard when the SKU changes. Undefined when the product is gone or,
   * with `requiredSku`, no longer carries that SKU.
   */
  async function apply(id: string, changes: Partial<CreateProductBody>, requiredSku?: string): Promise<ProductItem | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await read(id);
      if (!current || (requiredSku !== undefined && current.sku !== requiredSku)) return undefined;
      const set = updateExpression({ ...changes, updatedAt: now().toISOString() });
      const names = { ...set.names, '#entity': 'entity' };
      if (changes.sku === undefined || changes.sku === current.sku) {
        try {
          const { Attributes } = await inTable(() =>
            dynamo.send(
              new UpdateCommand({
                TableName,
                Key: { id },
                UpdateExpression: set.expression,
                ConditionExpression: requiredSku === undefined ? '#entity = :product' : '#entity = :product AND #sku = :requiredSku',
                ExpressionAttributeNames: requiredSku === undefined ? names : { ...names, '#sku': 'sku' },
                ExpressionAttributeValues: { ...set.values, ':product': PRODUCT_ENTITY, ...(requiredSku === undefined ? {} : { ':requiredSku': requiredSku }) },
                ReturnValues: 'ALL_NEW',
              }),
            ),
          );
          return Attributes as ProductItem;
        } catch (error) {
          if (isConditionFailure(error)) return undefined;
          throw error;
        }
      }
      const guard = skuUnchanged(current);
      const outcome = await transactWrite(dynamo, {
        TransactItems: [
          {
            Put: {
              TableName,
              Item: { id: skuGuardKey(changes.sku), entity: SKU_GUARD_ENTITY, productId: id } satisfies SkuGuardItem,
              ConditionExpression: 'attribute_not_exists(id)',
            },
          },
          {
            Update: {
              TableName,
              Key: { id },
              UpdateExpression: set.expression,
              ConditionExpression: `#entity = :product AND ${guard.expression}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ...set.values, ...guard.values, ':product': PRODUCT_ENTITY },
            },
          },
          ...(current.sku === undefined
            ? []
            : [{ Delete: { TableName, Key: { id: skuGuardKey(current.sku) }, ConditionExpression: 'productId = :id', ExpressionAttributeValues: { ':id': id } } }]),
        ],
      });
      if (outcome.committed) return read(id);
      if (outcome.reasons[0] === 'ConditionalCheckFailed') throw skuTaken(changes.sku);
      // The product changed or vanished between our read and write: read again and decide afresh.
      await backOff(attempt);
    }
    throw new DependencyUnavailableError('products table (contended)');
  }

  return {
    async create(input: CreateProductBody): Promise<Product> {
      const at = now().toISOString();
      const product: ProductItem = { ...input, name: input.name.trim(), id: newProductId(), entity: PRODUCT_ENTITY, createdAt: at, updatedAt: at };
      // A random UUID colliding is not a case worth a branch: it would surface as a 503 on this one request.
      if (!(await insert(product))) throw new DependencyUnavailableError('products table (id collision)');
      return toProduct(product);
    },

    async get(id: string): Promise<Product> {
      const product = await read(id);
      if (!product) throw new NotFoundError('product', id);
      return toProduct(product);
    },

    async update(id: string, changes: UpdateProductBody): Promise<Product> {
      const product = await apply(id, changes.name === undefined ? changes : { ...changes, name: changes.name.trim() });
      if (!product) throw new NotFoundError('product', id);
      return toProduct(product);
    },

    /** Deletes the product and its SKU guard together. */
    async remove(id: string): Promise<void> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await read(id);
        if (!current) throw new NotFoundError('product', id);
        const guard = skuUnchanged(current);
        const outcome = await transactWrite(dynamo, {
          TransactItems: [
            {
              Delete: {
                TableName,
                Key: { id },
                ConditionExpression: `#entity = :product AND ${guard.expression}`,
                ExpressionAttributeNames: { '#entity': 'entity', '#sku': 'sku' },
                ExpressionAttributeValues: { ':product': PRODUCT_ENTITY, ...guard.values },
              },
            },
            ...(current.sku === undefined
              ? []
              : [{ Delete: { TableName, Key: { id: skuGuardKey(current.sku) }, ConditionExpression: 'productId = :id', ExpressionAttributeValues: { ':id': id } } }]),
          ],
        });
        if (outcome.committed) return;
        await backOff(attempt);
      }
      throw new DependencyUnavailableError('products table (contended)');
    },

    /** Products in id order through the `by-entity` index; the cursor is the last id of the previous page. */
    async list(limit: number, cursor?: string): Promise<{ items: Product[]; nextCursor: string | null }> {
      const after = cursor === undefined ? undefined : decodeCursor<{ id: string }>(cursor, CursorPosition).id;
      const { entityIndex } = productsTableSchema;
      const { Items = [] } = await inTable(() =>
        dynamo.send(
          new QueryCommand({
            TableName,
            IndexName: entityIndex.name,
            KeyConditionExpression: after === undefined ? '#entity = :product' : '#entity = :product AND #id > :after',
            ExpressionAttributeNames: { '#entity': entityIndex.partitionKey, ...(after === undefined ? {} : { '#id': entityIndex.sortKey }) },
            ExpressionAttributeValues: { ':product': PRODUCT_ENTITY, ...(after === undefined ? {} : { ':after': after }) },
            // One more than a page tells whether another page exists without an empty last request.
            Limit: limit + 1,
          }),
        ),
      );
      const items = (Items as ProductItem[]).slice(0, limit).map(toProduct);
      const last = items.at(-1);
      return { items, nextCursor: Items.length > limit && last ? encodeCursor({ id: last.id }) : null };
    },

    /**
     * Creates or updates the product of each row's SKU (the catalog import). Guards and products are
     * read in one batch; only rows that differ from what is stored are written, so importing the same
     * file again writes nothing. A new product gets the id derived from its SKU.
     */
    async upsertBySku(rows: readonly CatalogProduct[]): Promise<UpsertOutcome[]> {
      const guards = await getItems<SkuGuardItem>(dynamo, tableName, rows.map((row) => skuGuardKey(row.sku)));
      const stored = await getItems<ProductItem>(dynamo, tableName, [...guards.values()].map((guard) => guard.productId));
      return Promise.all(
        rows.map(async (row) => {
          const productId = guards.get(skuGuardKey(row.sku))?.productId;
          const existing = productId === undefined ? undefined : stored.get(productId);
          return upsertOne(row, existing);
        }),
      );
    },

    ping: () => inTable(() => dynamo.send(new DescribeTableCommand({ TableName }))),
  };

  async function upsertOne(row: CatalogProduct, known: ProductItem | undefined): Promise<UpsertOutcome> {
    let existing = known;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (existing) {
        if (EDITABLE.every((field) => existing![field] === row[field])) return 'unchanged';
        const changes = Object.fromEntries(EDITABLE.map((field) => [field, row[field]]));
        // Undefined when the product was deleted or given another SKU since it was read: look the SKU up again.
        if (await apply(existing.id, changes, row.sku)) return 'updated';
      } else {
        const at = now().toISOString();
        const id = attempt === 0 ? productIdForSku(row.sku) : newProductId();
        try {
          // The derived id is taken only when that product has since moved to another SKU; then a fresh id serves.
          if (await insert({ ...row, name: row.name.trim(), id, entity: PRODUCT_ENTITY, createdAt: at, updatedAt: at })) return 'created';
        } catch (error) {
          // Another writer created this SKU first: fall through and update theirs.
          if (!(error instanceof ConflictError)) throw error;
        }
      }
      const guard = await getItem<SkuGuardItem>(dynamo, tableName, skuGuardKey(row.sku));
      existing = guard ? await read(guard.productId) : undefined;
    }
    throw new DependencyUnavailableError('products table (contended)');
  }
}

export type ProductStore = ReturnType<typeof createProductStore>;
