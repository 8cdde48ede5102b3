import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClusterMonitoring, LogPipeline, searchSetupRequests } from '../../../infra/aws';
import { addOnRequests, logicalIdOf, manifestsOf, newCluster, newStack, requestsOf, statementsOfRole, SYNTH_TIMEOUT } from './support';

describe('LogPipeline', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    const cluster = newCluster(stack);
    const monitoring = new ClusterMonitoring(stack, 'Monitoring', { cluster, alertEmail: 'oncall@example.com' });
    new LogPipeline(stack, 'Logs', {
      vpc: cluster.eksCluster.vpc,
      monitoring,
      logNamespaces: ['shop'],
      instanceType: 't3.small.search',
      dataNodes: 1,
      volumeGiB: 10,
      retentionDays: 7,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // cdk-nag as in the app: an unacknowledged finding on these constructs fails the synth here.
    Validations.of(stack.node.root as App).addPlugins(new AwsSolutionsChecks(stack.node.root));
    (stack.node.root as App).synth();
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('puts an encrypted OpenSearch domain in one private subnet, HTTPS with TLS 1.2+ only, an IAM role as master user', () => {
    const adminRole = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('LogsopensearchproxyserviceaccountRole'));
    // The proxy's service account assumes it through the cluster's OIDC provider (IRSA).
    expect(Object.keys(template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Action: 'sts:AssumeRoleWithWebIdentity' })] }) } }))).toContain(adminRole);
    const [proxyAccount] = manifestsOf(template, 'Logsopensearchproxyserviceaccountmanifest');
    expect(proxyAccount?.metadata).toMatchObject({ name: 'opensearch-proxy', namespace: 'monitoring', annotations: { 'eks.amazonaws.com/role-arn': '<token>' } });
    template.hasResourceProperties('AWS::OpenSearchService::Domain', {
      EngineVersion: 'OpenSearch_2.19',
      ClusterConfig: Match.objectLike({ InstanceType: 't3.small.search', InstanceCount: 1, DedicatedMasterEnabled: false, ZoneAwarenessEnabled: false }),
      EBSOptions: Match.objectLike({ EBSEnabled: true, VolumeSize: 10, VolumeType: 'gp3' }),
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: Match.anyValue() },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: Match.objectLike({ EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' }),
      AdvancedSecurityOptions: {
        Enabled: true,
        InternalUserDatabaseEnabled: false,
        MasterUserOptions: { MasterUserARN: { 'Fn::GetAtt': [adminRole, 'Arn'] } },
      },
      VPCOptions: { SubnetIds: [{ Ref: Match.stringLikeRegexp('^NetworkVpcprivateSubnet1') }], SecurityGroupIds: Match.anyValue() },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/MasterUserPassword/);
  });

  it('lets only the cluster reach the domain, on 443', () => {
    const domainGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^OpenSearch domain') });
    const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [domainGroup, 'GroupId'] } } }));
    const inline = template.toJSON().Resources[domainGroup].Properties.SecurityGroupIngress ?? [];
    expect([...inline, ...separate.map((rule) => rule.Properties)]).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^ClusterEks/), 'ClusterSecurityGroupId'] } }),
    ]);
  });

  it('publishes slow, error and audit logs', () => {
    const [domain] = Object.values(template.findResources('AWS::OpenSearchService::Domain'));
    expect(Object.keys(domain?.Properties.LogPublishingOptions).sort()).toEqual(['AUDIT_LOGS', 'ES_APPLICATION_LOGS', 'INDEX_SLOW_LOGS', 'SEARCH_SLOW_LOGS']);
  });

  it('lets Fluent Bit post to this domain only, and the master role use only this domain', () => {
    const domainArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::OpenSearchService::Domain'), 'Arn'] };
    const subpaths = { 'Fn::Join': ['', [domainArn, '/*']] };
    expect(statementsOfRole(template, 'Logsfluentbitserviceaccount')).toEqual([
      { Effect: 'Allow', Action: ['es:ESHttpPost', 'es:ESHttpPut'], Resource: subpaths },
    ]);
    expect(statementsOfRole(template, 'Logsopensearchproxyserviceaccount')).toEqual([{ Effect: 'Allow', Action: 'es:ESHttp*', Resource: [domainArn, subpaths] }]);
  });

  const fluentBitRelease = () => Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'fluent-bit' } }))[0];
  /** The release's values, which hold the domain's endpoint, a deploy-time value: CloudFormation joins them. */
  const fluentBitValues = () =>
    JSON.parse((fluentBitRelease()?.Properties.Values['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<endpoint>')).join(''));

  it('installs the pinned Fluent Bit chart, tailing the shop namespace and shipping to the domain with SigV4', () => {
    expect(fluentBitRelease()?.Properties).toMatchObject({ Repository: 'https://fluent.github.io/helm-charts', Version: '0.50.0', Namespace: 'monitoring' });
    const { config, serviceAccount } = fluentBitValues();
    expect(serviceAccount).toEqual({ create: false, name: 'fluent-bit' });
    expect(config.inputs).toContain('Path /var/log/containers/*_shop_*.log');
    expect(config.filters).toMatch(/Name kubernetes[\s\S]*Merge_Log On/);
    expect(config.filters).toContain('Rename reqId requestId');
    expect(config.outputs).toMatch(/Name opensearch\n\s+Match kube\.\*\n\s+Host <endpoint>\n\s+Port 443\n\s+tls On\n\s+AWS_Auth On\n\s+AWS_Region us-east-1\n\s+Logstash_Format On\n\s+Logstash_Prefix logs-shop/);
  });

  it('sets up the index template, the retention policy and the writer role with a one-shot job through the signing proxy', () => {
    const objects = manifestsOf(template, 'ClusterEksLogSearchSetup');
    const job = objects.find((object) => object.kind === 'Job');
    expect(job?.metadata.name).toMatch(/^opensearch-setup-[0-9a-f]{10}$/);
    const script = job?.spec.template.spec.containers[0].command[2] as string;
    expect(script.split('\n').filter((line) => line.startsWith('curl')).map((line) => line.match(/-X (\w+) '[^']*?(\/_[^']*)'/)?.slice(1).join(' '))).toEqual([
      'PUT /_index_template/logs-shop',
      'DELETE /_plugins/_ism/policies/logs-shop-retention',
      'PUT /_plugins/_ism/policies/logs-shop-retention',
      'PUT /_plugins/_security/api/roles/shop_log_writer',
      'PUT /_plugins/_security/api/rolesmapping/shop_log_writer',
    ]);
    const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === job?.metadata.name);
    expect(Object.keys(configMap?.data ?? {}).sort()).toEqual(['0.json', '2.json', '3.json', '4.json']);
    const proxy = objects.find((object) => object.kind === 'Deployment');
    expect(proxy?.spec.template.spec.serviceAccountName).toBe('opensearch-proxy');
    // Only the setup job may call the proxy over the network.
    const proxyPolicy = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'opensearch-proxy');
    expect(proxyPolicy?.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: job?.spec.template.metadata.labels } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  it('requests what the capacity table (platform-add-ons.ts) counts for Fluent Bit and the proxy', () => {
    const proxy = manifestsOf(template, 'ClusterEksLogSearchSetup').find((object) => object.kind === 'Deployment');
    expect(requestsOf(fluentBitValues().resources)).toEqual(addOnRequests('Fluent Bit'));
    expect(requestsOf(proxy?.spec.template.spec.containers[0].resources)).toEqual(addOnRequests('OpenSearch SigV4 proxy'));
  });

  it('maps keyword fields, deletes indices after the retention and lets the writer only create and write the log indices', () => {
    const [template_, , ism, role, mapping] = searchSetupRequests({ writerRoleArn: 'arn:aws:iam::1:role/fb', retentionDays: 7, replicas: 0 });
    expect((template_?.body as any).template.mappings.properties).toMatchObject({
      service: { type: 'keyword' },
      requestId: { type: 'keyword' },
      traceId: { type: 'keyword' },
      level: { type: 'keyword' },
    });
    expect((ism?.body as any).policy.states[0].transitions).toEqual([{ state_name: 'delete', conditions: { min_index_age: '7d' } }]);
    expect((ism?.body as any).policy.ism_template).toEqual([{ index_patterns: ['logs-shop-*'], priority: 100 }]);
    expect((role?.body as any).index_permissions).toEqual([{ index_patterns: ['logs-shop-*'], allowed_actions: ['create_index', 'write'] }]);
    expect(mapping?.body).toEqual({ backend_roles: ['arn:aws:iam::1:role/fb'] });
  });

  it('refuses an odd number of data nodes above one, which two zones cannot hold evenly', () => {
    const stack = newStack();
    const cluster = newCluster(stack);
    const monitoring = new ClusterMonitoring(stack, 'Monitoring', { cluster, alertEmail: 'oncall@example.com' });
    expect(
      () => new LogPipeline(stack, 'Logs', { vpc: cluster.eksCluster.vpc, monitoring, logNamespaces: ['shop'], instanceType: 'm7g.large.search', dataNodes: 3, volumeGiB: 20, retentionDays: 7 }),
    ).toThrow('LogPipeline Logs: dataNodes must be 1, or an even number spread over two zones, got 3');
  });
});
