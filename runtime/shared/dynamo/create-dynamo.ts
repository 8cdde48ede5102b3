import { Type, type Static } from '@sinclair/typebox';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const dynamoConfig = {
  PRODUCTS_TABLE: Type.String({ minLength: 3, default: 'products' }),
  DYNAMODB_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://', description: 'local DynamoDB API server; unset in AWS' })),
  AWS_REGION: Type.String({ default: 'us-east-1' }),
};
const DynamoEnv = Type.Object(dynamoConfig);
export type DynamoEnv = Static<typeof DynamoEnv>;

/**
 * A document client (plain JS values in and out). With an endpoint override it talks to the local
 * DynamoDB API server, which accepts any credentials, so none are needed on a developer machine.
 */
export function createDynamoClient(env: DynamoEnv): DynamoDBDocumentClient {
  const local = env.DYNAMODB_ENDPOINT !== undefined;
  const client = new DynamoDBClient({
    region: env.AWS_REGION,
    ...(local ? { endpoint: env.DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 3,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
