import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbApi } from '../runtime/local/dynamodb';
import { consoleProgress } from '../runtime/local/progress';
import { createRunDir } from '../runtime/local/workspace';
import { ensureProductsTable } from '../runtime/shared/dynamo';

/*
 * `npm run bench:dynamodb`: the local DynamoDB API on its own, on a table of the products table's design,
 * with the products service's hot write: a reservation (a new item, conditionally) and a conditional
 * stock decrement in one TransactWriteItems, 20 in flight, while the table grows to 20,000 items. Shows
 * whether a transaction's cost depends on the table's size (it did before our minidyn patch; see
 * docs/adr/0002-minidyn.md).
 */

const IN_FLIGHT = 20;
const SIZES = [1_000, 5_000, 20_000];

const progress = consoleProgress();
const stateDir = await createRunDir('bench-dynamodb');
const api = await startDynamoDbApi({ logFile: join(stateDir, 'dynamodb-api.log'), progress });
try {
  const dynamo = new DynamoDBClient({ endpoint: api.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const TableName = 'bench';
  await ensureProductsTable(dynamo, TableName);
  await dynamo.send(new PutItemCommand({ TableName, Item: { id: { S: 'product' }, entity: { S: 'product' }, stock: { N: String(SIZES.at(-1)! * 2) } } }));
  const reserve = (reservation: number) =>
    dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: { id: { S: `reservation#${reservation}` }, entity: { S: 'reservation' } }, ConditionExpression: 'attribute_not_exists(id)' } },
          {
            Update: {
              TableName,
              Key: { id: { S: 'product' } },
              UpdateExpression: 'SET stock = stock - :one',
              ConditionExpression: 'stock >= :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      }),
    );

  let items = 1;
  const rows: string[] = [];
  for (const size of SIZES) {
    const from = items;
    const startedAt = performance.now();
    while (items < size) await Promise.all(Array.from({ length: IN_FLIGHT }, () => reserve(items++)));
    const seconds = (performance.now() - startedAt) / 1000;
    rows.push(`table from ${String(from).padStart(6)} to ${String(items).padStart(6)} items   ${((items - from) / seconds).toFixed(0).padStart(6)} transactions/s`);
  }
  process.stdout.write(`\nTransactWriteItems (new reservation + conditional decrement), ${IN_FLIGHT} in flight:\n${rows.join('\n')}\n`);
  dynamo.destroy();
} finally {
  await api.stop();
}
