import { Template, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CatalogIngest, ProductTable } from '../../../infra/aws';
import { FIXTURE_SOURCES, logicalIdOf, newStack, statementsOfRole, SYNTH_TIMEOUT } from './support';

describe('CatalogIngest', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    const products = new ProductTable(stack, 'Products');
    new CatalogIngest(stack, 'Catalog', { table: products, handlerEntry: FIXTURE_SOURCES.catalogIngestEntry, reservedConcurrency: 3 });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('keeps catalogue files in a private, encrypted, versioned bucket with lifecycle rules and access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'catalog-bucket/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
      },
    });
  });

  it('denies every request that is not over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^CatalogBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('invokes the bundled Node.js handler for objects created under catalog/', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'catalog/' }] } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 3,
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CatalogDeadLetterQueue'), 'Arn'] } },
      Environment: { Variables: { PRODUCTS_TABLE: { Ref: Match.stringLikeRegexp('^ProductsTable') } } },
    });
  });

  it('grants only reading catalog/, writing reports/, the products table, its dead-letter queue and its own logs', () => {
    const arnOf = (type: string) => ({ 'Fn::GetAtt': [logicalIdOf(template, type), 'Arn'] });
    const bucketArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } }), 'Arn'] };
    const tableArn = arnOf('AWS::DynamoDB::GlobalTable');
    expect(statementsOfRole(template, 'CatalogHandlerRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CatalogHandlerLogs/), 'Arn'] },
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf('AWS::SQS::Queue') },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [bucketArn, '/catalog/*']] } },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [bucketArn, '/reports/*']] } },
      {
        Effect: 'Allow',
        // CDK's grantReadWriteData on the table (the import upserts through the products store).
        Action: [
          'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem',
          'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator',
          'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem',
        ],
        Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }],
      },
    ]);
  });

  it('validates its limits and its handler', () => {
    const stack = newStack();
    const table = new ProductTable(stack, 'Products');
    expect(() => new CatalogIngest(stack, 'A', { table, handlerEntry: FIXTURE_SOURCES.catalogIngestEntry, reservedConcurrency: 0 })).toThrow(
      'CatalogIngest A: reservedConcurrency must be a positive integer, got 0',
    );
    expect(() => new CatalogIngest(stack, 'B', { table, handlerEntry: '/nowhere/handler.ts' })).toThrow(
      'CatalogIngest B: catalog handler not found at /nowhere/handler.ts',
    );
  });
});
