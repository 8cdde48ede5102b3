import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Network, NodeAutoscaling } from '../../../infra/aws';
import { manifestsOf, newStack, statementsOfRole, SYNTH_TIMEOUT } from './support';

describe('NodeAutoscaling', { timeout: SYNTH_TIMEOUT }, () => {
  let template: Template;
  let stack: Stack;

  beforeAll(() => {
    // GIVEN a named cluster
    stack = newStack();
    const network = new Network(stack, 'Network');
    const cluster = new Cluster(stack, 'Cluster', { vpc: network.vpc, clusterName: 'shop-test' });
    // WHEN Karpenter scales its nodes
    new NodeAutoscaling(stack, 'Nodes', { cluster, limits: { cpu: 8, memoryGiB: 32 }, capacityTypes: ['spot', 'on-demand'] });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT);

  it('installs the pinned Karpenter chart in kube-system with the cluster, the queue and the Pod Identity service account', () => {
    const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'karpenter' } }));
    expect(charts).toHaveLength(1);
    const { Properties } = charts[0] as { Properties: Record<string, unknown> };
    expect(Properties).toMatchObject({
      Repository: 'oci://public.ecr.aws/karpenter/karpenter',
      Version: '1.11.1',
      Namespace: 'kube-system',
      Release: 'karpenter',
      Wait: true,
    });
    const values = JSON.stringify(Properties.Values);
    expect(values).toContain('\\"clusterName\\":\\"shop-test\\"');
    expect(values).toMatch(/\\"interruptionQueue\\":\\"",\{"Fn::GetAtt":\["NodesInterruptionQueue[0-9A-F]+","QueueName"\]\}/);
    expect(values).toContain('\\"serviceAccount\\":{\\"create\\":false,\\"name\\":\\"karpenter\\"}');
    expect(values).toContain('\\"requests\\":{\\"cpu\\":\\"250m\\",\\"memory\\":\\"1024Mi\\"}');
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 'karpenter' });
  });

  it('declares one NodePool with the configured limits, capacity types and consolidation', () => {
    const [nodePool] = manifestsOf(template, 'ClusterEksmanifestNodePool');
    expect(nodePool).toMatchObject({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      spec: {
        limits: { cpu: '8', memory: '32Gi' },
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '60s', budgets: [{ nodes: '10%' }] },
        template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, expireAfter: '720h' } },
      },
    });
    expect(nodePool?.spec.template.spec.requirements).toEqual(
      expect.arrayContaining([
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
        { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm'] },
        { key: 'karpenter.k8s.aws/instance-cpu', operator: 'In', values: ['2', '4'] },
      ]),
    );
  });

  it('launches AL2023 nodes into the private subnets found by discovery tag, with IMDSv2 out of the pods\' reach', () => {
    const [nodeClass] = manifestsOf(template, 'ClusterEksmanifestEc2NodeClass');
    expect(nodeClass).toMatchObject({
      kind: 'EC2NodeClass',
      spec: {
        role: '<token>',
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'shop-test' } }],
        securityGroupSelectorTerms: [{ id: '<token>' }],
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      },
    });
    const tagged = Object.values(template.findResources('AWS::EC2::Subnet')).filter(({ Properties }) =>
      Properties.Tags.some((tag: { Key: string; Value: string }) => tag.Key === 'karpenter.sh/discovery' && tag.Value === 'shop-test'),
    );
    expect(tagged.map(({ Properties }) => Properties.Tags.find((tag: { Key: string }) => tag.Key === 'aws-cdk:subnet-type').Value)).toEqual(['Private', 'Private']);
  });

  it('feeds the interruption queue from EventBridge: spot interruptions, rebalance recommendations, health events and state changes', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 300, SqsManagedSseEnabled: true });
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map(({ Properties }) => Properties.EventPattern);
    expect(patterns).toEqual([
      { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
      { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
    ]);
    for (const rule of Object.values(template.findResources('AWS::Events::Rule'))) {
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^NodesInterruptionQueue/), 'Arn'] } })]);
    }
  });

  it('lets nodes join through an EC2_LINUX access entry of their own role', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      Type: 'EC2_LINUX',
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NodesNodeRole'), 'Arn'] },
      AccessPolicies: [],
    });
  });

  it('scopes the controller as Karpenter\'s reference policy does: EC2 writes by cluster tag, pass-role of the node role, the queue and cluster by ARN', () => {
    const statements = statementsOfRole(template, 'NodesControllerServiceAccountRole');
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid('AllowScopedEC2InstanceActionsWithTags')).toMatchObject({
      Condition: {
        StringEquals: { 'aws:RequestTag/kubernetes.io/cluster/shop-test': 'owned', 'aws:RequestTag/eks:eks-cluster-name': 'shop-test' },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    });
    expect(bySid('AllowScopedDeletion')).toMatchObject({
      Action: ['ec2:DeleteLaunchTemplate', 'ec2:TerminateInstances'],
      Condition: { StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/shop-test': 'owned' } },
    });
    expect(bySid('AllowPassingInstanceRole')).toMatchObject({
      Action: 'iam:PassRole',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^NodesNodeRole/), 'Arn'] },
    });
    expect(bySid('AllowInterruptionQueueActions')).toMatchObject({
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^NodesInterruptionQueue/), 'Arn'] },
    });
    expect(bySid('AllowAPIServerEndpointDiscovery')).toMatchObject({ Action: 'eks:DescribeCluster', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ClusterEks/), 'Arn'] } });
    expect(bySid('AllowRegionalReadActions')).toMatchObject({ Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } });
    // Every write that is not on a fixed ARN carries a condition.
    const unconditionedWrites = statements.filter(
      (statement) =>
        !statement.Condition &&
        [statement.Action].flat().some((action) => /^(ec2|iam):(Run|Create|Terminate|Delete|Tag|Add|Remove)/.test(String(action))),
    );
    expect(unconditionedWrites.map((statement) => statement.Sid)).toEqual(['AllowScopedEC2InstanceAccessActions']);
  });

  it('needs a literal cluster name and positive limits', () => {
    const clusterIn = (clusterName?: string) => {
      const other = newStack();
      return { other, cluster: new Cluster(other, 'Cluster', { vpc: new Network(other, 'Network').vpc, clusterName }) };
    };
    const unnamed = clusterIn();
    expect(() => new NodeAutoscaling(unnamed.other, 'A', { cluster: unnamed.cluster, limits: { cpu: 8, memoryGiB: 32 } })).toThrow(
      "NodeAutoscaling A: the cluster needs a literal clusterName; Karpenter's IAM conditions and discovery tags name it",
    );
    const named = clusterIn('named');
    expect(() => new NodeAutoscaling(named.other, 'B', { cluster: named.cluster, limits: { cpu: 0, memoryGiB: 32 } })).toThrow(
      'NodeAutoscaling B: limits must be positive whole vCPUs and GiB, got {"cpu":0,"memoryGiB":32}',
    );
  });
});
