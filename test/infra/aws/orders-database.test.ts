import { Duration } from 'aws-cdk-lib';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersDatabase, SchemaMigration } from '../../../infra/aws';
import { FIXTURE_SOURCES, logicalIdOf, newStack, newVpc, statementsOfRole, SYNTH_TIMEOUT } from './support';

describe('OrdersDatabase', () => {
  let template: Template;
  let database: OrdersDatabase;

  beforeAll(() => {
    const stack = newStack();
    database = new OrdersDatabase(stack, 'Orders', { vpc: newVpc(stack), autoPauseAfter: Duration.minutes(15) });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    database.grantDataApiAccess(reader);
    new SchemaMigration(stack, 'Schema', {
      database,
      handlerEntry: FIXTURE_SOURCES.migrationHandlerEntry,
      migrationsDirectory: FIXTURE_SOURCES.migrationsDirectory,
    });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('is encrypted Aurora MySQL 3.10 Serverless v2 with the Data API, scaling to zero and pausing by default', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.10.0',
      EnableHttpEndpoint: true,
      StorageEncrypted: true,
      DeletionProtection: false,
      BackupRetentionPeriod: 7,
      DatabaseName: 'shop',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 900 },
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"shop_admin"}' }),
    });
  });

  it('publishes Enhanced Monitoring every 60 s from each instance through a role only RDS monitoring can assume', () => {
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'monitoring.rds.amazonaws.com' } })],
      }),
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60, MonitoringRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole']] }],
    });
  });

  it('sits in the isolated subnets', () => {
    const [subnetGroup] = Object.values(template.findResources('AWS::RDS::DBSubnetGroup'));
    expect(subnetGroup?.Properties.SubnetIds).toEqual([
      { Ref: expect.stringMatching(/^NetworkVpcisolatedSubnet1Subnet/) },
      { Ref: expect.stringMatching(/^NetworkVpcisolatedSubnet2Subnet/) },
    ]);
  });

  /** Data API statements on this one cluster, and reading (not changing) its secret. */
  const dataApiStatements = () => [
    {
      Effect: 'Allow',
      Action: ['rds-data:BatchExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:ExecuteStatement', 'rds-data:RollbackTransaction'],
      Resource: {
        'Fn::Join': ['', ['arn:aws:rds:us-east-1:', { Ref: 'AWS::AccountId' }, ':cluster:', { Ref: logicalIdOf(template, 'AWS::RDS::DBCluster') }]],
      },
    },
    {
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: { Ref: logicalIdOf(template, 'AWS::SecretsManager::SecretTargetAttachment') },
    },
  ];

  it('grants Data API statements on this cluster and reading its secret', () => {
    expect(statementsOfRole(template, 'Reader')).toEqual(dataApiStatements());
  });

  it('runs the migrations as a custom resource that changes with the migration files', () => {
    template.hasResourceProperties('Custom::SchemaMigration', {
      Database: 'shop',
      MigrationsFingerprint: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
      SecretArn: { Ref: Match.stringLikeRegexp('^OrdersClusterSecretAttachment') },
    });
    const migrations = template.findResources('Custom::SchemaMigration');
    expect(Object.values(migrations)[0]?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^OrdersCluster/)]));
    // The migration handler's role may use the Data API, and nothing beyond its own logs.
    expect(statementsOfRole(template, 'SchemaHandlerRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SchemaHandlerLogs/), 'Arn'] },
      },
      ...dataApiStatements(),
    ]);
  });

  it('adds a reader in the second AZ and deletion protection for production', () => {
    const stack = newStack();
    const vpc = newVpc(stack);
    new OrdersDatabase(stack, 'Orders', { vpc, minCapacity: 0.5, maxCapacity: 16, readerInSecondAz: true, deletionProtection: true });
    const prod = Template.fromStack(stack);
    prod.resourceCountIs('AWS::RDS::DBInstance', 2);
    prod.hasResourceProperties('AWS::RDS::DBCluster', {
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
    prod.hasResourceProperties('AWS::RDS::DBInstance', { AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] } });
  });

  it('validates capacity, backups and the database name', () => {
    const stack = newStack();
    const vpc = newVpc(stack);
    expect(() => new OrdersDatabase(stack, 'A', { vpc, minCapacity: 8, maxCapacity: 4 })).toThrow(
      'OrdersDatabase A: capacity must satisfy 0 <= minCapacity <= maxCapacity <= 256 with maxCapacity >= 1, got 8-4',
    );
    expect(() => new OrdersDatabase(stack, 'B', { vpc, backupRetentionDays: 0 })).toThrow('OrdersDatabase B: backupRetentionDays must be 1-35, got 0');
    expect(() => new OrdersDatabase(stack, 'D', { vpc, monitoringInterval: Duration.seconds(45) })).toThrow(
      'OrdersDatabase D: monitoringInterval must be one of 1, 5, 10, 15, 30, 60 seconds, got 45',
    );
    expect(() => new OrdersDatabase(stack, 'C', { vpc, databaseName: 'shop-db' })).toThrow(
      "OrdersDatabase C: databaseName must be a MySQL identifier, got 'shop-db'",
    );
  });

  it('refuses a missing migrations folder', () => {
    expect(() => new SchemaMigration(database, 'Missing', { database, migrationsDirectory: '/nowhere/migrations' })).toThrow(
      'SchemaMigration Missing: migrations folder not found at /nowhere/migrations',
    );
  });
});
