import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createShopApp } from '../../../stacks/aws/shop-app';
import { FIXTURE_SOURCES, manifestsOf, reviewableTemplate, statementsOfRole, SYNTH_TIMEOUT } from './support';

const outdir = () => mkdtempSync(path.join(tmpdir(), 'shop-aws-'));

describe('Shop stacks', () => {
  const templates: Record<string, Template> = {};
  let dockerImages: { source: { dockerFile: string; dockerBuildArgs: { SERVICE: string } } }[];

  beforeAll(() => {
    // GIVEN the real app, reading fixture entry points so that the runtime's own code cannot move these snapshots
    const { app, stacks } = createShopApp({ outdir: outdir(), sources: FIXTURE_SOURCES });
    // WHEN it synthesizes, with cdk-nag's AwsSolutions checks as a validation plugin (a finding would throw here)
    const assembly = app.synth();
    for (const stack of stacks) templates[stack.stackName] = Template.fromStack(stack);
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, 'Shop-dev.assets.json'), 'utf8'));
    dockerImages = Object.values(manifest.dockerImages);
  }, SYNTH_TIMEOUT);

  it.each(['Shop-dev', 'Shop-prod'])('%s matches its reviewed template (asset hashes normalised)', async (stackName) => {
    const template = templates[stackName] as Template;
    await expect(reviewableTemplate(template)).toMatchFileSnapshot(`./__snapshots__/${stackName}.template.json`);
  });

  it('builds five images, one per service, from the shared Dockerfile', () => {
    const services = dockerImages.map((image) => image.source.dockerBuildArgs.SERVICE);
    expect(services.sort()).toEqual(['gateway', 'notifications', 'orders', 'products', 'users']);
    expect(new Set(dockerImages.map((image) => image.source.dockerFile))).toEqual(new Set(['runtime/Dockerfile']));
  });

  it.each(['Shop-dev', 'Shop-prod'])('%s runs the five workloads with the seed scaling', (stackName) => {
    const template = templates[stackName] as Template;
    const kinds = (service: string) => manifestsOf(template, `${service}Workload`);
    const hpa = (service: string) => kinds(service).find((manifest) => manifest.kind === 'HorizontalPodAutoscaler')?.spec;
    const replicas = (service: string) => kinds(service).find((manifest) => manifest.kind === 'Deployment')?.spec.replicas;
    expect(hpa('gateway')).toMatchObject({ minReplicas: 2, maxReplicas: 10, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
    expect(hpa('orders')).toMatchObject({ minReplicas: 2, maxReplicas: 8, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
    expect([replicas('users'), replicas('products'), replicas('notifications')]).toEqual([2, 2, 1]);
    expect(hpa('users')).toBeUndefined();
  });

  it.each(['Shop-dev', 'Shop-prod'])('%s holds the VPC, EKS, Aurora with the Data API, DynamoDB, MSK with both topics and the S3-triggered function', (stackName) => {
    const template = templates[stackName] as Template;
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.hasResourceProperties('AWS::RDS::DBCluster', { EnableHttpEndpoint: true });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    template.resourceCountIs('AWS::MSK::Cluster', 1);
    template.hasResourceProperties('AWS::MSK::Topic', { TopicName: 'orders' });
    template.hasResourceProperties('AWS::MSK::Topic', { TopicName: 'analytics-results' });
    template.hasResourceProperties('Custom::S3BucketNotifications', Match.objectLike({}));
    template.resourceCountIs('Custom::SchemaMigration', 1);
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'ClusterName', 'CatalogBucket', 'ProductsTable', 'KafkaBootstrapBrokers', 'Topics']),
    );
  });

  it('sizes dev for cost and prod for availability', () => {
    const dev = templates['Shop-dev'] as Template;
    const prod = templates['Shop-prod'] as Template;
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 2);
    dev.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: Match.objectLike({ MinCapacity: 0 }), DeletionProtection: false });
    prod.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: true });
    dev.resourceCountIs('AWS::RDS::DBInstance', 1);
    prod.resourceCountIs('AWS::RDS::DBInstance', 2);
    prod.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] });
    dev.hasResourceProperties('AWS::MSK::Cluster', { BrokerNodeGroupInfo: Match.objectLike({ InstanceType: 'kafka.t3.small' }) });
  });

  describe('grants each service exactly what it touches', () => {
    const actionsOf = (service: string) =>
      statementsOfRole(templates['Shop-dev'] as Template, `${service}ServiceAccountRole`)
        .flatMap((statement) => [statement.Action].flat() as string[])
        .sort();
    const dataApi = expect.arrayContaining(['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue']);

    it('users: the Data API and the database secret only', () => {
      expect(actionsOf('users')).toEqual(dataApi);
      expect(actionsOf('users').every((action) => /^(rds-data|secretsmanager):/.test(action))).toBe(true);
    });

    it('products: the products table only', () => {
      expect(actionsOf('products').every((action) => action.startsWith('dynamodb:'))).toBe(true);
      expect(actionsOf('products')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']));
    });

    it('orders: the Data API and producing to orders', () => {
      const actions = actionsOf('orders');
      expect(actions).toEqual(dataApi);
      expect(actions).toEqual(expect.arrayContaining(['kafka-cluster:Connect', 'kafka-cluster:WriteData']));
      expect(actions).not.toContain('kafka-cluster:ReadData');
      expect(actions.some((action) => action.startsWith('dynamodb:') || action.startsWith('ses:'))).toBe(false);
    });

    it('notifications: the Data API, consuming orders as group notifications, and sending through SES', () => {
      const actions = actionsOf('notifications');
      expect(actions).toEqual(dataApi);
      expect(actions).toEqual(expect.arrayContaining(['kafka-cluster:ReadData', 'kafka-cluster:AlterGroup', 'ses:SendEmail']));
      expect(actions).not.toContain('kafka-cluster:WriteData');
      const statements = JSON.stringify(statementsOfRole(templates['Shop-dev'] as Template, 'notificationsServiceAccountRole'));
      expect(statements).toMatch(/group\/shop-dev-events\/.*\/notifications"/);
      expect(statements).toContain(':identity/example.com');
    });

    it('gateway: consuming analytics-results only', () => {
      const actions = actionsOf('gateway');
      expect(actions).toEqual(['kafka-cluster:AlterGroup', 'kafka-cluster:Connect', 'kafka-cluster:DescribeGroup', 'kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']);
      const statements = JSON.stringify(statementsOfRole(templates['Shop-dev'] as Template, 'gatewayServiceAccountRole'));
      expect(statements).toMatch(/EventStreamTopicanalyticsresults/);
      expect(statements).not.toMatch(/EventStreamTopicorders/);
    });
  });
});

describe('cdk-nag on the shop app', { timeout: SYNTH_TIMEOUT }, () => {
  it('fails the synth on a finding nobody acknowledged', () => {
    // GIVEN the app narrowed to dev, with one bucket that breaks AwsSolutions-S1 (no access logs) and nothing acknowledging it
    const { app, stacks } = createShopApp({ outdir: outdir(), sources: FIXTURE_SOURCES, context: { env: 'dev' } });
    expect(stacks.map((stack) => stack.stackName)).toEqual(['Shop-dev']);
    new s3.Bucket(stacks[0] as never, 'Unlogged', { enforceSSL: true });
    // WHEN / THEN
    expect(() => app.synth()).toThrow(/Shop-dev\/Unlogged\/Resource[\s\S]*AwsSolutions-S1/);
  });

  it('rejects an unknown environment', () => {
    expect(() => createShopApp({ outdir: outdir(), context: { env: 'staging' } })).toThrow(
      "Unknown environment 'staging' in context 'env'; expected one of dev, prod",
    );
  });
});
