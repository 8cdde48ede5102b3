import { Type, type Static } from '@sinclair/typebox';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { instrumentDynamo, type DynamoMetrics } from './dynamo-telemetry';

export const dynamoConfig = {
  PRODUCTS_TABLE: Type.String({ minLength: 3, default: 'products' }),
  DYNAMODB_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: 'local DynamoDB API server; unset in AWS' })),
  AWS_REGION: Type.String({ default: 'us-east-1' }),
};
const DynamoEnv = Type.Object(dynamoConfig);
export type DynamoEnv = Static<typeof DynamoEnv>;

/**
 * A document client (plain JS values in and out). With an endpoint override it talks to the local
 * DynamoDB API server. Credentials come from the environment either way: the pod's role in AWS, the
 * key pair the local launcher sets (which the local server accepts like any other). Every call is a
 * span; with `metrics` (createDynamoMetrics) also a latency observation for /metrics.
 */
export function createDynamoClient(env: DynamoEnv, metrics?: DynamoMetrics): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: env.AWS_REGION,
    ...(env.DYNAMODB_ENDPOINT === undefined ? {} : { endpoint: env.DYNAMODB_ENDPOINT }),
    maxAttempts: 3,
  });
  instrumentDynamo(client, metrics);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
