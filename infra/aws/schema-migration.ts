import path from 'node:path';
import { CustomResource, Duration, FileSystem } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { BundledNodeFunction } from './bundled-node-function';
import { acknowledgeFindings, managedPolicyFinding, wildcardResourceFinding } from './nag-acknowledgements';
import type { OrdersDatabase } from './orders-database';
import { DEPLOY_TIME_HANDLER, LOG_GROUP_WITHOUT_CMK, OUTSIDE_VPC, acknowledgeCheckov } from './policy-acknowledgements';
import { RUNTIME_DIRECTORY, requireSourceFile } from './repository-layout';

export interface SchemaMigrationProps {
  /** The database the migrations are applied to, through its Data API. */
  readonly database: OrdersDatabase;
  /**
   * The custom resource handler's source file, exporting `onEvent`.
   * @default the repository's runtime/migrate/src/handler.ts
   */
  readonly handlerEntry?: string;
  /**
   * The folder of migration files; a change to any of them runs the migrations again at the next deploy.
   * @default the repository's runtime/shared/sql/migrations
   */
  readonly migrationsDirectory?: string;
  /**
   * How long the handler's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Applies the runtime's SQL migrations at deploy time through the Data API: a custom resource whose properties carry a
 * fingerprint of the migration files, so CloudFormation updates it (and the handler migrates) exactly when they
 * change. The migrations themselves are idempotent; deleting the resource leaves the schema alone.
 */
export class SchemaMigration extends Construct {
  /** The fingerprint of the migration files this deploy applies. */
  readonly migrationsFingerprint: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationProps) {
    super(scope, id);
    const construct = `SchemaMigration ${id}`;
    const migrationsDirectory = requireSourceFile(
      construct,
      'migrations folder',
      props.migrationsDirectory ?? path.join(RUNTIME_DIRECTORY, 'shared', 'sql', 'migrations'),
    );
    this.migrationsFingerprint = FileSystem.fingerprint(migrationsDirectory);

    const migrate = new BundledNodeFunction(this, 'Handler', {
      entry: props.handlerEntry ?? path.join(RUNTIME_DIRECTORY, 'migrate', 'src', 'handler.ts'),
      handler: 'onEvent',
      // A paused Aurora Serverless cluster takes a while to resume before the first statement runs.
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
    });
    props.database.grantDataApiAccess(migrate.function);

    // It reaches the database through the Data API, an AWS API like any other, so it needs no place in the VPC.
    acknowledgeCheckov(migrate.function, [...DEPLOY_TIME_HANDLER, OUTSIDE_VPC]);

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    acknowledgeCheckov(providerLogs, [LOG_GROUP_WITHOUT_CMK]);
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: migrate.function, logGroup: providerLogs });
    const providerFunction = provider.node.findChild('framework-onEvent');
    acknowledgeCheckov(providerFunction, [
      ...DEPLOY_TIME_HANDLER,
      OUTSIDE_VPC,
      { id: 'CKV_AWS_173', reason: "CDK's provider framework: its environment holds only the migration handler's ARN, no secret." },
    ]);
    acknowledgeFindings(
      provider,
      [
        managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
        wildcardResourceFinding(this, `${migrate.function.functionArn}:*`),
      ],
      "CDK's custom resource Provider framework: its role writes its own logs and invokes any version of the migration handler.",
    );

    const migration = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SchemaMigration',
      properties: {
        ClusterArn: props.database.clusterArn,
        SecretArn: props.database.secretArn,
        Database: props.database.databaseName,
        MigrationsFingerprint: this.migrationsFingerprint,
      },
    });
    // The Data API accepts statements only once the writer instance is up.
    migration.node.addDependency(props.database.cluster);
  }
}
