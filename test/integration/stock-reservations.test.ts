import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../runtime/shared/dynamo';
import { createProductStore, createStockReservations } from '../../runtime/shared/products';
import { localBackends } from './backends';

/*
 * A reservation's first attempt writes with the price tags of its last read instead of reading its
 * products again. These prove that the shortcut saves the read and never reserves at a stale price.
 */

const { env } = localBackends();
const dynamo = createDynamoClient(env);
const commandsSent: string[] = [];
dynamo.middlewareStack.add(
  (next, context) => async (args) => {
    commandsSent.push(context.commandName ?? 'unknown');
    return next(args);
  },
  { step: 'initialize', name: 'countCommands' },
);
const table = { dynamo, tableName: env.PRODUCTS_TABLE };
const products = createProductStore(table);
const reservations = createStockReservations(table);
afterAll(() => dynamo.destroy());

const newProduct = (priceCents: number, stock: number) => products.create({ name: 'Kettle', priceCents, currency: 'EUR', stock });
const commandsOf = async (work: () => Promise<unknown>): Promise<string[]> => {
  commandsSent.length = 0;
  await work();
  return [...commandsSent];
};

describe('stock reservations from remembered price tags', () => {
  it('reserves products it has read before with one transaction and no read', async () => {
    const product = await newProduct(1000, 10);
    const first = await commandsOf(() => reservations.reserve({ reservationId: randomUUID(), items: [{ productId: product.id, quantity: 1 }] }));
    expect(first).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);

    const second = await commandsOf(() => reservations.reserve({ reservationId: randomUUID(), items: [{ productId: product.id, quantity: 2 }] }));
    expect(second).toEqual(['TransactWriteItemsCommand']);
    expect((await products.get(product.id)).stock).toBe(7);
  });

  it('reserves at the new price after the price changed behind its back', async () => {
    const product = await newProduct(1000, 10);
    const before = await reservations.reserve({ reservationId: randomUUID(), items: [{ productId: product.id, quantity: 1 }] });
    expect(before.items[0]!.unitPriceCents).toBe(1000);

    await products.update(product.id, { priceCents: 1500 });
    const after = await reservations.reserve({ reservationId: randomUUID(), items: [{ productId: product.id, quantity: 1 }] });
    expect(after.items).toEqual([{ productId: product.id, quantity: 1, unitPriceCents: 1500 }]);
    expect((await products.get(product.id)).stock).toBe(8);
  });

  it('answers the shortfall as read afresh when the remembered product ran out', async () => {
    const product = await newProduct(1000, 3);
    await reservations.reserve({ reservationId: randomUUID(), items: [{ productId: product.id, quantity: 2 }] });
    await expect(reservations.reserve({ reservationId: randomUUID(), items: [{ productId: product.id, quantity: 2 }] })).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      details: { products: [{ productId: product.id, requested: 2, available: 1 }] },
    });
    expect((await products.get(product.id)).stock).toBe(1);
  });
});
