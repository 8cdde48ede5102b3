import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { productsTableSchema } from '../../runtime/shared/dynamo';
import { migrations } from '../../runtime/shared/sql/migrations';
import { localBackends, receivedS3Notifications, restartKafka, stopKafka } from './backends';

const { env, catalogBucket } = localBackends();
const awsClientConfig = {
  region: env.AWS_REGION,
  credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
};
const kafkaClient = (retries = 5) =>
  new Kafka({ clientId: 'local-backends-test', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, retry: { retries } });

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing arrived within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('MariaDB', () => {
  it('stores and reads back a row, in the migrated shop database', async () => {
    const connection = await mysql.createConnection(env.MYSQL_URL);
    try {
      const [[database]] = await connection.query<mysql.RowDataPacket[]>('SELECT DATABASE() AS name, VERSION() AS version');
      expect(database).toMatchObject({ name: 'shop', version: expect.stringContaining('MariaDB') });
      const [applied] = await connection.query<mysql.RowDataPacket[]>('SELECT version FROM schema_migrations ORDER BY version');
      expect(applied.map((row) => row.version)).toEqual(migrations.map((migration) => migration.version));

      await connection.query('CREATE TEMPORARY TABLE round_trip (id INT PRIMARY KEY, note VARCHAR(50))');
      await connection.query('INSERT INTO round_trip VALUES (?, ?)', [1, 'héllo wörld']);
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT note FROM round_trip WHERE id = 1');
      expect(rows).toEqual([{ note: 'héllo wörld' }]);
    } finally {
      await connection.end();
    }
  });
});

