import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BundledNodeFunction } from './bundled-node-function';
import type { IProductTable } from './product-table';
import { acknowledgeFindings, acknowledgeOnStackSingleton, managedPolicyFinding, wildcardResourceFinding } from './nag-acknowledgements';
import { DEPLOY_TIME_HANDLER, OUTSIDE_VPC, acknowledgeCheckov, acknowledgeCheckovOnStackSingleton } from './policy-acknowledgements';
import { RUNTIME_DIRECTORY, requireSourceFile } from './repository-layout';

/** Where catalogue files are dropped, and where the import writes its reports. */
export const CATALOG_PREFIX = 'catalog/';
export const REPORTS_PREFIX = 'reports/';

export interface CatalogIngestProps {
  /** The table products are imported into. */
  readonly table: IProductTable;
  /**
   * The handler's source file, exporting `handler`.
   * @default the repository's runtime/catalog-ingest/src/handler.ts
   */
  readonly handlerEntry?: string;
  /**
   * Concurrent imports at most; keeps a burst of uploads from exhausting the table's or the account's capacity.
   * @default 2
   */
  readonly reservedConcurrency?: number;
  /**
   * Days a replaced or deleted catalogue file version is kept.
   * @default 30
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the buckets and log group when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The catalogue import: a private, versioned, TLS-only bucket whose new objects under `catalog/` invoke the
 * catalog-ingest handler, which upserts products in the table and writes a report under `reports/`. Failed invocations
 * (after Lambda's own retries) land in a dead-letter queue.
 */
export class CatalogIngest extends Construct {
  readonly bucket: s3.Bucket;
  readonly handler: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: CatalogIngestProps) {
    super(scope, id);
    const reservedConcurrency = props.reservedConcurrency ?? 2;
    if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1) {
      throw new Error(`CatalogIngest ${id}: reservedConcurrency must be a positive integer, got ${reservedConcurrency}`);
    }
    const noncurrentDays = props.noncurrentVersionRetentionDays ?? 30;
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) {
      throw new Error(`CatalogIngest ${id}: noncurrentVersionRetentionDays must be a positive integer, got ${noncurrentDays}`);
    }
    const entry = requireSourceFile(
      `CatalogIngest ${id}`,
      'catalog handler',
      props.handlerEntry ?? path.join(RUNTIME_DIRECTORY, 'catalog-ingest', 'src', 'handler.ts'),
    );
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log bucket; logging it into itself would loop.',
    });
    acknowledgeCheckov(accessLogs, [
      { id: 'CKV_AWS_18', reason: 'This is the access log bucket; logging it into itself would loop.' },
      { id: 'CKV_AWS_21', reason: 'Only S3 log delivery writes here, each log object once under a new key, and they expire after 90 days: no version to keep.' },
    ]);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'catalog-bucket/',
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(noncurrentDays) },
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { prefix: REPORTS_PREFIX, expiration: Duration.days(90) },
      ],
      removalPolicy,
    });

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the catalogue import.',
    });
    acknowledgeCheckov(deadLetterQueue, [
      { id: 'CKV_AWS_27', reason: 'Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled); the check recognises only a KMS key.' },
    ]);
    this.deadLetterQueue = deadLetterQueue;

    const ingest = new BundledNodeFunction(this, 'Handler', {
      entry,
      handler: 'handler',
      memorySize: 512,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: reservedConcurrency,
      deadLetterQueue,
      retryAttempts: 2,
      environment: { PRODUCTS_TABLE: props.table.tableName },
      logRetention: props.logRetention,
      logRemovalPolicy: removalPolicy,
    });
    const handler = ingest.function;
    this.handler = handler;
    acknowledgeCheckov(handler, [
      { ...OUTSIDE_VPC, reason: 'Reads the bucket and writes the table through the S3 and DynamoDB APIs with its own role; nothing it talks to lives in the VPC.' },
      { id: 'CKV_AWS_173', reason: 'Its environment holds only the table name, no secret; Lambda encrypts it at rest with its service key.' },
    ]);

    // Exactly the two object operations the import performs, each under its own prefix.
    const catalogObjects = this.bucket.arnForObjects(`${CATALOG_PREFIX}*`);
    const reportObjects = this.bucket.arnForObjects(`${REPORTS_PREFIX}*`);
    handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [catalogObjects] }));
    handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reportObjects] }));
    // The import upserts through the products service's store: consistent reads, SKU guards and transactions.
    props.table.grantReadWriteData(handler);
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(handler), {
      prefix: CATALOG_PREFIX,
    });

    acknowledgeFindings(
      ingest,
      [wildcardResourceFinding(this, catalogObjects), wildcardResourceFinding(this, reportObjects)],
      'Object keys are not known in advance; access is limited to one action under one prefix each.',
    );
    // S3 notifications are configured by a CDK singleton Lambda at the stack's root.
    acknowledgeOnStackSingleton(
      this,
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
      [managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'), 'AwsSolutions-IAM5[Resource::*]'],
      "CDK's bucket-notification handler: it writes its own logs and must call PutBucketNotification, which has no resource-level scoping in its CDK policy.",
    );
    acknowledgeCheckovOnStackSingleton(this, 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834', [...DEPLOY_TIME_HANDLER, OUTSIDE_VPC]);
  }

  /** Lets the grantee upload catalogue files (an operator role or a CI job). */
  grantUpload(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantPut(grantee, `${CATALOG_PREFIX}*`);
  }
}
