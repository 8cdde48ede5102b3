import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Validations } from 'aws-cdk-lib';
import YAML from 'yaml';
import { ENVIRONMENTS, prod } from '../../../stacks/aws/config';
import { createShopApp } from '../../../stacks/aws/shop-app';
import { ShopStack } from '../../../stacks/aws/shop-stack';
import {
  FIXTURE_SOURCES,
  logicalIdOf,
  manifestsOf,
  mskGroupArn,
  networkPolicyAllows,
  reviewableTemplate,
  statementsOfRole,
  SYNTH_TIMEOUT,
  type PolicyPeer,
} from './support';

const outdir = () => mkdtempSync(path.join(tmpdir(), 'shop-aws-'));
/** The VPC range of the environment a stack (`Shop-<env>`) belongs to, and an address inside it (last two octets given). */
const vpcCidrOf = (stackName: string) => ENVIRONMENTS[stackName.replace('Shop-', '') as keyof typeof ENVIRONMENTS].network.cidr;
const addressInVpc = (stackName: string, hostOctets: string) => `${vpcCidrOf(stackName).split('.').slice(0, 2).join('.')}.${hostOctets}`;

describe('Shop stacks', () => {
  const templates: Record<string, Template> = {};
  const shopStacks: Record<string, ShopStack> = {};
  let dockerImages: { source: { dockerFile: string; dockerBuildArgs: { SERVICE: string } } }[];
  /** Every acknowledged validation finding of the app: rule id, reason, and the construct it was made on. */
  let acknowledgements: { id: string; reason: string; path: string }[];

  beforeAll(() => {
    // GIVEN the real app, reading fixture entry points so that the runtime's own code cannot move these snapshots
    const { app, stacks } = createShopApp({ outdir: outdir(), sources: FIXTURE_SOURCES });
    // WHEN it synthesizes, with cdk-nag's AwsSolutions checks as a validation plugin (a finding would throw here)
    const assembly = app.synth();
    for (const stack of stacks) {
      templates[stack.stackName] = Template.fromStack(stack);
      shopStacks[stack.stackName] = stack;
    }
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, 'Shop-dev.assets.json'), 'utf8'));
    dockerImages = Object.values(manifest.dockerImages);
    acknowledgements = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id, reason, path: construct.node.path }))),
    );
  }, SYNTH_TIMEOUT);

  it('acknowledges every accepted cdk-nag finding with a reason a reviewer can check', () => {
    // cdk-nag reports through annotations, so its ids are recorded as `Annotation::AwsSolutions-...`.
    const nag = acknowledgements.filter(({ id }) => id.includes('AwsSolutions-'));
    expect(nag.length).toBeGreaterThan(20);
    // A sentence, not a placeholder: at least a few words saying why the finding stays.
    const unreasoned = acknowledgements.filter(({ reason }) => reason.trim().split(/\s+/).length < 8);
    expect(unreasoned).toEqual([]);
    // The ones this change made, on the constructs they belong to.
    expect(nag).toContainEqual(expect.objectContaining({ id: 'Annotation::AwsSolutions-COG2', path: 'Shop-prod/Identity/Pool' }));
    expect(nag).toContainEqual(expect.objectContaining({ id: 'Annotation::AwsSolutions-COG8', path: 'Shop-dev/Identity/Pool' }));
    // Prod runs the Plus plan, so nothing there may hide the finding.
    expect(nag.filter(({ id, path: where }) => id.endsWith('AwsSolutions-COG8') && where.startsWith('Shop-prod/'))).toEqual([]);
  });

  it.each(['Shop-dev', 'Shop-prod'])('%s matches its reviewed template (asset hashes normalised)', async (stackName) => {
    const template = templates[stackName] as Template;
    await expect(reviewableTemplate(template)).toMatchFileSnapshot(`./__snapshots__/${stackName}.template.json`);
  });

  it('prod delivers its workloads through Argo CD: the pinned release, the app of apps on deploy/prod, and no workload in the template', () => {
    const template = templates['Shop-prod'] as Template;
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'argo-cd', Version: '9.1.0', Namespace: 'argocd' });
    const [release] = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'argo-cd' } }));
    expect(JSON.parse(release?.Properties.Values).server).toMatchObject({ service: { type: 'ClusterIP' }, ingress: { enabled: false } });
    const [root] = manifestsOf(template, 'DeliveryArgoCdRootApplication');
    expect(root?.spec).toMatchObject({
      source: { repoURL: prod.delivery.mode === 'gitops' ? prod.delivery.repoUrl : '', targetRevision: 'main', path: 'deploy/prod' },
      destination: { server: 'https://kubernetes.default.svc' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    const manifestIds = Object.keys(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    expect(manifestIds.filter((id) => /Workload|NetworkPolicies/.test(id))).toEqual([]);
    const rendered = (shopStacks['Shop-prod'] as ShopStack).delivery.render().map((file) => file.path);
    expect(rendered).toEqual(
      ['gateway', 'network-policies', 'notifications', 'orders', 'products', 'users']
        .flatMap((chart) => [`deploy/prod/${chart}.yaml`, `deploy/prod/${chart}/manifests.yaml`])
        .concat('deploy/prod/project.yaml')
        .sort(),
    );
  });

  it('dev applies its charts through CloudFormation and installs no Argo CD', () => {
    const template = templates['Shop-dev'] as Template;
    expect(Object.keys(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'argo-cd' } }))).toEqual([]);
    const manifestIds = Object.keys(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    for (const prefix of ['gatewayWorkload', 'usersWorkload', 'productsWorkload', 'ordersWorkload', 'notificationsWorkload', 'NetworkPoliciesManifest']) {
      expect(manifestIds.filter((id) => id.startsWith(prefix))).toHaveLength(1);
    }
    expect(() => (shopStacks['Shop-dev'] as ShopStack).delivery.render()).toThrow(/only gitops delivery renders files/);
  });

  it('builds five images, one per service, from the shared Dockerfile', () => {
    const services = dockerImages.map((image) => image.source.dockerBuildArgs.SERVICE);
    expect(services.sort()).toEqual(['gateway', 'notifications', 'orders', 'products', 'users']);
    expect(new Set(dockerImages.map((image) => image.source.dockerFile))).toEqual(new Set(['runtime/Dockerfile']));
  });

  /**
   * A chart's objects as the cluster gets them: from the template's manifest resource (direct delivery) or from the
   * files rendered for Argo CD (gitops).
   */
  const clusterObjects = (stackName: string, chartName: string, logicalIdPrefix: string): Record<string, any>[] => {
    const stack = shopStacks[stackName] as ShopStack;
    if (stack.delivery.mode.mode === 'direct') return manifestsOf(templates[stackName] as Template, logicalIdPrefix);
    const file = stack.delivery.render().find(({ path: rendered }) => rendered.endsWith(`/${chartName}/manifests.yaml`));
    if (!file) throw new Error(`${stackName} renders no chart ${chartName}`);
    return YAML.parseAllDocuments(file.content).map((document) => document.toJS());
  };
  const workloadOf = (stackName: string, service: string) => clusterObjects(stackName, service, `${service}Workload`);

  it.each(['Shop-dev', 'Shop-prod'])('%s runs the five workloads with the seed scaling', (stackName) => {
    const kinds = (service: string) => workloadOf(stackName, service);
    const hpa = (service: string) => kinds(service).find((manifest) => manifest.kind === 'HorizontalPodAutoscaler')?.spec;
    const replicas = (service: string) => kinds(service).find((manifest) => manifest.kind === 'Deployment')?.spec.replicas;
    expect(hpa('gateway')).toMatchObject({ minReplicas: 2, maxReplicas: 10, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
    expect(hpa('orders')).toMatchObject({ minReplicas: 2, maxReplicas: 8, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
    expect([replicas('users'), replicas('products'), replicas('notifications')]).toEqual([2, 2, 1]);
    expect(hpa('users')).toBeUndefined();
  });

  it.each(['Shop-dev', 'Shop-prod'])('%s holds the VPC, EKS, Aurora with the Data API, DynamoDB, MSK and the S3-triggered function', (stackName) => {
    const template = templates[stackName] as Template;
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.hasResourceProperties('AWS::RDS::DBCluster', { EnableHttpEndpoint: true });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    template.resourceCountIs('AWS::MSK::Cluster', 1);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: Match.stringLikeRegexp('^CatalogIngestBucket') },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'catalog/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CatalogIngestHandlerFunction'), 'Arn'] },
          },
        ],
      },
    });
    template.resourceCountIs('Custom::SchemaMigration', 1);
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'ClusterName', 'CatalogBucket', 'ProductsTable', 'KafkaBootstrapBrokers', 'Topics']),
    );
  });

  it.each([
    ['Shop-dev', { orders: 3, 'analytics-results': 1, 'orders.dlq': 1 }, { brokers: 2, minInSync: 1 }],
    ['Shop-prod', { orders: 6, 'analytics-results': 3, 'orders.dlq': 1 }, { brokers: 3, minInSync: 2 }],
  ])('%s declares the three topics of the platform contract, orders.dlq included, with their partitions, retention and replication', (stackName, partitions, { brokers, minInSync }) => {
    const template = templates[stackName] as Template;
    template.hasResourceProperties('AWS::MSK::Cluster', { NumberOfBrokerNodes: brokers });
    template.hasResourceProperties('AWS::MSK::Configuration', {
      ServerProperties: Match.stringLikeRegexp(`default.replication.factor=${brokers}\nmin.insync.replicas=${minInSync}`),
    });
    const topics = Object.values(template.findResources('AWS::MSK::Topic')).map(({ Properties }) => Properties);
    const days = (count: number) => ({ 'Fn::Base64': JSON.stringify({ 'retention.ms': String(count * 24 * 3600 * 1000), 'min.insync.replicas': String(minInSync) }) });
    expect(topics).toEqual([
      expect.objectContaining({ TopicName: 'orders', PartitionCount: partitions.orders, ReplicationFactor: brokers, Configs: days(7) }),
      expect.objectContaining({ TopicName: 'analytics-results', PartitionCount: partitions['analytics-results'], ReplicationFactor: brokers, Configs: days(7) }),
      expect.objectContaining({ TopicName: 'orders.dlq', PartitionCount: partitions['orders.dlq'], ReplicationFactor: brokers, Configs: days(14) }),
    ]);
  });

  it('sizes dev for cost and prod for availability', () => {
    const dev = templates['Shop-dev'] as Template;
    const prod = templates['Shop-prod'] as Template;
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
    dev.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: Match.objectLike({ MinCapacity: 0 }), DeletionProtection: false });
    prod.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: true });
    dev.resourceCountIs('AWS::RDS::DBInstance', 1);
    prod.resourceCountIs('AWS::RDS::DBInstance', 2);
    prod.hasResourceProperties('AWS::DynamoDB::GlobalTable', { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] });
    dev.hasResourceProperties('AWS::MSK::Cluster', { BrokerNodeGroupInfo: Match.objectLike({ InstanceType: 'kafka.t3.small' }) });
  });

  describe('security at the edge and inside the cluster', () => {
    const template = (stackName: string) => templates[stackName] as Template;
    /** What the stack itself applies for the gateway in every mode: its deploy-time values and its Ingress. */
    const gatewayStackValues = (stackName: string) => manifestsOf(template(stackName), 'gatewayStackValues');
    const ingressOf = (stackName: string) => gatewayStackValues(stackName).find((manifest) => manifest.kind === 'Ingress');
    /** The gateway container's environment, values taken from its ConfigMap where the Deployment refers to one. */
    const gatewayEnvironment = (stackName: string) => {
      const configMap = gatewayStackValues(stackName).find((manifest) => manifest.kind === 'ConfigMap');
      const deployment = workloadOf(stackName, 'gateway').find((manifest) => manifest.kind === 'Deployment');
      const variables = deployment?.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: { configMapKeyRef: { name: string; key: string } } }[];
      return Object.fromEntries(
        variables.map(({ name, value, valueFrom }) => {
          if (!valueFrom) return [name, value];
          expect(valueFrom.configMapKeyRef.name).toBe(configMap?.metadata.name);
          return [name, configMap?.data[valueFrom.configMapKeyRef.key]];
        }),
      );
    };
    /** The gateway's stack-applied objects as CloudFormation joins them, tokens included. */
    const gatewayManifestParts = (stackName: string) => {
      const [, values] = Object.entries(template(stackName).findResources('Custom::AWSCDK-EKS-KubernetesResource')).find(([id]) => id.startsWith('gatewayStackValues')) ?? [];
      return values?.Properties.Manifest['Fn::Join'][1] as unknown[];
    };

    it('prod serves the API over HTTPS on 443 only, with the configured certificate and the TLS 1.3 policy', () => {
      const annotations = ingressOf('Shop-prod')?.metadata.annotations;
      expect(annotations).toMatchObject({
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]',
        'alb.ingress.kubernetes.io/certificate-arn': (prod.gatewayEndpoint as { certificateArn: string }).certificateArn,
        'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      });
      // No port-80 listener anywhere: not on the Ingress, and no Service of type LoadBalancer beside it.
      expect(annotations['alb.ingress.kubernetes.io/listen-ports']).not.toContain('HTTP"');
      const serviceTypes = ['gateway', 'users', 'products', 'orders', 'notifications'].map(
        (service) => workloadOf('Shop-prod', service).find((manifest) => manifest.kind === 'Service')?.spec.type,
      );
      expect(serviceTypes).toEqual(['ClusterIP', 'ClusterIP', 'ClusterIP', 'ClusterIP', 'ClusterIP']);
      expect(template('Shop-prod').toJSON().Outputs.ApiUrl.Value['Fn::Join'][1][0]).toBe('https://');
    });

    it('dev runs plain HTTP on 80 because its config says so by name', () => {
      expect(ingressOf('Shop-dev')?.metadata.annotations['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTP":80}]');
      expect(template('Shop-dev').toJSON().Outputs.ApiUrl.Value['Fn::Join'][1][0]).toBe('http://');
    });

    it('refuses a prod config without a certificate', () => {
      expect(
        () => new ShopStack(new App(), 'Shop-prod', { config: { ...prod, gatewayEndpoint: { plainHttpForDevOnly: true } }, sources: FIXTURE_SOURCES }),
      ).toThrow(
        "Environment 'prod': gatewayEndpoint must name an ACM certificate ({ certificateArn }); plain HTTP ({ plainHttpForDevOnly: true }) is allowed in dev only",
      );
    });

    it('tells notifications where the users service is, which it asks for the address to write to', () => {
      const deployment = workloadOf('Shop-dev', 'notifications').find((manifest) => manifest.kind === 'Deployment');
      expect(deployment?.spec.template.spec.containers[0].env).toContainEqual({ name: 'USERS_URL', value: 'http://users.shop.svc.cluster.local:5001' });
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s puts the WAF web ACL with both rate rules in front of the load balancer', (stackName) => {
      const webAclId = logicalIdOf(template(stackName), 'AWS::WAFv2::WebACL');
      const rules = template(stackName).toJSON().Resources[webAclId].Properties.Rules as { Name: string; Statement: Record<string, any> }[];
      expect(rules.filter((rule) => rule.Statement.RateBasedStatement).map((rule) => rule.Name)).toEqual(['rate-per-client-ip', 'rate-per-authorization']);
      // The controller associates the ACL named in the Ingress annotation with the ALB it creates.
      expect(ingressOf(stackName)?.metadata.annotations['alb.ingress.kubernetes.io/wafv2-acl-arn']).toBe('<token>');
      expect(gatewayManifestParts(stackName)).toContainEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
      template(stackName).hasResourceProperties('AWS::WAFv2::LoggingConfiguration', { ResourceArn: { 'Fn::GetAtt': [webAclId, 'Arn'] } });
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s hands the gateway the user pool as its issuer, the client as audience, and the VPC as its proxies', (stackName) => {
      const environment = gatewayEnvironment(stackName);
      expect(environment).toMatchObject({
        OIDC_ISSUER: '<token>',
        OIDC_AUDIENCE: '<token>',
        OIDC_GROUPS_CLAIM: 'cognito:groups',
        OIDC_ADMIN_GROUP: 'admin',
        TRUSTED_PROXIES: vpcCidrOf(stackName),
      });
      const parts = gatewayManifestParts(stackName);
      expect(parts).toContainEqual({ 'Fn::GetAtt': [logicalIdOf(template(stackName), 'AWS::Cognito::UserPool'), 'ProviderURL'] });
      expect(parts).toContainEqual({ Ref: logicalIdOf(template(stackName), 'AWS::Cognito::UserPoolClient') });
      template(stackName).hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s holds no client secret: one public client, code flow only', (stackName) => {
      template(stackName).resourceCountIs('AWS::Cognito::UserPoolClient', 1);
      template(stackName).hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false, AllowedOAuthFlows: ['code'] });
      expect(JSON.stringify(template(stackName).toJSON())).not.toMatch(/ClientSecret/);
    });

    it('prod keeps the user pool (deletion protection, retained) and enforces threat protection; dev does neither', () => {
      template('Shop-prod').hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtection: 'ACTIVE', UserPoolTier: 'PLUS', UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } }),
      });
      template('Shop-dev').hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }) });
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s denies by default and allows exactly the call graph between the services', (stackName) => {
      const policies = clusterObjects(stackName, 'network-policies', 'NetworkPoliciesManifest');
      expect(policies[0]).toMatchObject({ metadata: { name: 'default-deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
      const pod = (name: string): PolicyPeer => ({ pod: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'shop' } });
      const ports = { gateway: 5000, users: 5001, products: 5002, orders: 5003, notifications: 5004 } as const;
      type Name = keyof typeof ports;
      const allowed = new Set(['gateway>users', 'gateway>products', 'gateway>orders', 'gateway>notifications', 'orders>users', 'orders>products', 'notifications>users']);
      const names = Object.keys(ports) as Name[];
      for (const from of names) {
        for (const to of names.filter((name) => name !== from)) {
          expect([`${from}>${to}`, networkPolicyAllows(policies, pod(from), pod(to), ports[to])]).toEqual([`${from}>${to}`, allowed.has(`${from}>${to}`)]);
        }
      }
      // The load balancer's VPC addresses reach the gateway and no other service.
      expect(names.filter((name) => networkPolicyAllows(policies, { address: addressInVpc(stackName, '1.25') }, pod(name), ports[name]))).toEqual(['gateway']);
      // Kafka on MSK's IAM port, from the services the platform contract gives Kafka access.
      expect(names.filter((name) => networkPolicyAllows(policies, pod(name), { address: addressInVpc(stackName, '64.10') }, 9098))).toEqual(['gateway', 'orders', 'notifications']);
      // Traces out to the collector and scrapes in from Prometheus, both in the monitoring namespace.
      const collector: PolicyPeer = { pod: { 'app.kubernetes.io/name': 'otel-collector' }, namespace: 'monitoring' };
      const prometheus: PolicyPeer = { pod: { 'app.kubernetes.io/name': 'prometheus' }, namespace: 'monitoring' };
      expect(names.filter((name) => networkPolicyAllows(policies, pod(name), collector, 4318))).toEqual(names);
      expect(names.filter((name) => networkPolicyAllows(policies, prometheus, pod(name), ports[name]))).toEqual(names);
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s lets Alertmanager reach SNS over HTTPS from the monitoring namespace', (stackName) => {
      const manifestIds = Object.keys(template(stackName).findResources('Custom::AWSCDK-EKS-KubernetesResource'));
      const policies = manifestIds
        .flatMap((id) => manifestsOf(template(stackName), id))
        .filter((object) => object.kind === 'NetworkPolicy' && object.metadata.namespace === 'monitoring');
      // Only the monitoring namespace's own small workloads are isolated; a default deny there would have to let Alertmanager out.
      expect(policies.map((policy) => policy.metadata.name).sort()).toEqual(['opensearch-proxy', 'opensearch-setup', 'otel-collector']);
      const alertmanager: PolicyPeer = { pod: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'kube-prometheus-stack-alertmanager' }, namespace: 'monitoring' };
      expect(networkPolicyAllows(policies, alertmanager, { address: '52.94.133.131' }, 443)).toBe(true);
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s mounts no Kubernetes API token into any service pod', (stackName) => {
      for (const service of ['gateway', 'users', 'products', 'orders', 'notifications']) {
        const deployment = workloadOf(stackName, service).find((manifest) => manifest.kind === 'Deployment');
        expect([service, deployment?.spec.template.spec.automountServiceAccountToken]).toEqual([service, false]);
      }
    });

    it.each(['Shop-dev', 'Shop-prod'])('%s enforces network policies in the VPC CNI, encrypts Kubernetes secrets and monitors Aurora', (stackName) => {
      template(stackName).hasResourceProperties('AWS::EKS::Addon', { AddonName: 'vpc-cni', ConfigurationValues: '{"enableNetworkPolicy":"true"}' });
      template(stackName).hasResourceProperties('AWS::EKS::Cluster', { EncryptionConfig: [Match.objectLike({ Resources: ['secrets'] })] });
      template(stackName).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template(stackName).allResourcesProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60 });
    });
  });

  describe('grants each service exactly what it touches', () => {
    const dev = () => templates['Shop-dev'] as Template;
    const actionsOf = (service: string) =>
      statementsOfRole(dev(), `${service}ServiceAccountRole`)
        .flatMap((statement) => [statement.Action].flat() as string[])
        .sort();
    const kafkaStatementsOf = (service: string) =>
      statementsOfRole(dev(), `${service}ServiceAccountRole`).filter((statement) =>
        [statement.Action].flat().some((action) => String(action).startsWith('kafka-cluster:')),
      );
    const dataApi = expect.arrayContaining(['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue']);
    const cluster = () => logicalIdOf(dev(), 'AWS::MSK::Cluster');
    const topicArn = (topicName: string) => ({ 'Fn::GetAtt': [logicalIdOf(dev(), 'AWS::MSK::Topic', { TopicName: topicName }), 'TopicArn'] });
    const consume = (topicName: string, groupId: string) => [
      { Effect: 'Allow', Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], Resource: topicArn(topicName) },
      { Effect: 'Allow', Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], Resource: mskGroupArn(cluster(), 'shop-dev-events', groupId) },
    ];
    const produce = (topicName: string) => ({ Effect: 'Allow', Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], Resource: topicArn(topicName) });
    const connect = (...actions: string[]) => ({
      Effect: 'Allow',
      Action: actions.length === 0 ? 'kafka-cluster:Connect' : ['kafka-cluster:Connect', ...actions],
      Resource: { 'Fn::GetAtt': [cluster(), 'Arn'] },
    });

    it('users: the Data API and the database secret only', () => {
      expect(actionsOf('users')).toEqual(dataApi);
      expect(actionsOf('users').every((action) => /^(rds-data|secretsmanager):/.test(action))).toBe(true);
    });

    it('products: the products table only', () => {
      expect(actionsOf('products').every((action) => action.startsWith('dynamodb:'))).toBe(true);
      expect(actionsOf('products')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']));
    });

    it('orders: the Data API and producing to orders, idempotently', () => {
      const actions = actionsOf('orders');
      expect(actions).toEqual(dataApi);
      expect(kafkaStatementsOf('orders')).toEqual([connect('kafka-cluster:WriteDataIdempotently'), produce('orders')]);
      expect(actions.some((action) => action.startsWith('dynamodb:') || action.startsWith('ses:'))).toBe(false);
    });

    it('notifications: the Data API, consuming orders as group notifications, dead letters to orders.dlq, and sending through SES', () => {
      expect(actionsOf('notifications')).toEqual(dataApi);
      // Without the orders.dlq grant, one bad message would block a notifications partition: its dead letter is retried forever.
      expect(kafkaStatementsOf('notifications')).toEqual([
        connect('kafka-cluster:WriteDataIdempotently'),
        produce('orders.dlq'),
        ...consume('orders', 'notifications'),
      ]);
      expect(statementsOfRole(dev(), 'notificationsServiceAccountRole')).toContainEqual({
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: { 'Fn::Join': ['', ['arn:aws:ses:us-east-1:', { Ref: 'AWS::AccountId' }, ':identity/example.com']] },
      });
    });

    it('gateway: consuming analytics-results only, one group per replica under gateway-analytics-', () => {
      expect(actionsOf('gateway').every((action) => action.startsWith('kafka-cluster:'))).toBe(true);
      expect(kafkaStatementsOf('gateway')).toEqual([connect(), ...consume('analytics-results', 'gateway-analytics-*')]);
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
