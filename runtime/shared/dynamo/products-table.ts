import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { platformContract } from '../../../contracts/platform';

/**
 * Key design of the products table (the platform contract's), shared by the service, the catalog Lambda,
 * the local launcher and the CDK `ProductTable`.
 */
export const productsTableSchema = platformContract.productsTable;

/** Creates the table when it does not exist (local platform and tests; in AWS the CDK stack owns it). */
export async function ensureProductsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, entityIndex } = productsTableSchema;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: entityIndex.partitionKey, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: entityIndex.name,
            KeySchema: [
              { AttributeName: entityIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: entityIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  // Wait out CREATING only: the local DynamoDB API creates tables at once and reports no status at all.
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus !== 'CREATING') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`table ${tableName} was still being created after 10 s`);
}