describe('Kafka', () => {
  const DECLARED_TOPICS = { orders: 3, 'analytics-results': 1, 'orders.dlq': 1 };
  /** Every topic but Kafka's own (`__consumer_offsets`, `__transaction_state`), with its partition count. */
  async function topicsWithPartitions(admin: Admin): Promise<Record<string, number>> {
    const names = (await admin.listTopics()).filter((name) => !name.startsWith('__'));
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    return Object.fromEntries(topics.map((topic) => [topic.name, topic.partitions.length]));
  }

  it('has exactly the declared topics with their partition counts, and creates none on request', async () => {
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      await expect(admin.fetchTopicMetadata({ topics: ['not-declared'] })).rejects.toThrow();
      expect(await topicsWithPartitions(admin)).toEqual(DECLARED_TOPICS);
    } finally {
      await admin.disconnect();
    }
  });

  it('delivers a message produced on orders to a consumer', async () => {
    const kafka = kafkaClient();
    const orderId = randomUUID();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ key: orderId, value: JSON.stringify({ orderId }) }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `local-backends-test-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      const received = new Promise<string>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() === orderId) resolve(message.value?.toString() ?? '');
          },
        });
      });
      expect(JSON.parse(await received)).toEqual({ orderId });
    } finally {
      await consumer.disconnect();
    }
  });

  it('can be stopped and restarted on the same address, keeping its topics', async () => {
    await stopKafka();
    try {
      await expect(kafkaClient(0).producer().connect()).rejects.toThrow();
    } finally {
      await restartKafka();
    }
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      expect(await topicsWithPartitions(admin)).toEqual(DECLARED_TOPICS);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('DynamoDB API (minidyn)', () => {
  const dynamo = new DynamoDBClient({ ...awsClientConfig, endpoint: env.DYNAMODB_ENDPOINT });
  const tableName = `stock-test-${randomUUID()}`;
  const stockOf = async (id: string) => {
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }));
    return Number(Item?.stock?.N);
  };
  const reserve = (id: string, quantity: number): TransactWriteItem => ({
    Update: {
      TableName: tableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET stock = stock - :quantity',
      ConditionExpression: 'stock >= :quantity',
      ExpressionAttributeValues: { ':quantity': { N: String(quantity) } },
    },
  });

  it('applies TransactWriteItems all or nothing', async () => {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'plenty' }, stock: { N: '5' } } }));
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'scarce' }, stock: { N: '1' } } }));

    const failing = dynamo.send(new TransactWriteItemsCommand({ TransactItems: [reserve('plenty', 2), reserve('scarce', 2)] }));
    const cancelled = await failing.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect((cancelled as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect({ plenty: await stockOf('plenty'), scarce: await stockOf('scarce') }).toEqual({ plenty: 5, scarce: 1 });

    await dynamo.send(new TransactWriteItemsCommand({ TransactItems: [reserve('plenty', 2), reserve('scarce', 1)] }));
    expect({ plenty: await stockOf('plenty'), scarce: await stockOf('scarce') }).toEqual({ plenty: 3, scarce: 0 });
  });

  it('applies concurrent conditional writes atomically: 20 decrements of a stock of 5, exactly 5 succeed', async () => {
    const id = `contended-${randomUUID()}`;
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: id }, stock: { N: '5' } } }));
    const attempts = await Promise.allSettled(Array.from({ length: 20 }, () => dynamo.send(new TransactWriteItemsCommand({ TransactItems: [reserve(id, 1)] }))));
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(5);
    expect(await stockOf(id)).toBe(0);
  });

  it('removes attributes with REMOVE, also next to a SET', async () => {
    const id = `removable-${randomUUID()}`;
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: id }, stock: { N: '1' }, note: { S: 'old' }, tag: { S: 'x' } } }));
    await dynamo.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { id: { S: id } },
        UpdateExpression: 'SET stock = :stock REMOVE note, #tag',
        ExpressionAttributeNames: { '#tag': 'tag' },
        ExpressionAttributeValues: { ':stock': { N: '2' } },
      }),
    );
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } } }));
    expect(Item).toEqual({ id: { S: id }, stock: { N: '2' } });
  });

  it('rolls back an item a cancelled transaction created, in the table and in its index', async () => {
    const indexed = `indexed-${randomUUID()}`;
    await dynamo.send(
      new CreateTableCommand({
        TableName: indexed,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'kind', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'by-kind', KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName: indexed, Item: { id: { S: 'product' }, kind: { S: 'product' }, stock: { N: '1' } } }));
    const reservation = { Put: { TableName: indexed, Item: { id: { S: 'reservation' }, kind: { S: 'reservation' } }, ConditionExpression: 'attribute_not_exists(id)' } };
    const decrement = (quantity: number): TransactWriteItem => ({
      Update: { TableName: indexed, Key: { id: { S: 'product' } }, UpdateExpression: 'SET stock = stock - :q', ConditionExpression: 'stock >= :q', ExpressionAttributeValues: { ':q': { N: String(quantity) } } },
    });
    const reservations = async () =>
      (await dynamo.send(new QueryCommand({ TableName: indexed, IndexName: 'by-kind', KeyConditionExpression: 'kind = :kind', ExpressionAttributeValues: { ':kind': { S: 'reservation' } } }))).Items ?? [];

    await expect(dynamo.send(new TransactWriteItemsCommand({ TransactItems: [reservation, decrement(2)] }))).rejects.toBeInstanceOf(TransactionCanceledException);
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: indexed, Key: { id: { S: 'reservation' } } }));
    expect(Item).toBeUndefined();
    expect(await reservations()).toEqual([]);

    await dynamo.send(new TransactWriteItemsCommand({ TransactItems: [reservation, decrement(1)] }));
    expect(await reservations()).toHaveLength(1);
  });

  it('has the products table the launcher provisions, with the key design of the platform contract', async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: env.PRODUCTS_TABLE }));
    const { partitionKey, entityIndex } = productsTableSchema;
    expect(Table?.KeySchema).toEqual([{ AttributeName: partitionKey, KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => ({ name: index.IndexName, keys: index.KeySchema }))).toEqual([
      {
        name: entityIndex.name,
        keys: [
          { AttributeName: entityIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: entityIndex.sortKey, KeyType: 'RANGE' },
        ],
      },
    ]);
  });
});

describe('S3', () => {
  it('notifies the object-created handler of objects under catalog/ only', async () => {
    const s3 = new S3Client({ ...awsClientConfig, endpoint: env.S3_ENDPOINT, forcePathStyle: true });
    const run = randomUUID();
    const reportKey = `reports/${run}.json`;
    const catalogKey = `catalog/${run} products.csv`;
    await s3.send(new PutObjectCommand({ Bucket: catalogBucket, Key: reportKey, Body: '{}' }));
    await s3.send(new PutObjectCommand({ Bucket: catalogBucket, Key: catalogKey, Body: 'sku,name\n' }));

    const notification = await eventually(async () =>
      (await receivedS3Notifications()).find((received) => received.event.Records.some((record) => record.s3.object.key.includes(run))),
    );
    const [record] = notification.event.Records;
    expect(record).toMatchObject({
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: catalogBucket }, object: { key: `catalog/${run}+products.csv` } },
    });
    const notifiedKeys = (await receivedS3Notifications()).flatMap((received) => received.event.Records.map((r) => r.s3.object.key));
    expect(notifiedKeys.filter((key) => key.includes(run))).toEqual([`catalog/${run}+products.csv`]);
  });
});
