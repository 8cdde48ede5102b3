import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { reportKey } from '../../runtime/catalog-ingest/src/handler';
import { createProductStore, productIdForSku } from '../../runtime/shared/products';
import { createDynamoClient } from '../../runtime/shared/dynamo';
import { localBackends, receivedS3Notifications } from './backends';

const { env, catalogBucket } = localBackends();
const s3 = new S3Client({
  region: env.AWS_REGION,
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
});
const dynamo = createDynamoClient(env);
afterAll(() => {
  s3.destroy();
  dynamo.destroy();
});

/** Uploads under catalog/ and waits until the handler has processed this upload (the n-th of this key). */
async function upload(key: string, body: string, nth = 1): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: catalogBucket, Key: key, Body: body }));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mine = (await receivedS3Notifications()).filter((n) => decodeURIComponent(n.event.Records[0]!.s3.object.key) === key);
    if (mine.length >= nth) {
      expect(mine[nth - 1]!.outcome).toBe('ok');
      return;
    }
    if (Date.now() > deadline) throw new Error(`no import of ${key} within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function report(key: string): Promise<unknown> {
  const object = await s3.send(new GetObjectCommand({ Bucket: catalogBucket, Key: reportKey(key) }));
  return JSON.parse(await object.Body!.transformToString());
}

async function productOfSku(sku: string): Promise<Record<string, unknown> | undefined> {
  const guard = await dynamo.send(new GetCommand({ TableName: env.PRODUCTS_TABLE, Key: { id: `sku#${sku}` }, ConsistentRead: true }));
  if (!guard.Item) return undefined;
  const product = await dynamo.send(new GetCommand({ TableName: env.PRODUCTS_TABLE, Key: { id: guard.Item.productId }, ConsistentRead: true }));
  return product.Item;
}

describe('catalog-ingest on S3 and the DynamoDB API server', () => {
  const run = randomUUID().slice(0, 8);
  const sku = (n: number) => `CAT-${run}-${n}`;

  it('imports the good rows of a CSV file, reports the bad ones, and changes nothing on re-upload', async () => {
    const key = `catalog/${run}/spring.csv`;
    const csv = [
      'sku,name,description,priceCents,currency,stock',
      `${sku(1)},Teapot,"Porcelain, 1 l",1250,EUR,10`,
      `${sku(2)},Cup,,300,EUR,40`,
      `${sku(3)},Saucer,,-5,EUR,40`,
      `${sku(4)},Spoon,,1.5,EUR,40`,
      `${sku(5)},,,100,EUR,1`,
      `${sku(6)},Tray,,100,euro,1`,
      `${sku(1)},Teapot again,,1250,EUR,10`,
      `bad sku!,Bowl,,100,EUR,1`,
      `${sku(7)},Jug,,100,EUR`,
    ].join('\n');
    await upload(key, csv);

    expect(await report(key)).toEqual({
      source: `s3://${catalogBucket}/${key}`,
      rowsAccepted: 2,
      rowsRejected: [
        { line: 4, reason: expect.stringMatching(/^priceCents: /) },
        { line: 5, reason: expect.stringMatching(/^priceCents: /) },
        { line: 6, reason: expect.stringMatching(/^name: /) },
        { line: 7, reason: expect.stringMatching(/^currency: /) },
        { line: 8, reason: `sku ${sku(1)} already appears on line 2; list each product once per file` },
        { line: 9, reason: expect.stringMatching(/^sku: /) },
        { line: 10, reason: expect.stringMatching(/^stock: /) },
      ],
    });
    const teapot = await productOfSku(sku(1));
    expect(teapot).toMatchObject({ id: productIdForSku(sku(1)), name: 'Teapot', description: 'Porcelain, 1 l', priceCents: 1250, currency: 'EUR', stock: 10, sku: sku(1) });
    const cup = await productOfSku(sku(2));
    expect(cup).toMatchObject({ name: 'Cup', priceCents: 300, stock: 40 });
    expect(cup).not.toHaveProperty('description');
    for (const n of [3, 4, 5, 6, 7]) expect(await productOfSku(sku(n))).toBeUndefined();

    await upload(key, csv, 2);
    expect(await productOfSku(sku(1))).toEqual(teapot);
    expect(await productOfSku(sku(2))).toEqual(cup);
    expect((await report(key)) as { rowsAccepted: number }).toMatchObject({ rowsAccepted: 2 });
  });

  it('updates the product that already has the SKU (also one created through the API) from a JSON-lines file', async () => {
    const store = createProductStore({ dynamo, tableName: env.PRODUCTS_TABLE });
    const created = await store.create({ name: 'Old name', description: 'Old description', priceCents: 100, currency: 'EUR', stock: 1, sku: sku(20) });

    const key = `catalog/${run}/summer.jsonl`;
    const jsonl = [
        JSON.stringify({ sku: sku(20), name: 'New name', priceCents: 150, currency: 'EUR', stock: 7 }),
        '',
        '{"sku": broken',
        JSON.stringify({ sku: sku(21), name: 'Fresh', priceCents: '150', currency: 'EUR', stock: 7 }),
        JSON.stringify({ sku: sku(22), name: 'Fresh', priceCents: 150, currency: 'EUR', stock: 7, colour: 'red' }),
      ].join('\n');
    await upload(key, jsonl);
    expect(await report(key)).toEqual({
      source: `s3://${catalogBucket}/${key}`,
      rowsAccepted: 1,
      rowsRejected: [
        { line: 3, reason: 'not valid JSON' },
        { line: 4, reason: expect.stringMatching(/^priceCents: /) },
        { line: 5, reason: expect.stringMatching(/^colour: /) },
      ],
    });
    const updated = await productOfSku(sku(20));
    expect(updated).toMatchObject({ id: created.id, name: 'New name', priceCents: 150, stock: 7, createdAt: created.createdAt });
    // The row has no description, so the product has none now; and importing it again writes nothing.
    expect(updated).not.toHaveProperty('description');
    await upload(key, jsonl, 2);
    expect(await productOfSku(sku(20))).toEqual(updated);
  });

  it('reports an unsupported file type instead of importing it', async () => {
    const key = `catalog/${run}/prices.xlsx`;
    await upload(key, 'not a catalog');
    expect(await report(key)).toEqual({
      source: `s3://${catalogBucket}/${key}`,
      rowsAccepted: 0,
      rowsRejected: [{ line: 0, reason: 'unsupported file type ".xlsx"; upload .csv or .jsonl' }],
    });
  });
});
