import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureProductsTable } from '../shared/dynamo';
import { createMysqlSqlClient, runMigrations } from '../shared/sql';
import type { LocalBackendEnv } from './backends';

export interface ProvisionReport {
  readonly appliedMigrations: readonly number[];
  readonly productsTable: string;
}

/** What the cloud stacks create before the services start: the SQL schema and the products table. */
export async function provisionSchemas(env: LocalBackendEnv): Promise<ProvisionReport> {
  const sql = createMysqlSqlClient({ url: env.MYSQL_URL });
  const dynamo = new DynamoDBClient({
    region: env.AWS_REGION,
    endpoint: env.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  try {
    const [migrations] = await Promise.all([runMigrations(sql), ensureProductsTable(dynamo, env.PRODUCTS_TABLE)]);
    return { appliedMigrations: migrations.applied, productsTable: env.PRODUCTS_TABLE };
  } finally {
    dynamo.destroy();
    await sql.close();
  }
}
