import { Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Cluster } from './cluster';
import { acknowledgeFindings, managedPolicyFinding, wildcardResourceFinding } from './nag-acknowledgements';
import { acknowledgeCheckov } from './policy-acknowledgements';
import { KARPENTER_CONTROLLER } from './platform-add-ons';

export type CapacityType = 'spot' | 'on-demand';

/** The most the NodePool may hold at once, summed over its nodes' capacity (not what pods can request of them). */
export interface NodePoolLimits {
  readonly cpu: number;
  readonly memoryGiB: number;
}

export interface NodeAutoscalingProps {
  /** The cluster, with a literal `clusterName` (IAM conditions and discovery tags name it). */
  readonly cluster: Cluster;
  readonly limits: NodePoolLimits;
  /**
   * What Karpenter may buy. With both, it takes spot when spot is offered and cheaper, and on-demand otherwise.
   * @default ['on-demand']
   */
  readonly capacityTypes?: readonly CapacityType[];
  /**
   * Instance categories (`c` compute, `m` general purpose, `r` memory optimised), of the 6th generation or later.
   * @default ['c', 'm']
   */
  readonly instanceCategories?: readonly string[];
  /**
   * vCPUs per node. Small nodes keep consolidation fine-grained and a node's loss small; larger ones waste less on
   * per-node overhead.
   * @default [2, 4]
   */
  readonly instanceCpus?: readonly number[];
  /**
   * How long a node must be empty or underused before Karpenter replaces or removes it.
   * @default Duration.minutes(1)
   */
  readonly consolidateAfter?: Duration;
}

/** Pinned; 1.11 supports Kubernetes 1.29 to 1.35 (the cluster's 1.35). */
const KARPENTER_CHART = { repository: 'oci://public.ecr.aws/karpenter/karpenter', chart: 'karpenter', version: '1.11.1' } as const;
const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'karpenter';
const NODE_POOL = 'default';
const NODE_CLASS = 'default';
const DISCOVERY_TAG = 'karpenter.sh/discovery';
/** EC2 events Karpenter handles ahead of time: it drains a node before EC2 takes it away. */
const INTERRUPTION_EVENTS: Readonly<Record<string, { source: string; detailType: string }>> = {
  ScheduledChange: { source: 'aws.health', detailType: 'AWS Health Event' },
  SpotInterruption: { source: 'aws.ec2', detailType: 'EC2 Spot Instance Interruption Warning' },
  Rebalance: { source: 'aws.ec2', detailType: 'EC2 Instance Rebalance Recommendation' },
  InstanceStateChange: { source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification' },
};

/**
 * Karpenter for the cluster's nodes: the controller (Helm, pinned) on the managed node group with an IAM role
 * scoped as Karpenter's reference CloudFormation scopes it (EC2 writes only on resources tagged for this cluster and
 * a NodePool, pass-role only of the node role, the cluster and the queue by ARN), an SQS queue fed by EventBridge
 * with spot interruptions, rebalance recommendations, scheduled maintenance and instance state changes, the node
 * role with its EKS access entry, one EC2NodeClass (AL2023, the cluster's private subnets by discovery tag and its
 * security group) and one NodePool with CPU and memory limits and consolidation.
 *
 * The managed node group stays: Karpenter cannot run on nodes it launches (its chart keeps it off them), and the
 * system add-ons get nodes that no consolidation moves.
 */
export class NodeAutoscaling extends Construct {
  readonly interruptionQueue: sqs.Queue;
  readonly nodeRole: iam.Role;
  readonly controllerRole: iam.IRole;
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: NodeAutoscalingProps) {
    super(scope, id);
    const eksCluster = props.cluster.eksCluster;
    const clusterName = props.cluster.clusterName;
    const capacityTypes = props.capacityTypes ?? ['on-demand'];
    const instanceCategories = props.instanceCategories ?? ['c', 'm'];
    const instanceCpus = props.instanceCpus ?? [2, 4];
    validate(id, clusterName, props.limits, capacityTypes, instanceCategories, instanceCpus);
    const stack = Stack.of(this);

    this.interruptionQueue = new sqs.Queue(this, 'InterruptionQueue', {
      // Karpenter acts on an interruption within the two minutes' notice, or not at all.
      retentionPeriod: Duration.minutes(5),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    for (const [name, { source, detailType }] of Object.entries(INTERRUPTION_EVENTS)) {
      new events.Rule(this, `${name}Rule`, {
        description: `${detailType} events for Karpenter on ${clusterName}`,
        eventPattern: { source: [source], detailType: [detailType] },
        targets: [new targets.SqsQueue(this.interruptionQueue)],
      });
    }
    acknowledgeFindings(
      this.interruptionQueue,
      ['AwsSolutions-SQS3'],
      'Interruption notices are only useful within minutes; one that Karpenter cannot handle is dropped, not kept in a dead-letter queue.',
    );
    acknowledgeCheckov(this.interruptionQueue, [
      {
        id: 'CKV_AWS_27',
        reason:
          'Encrypted with SQS-managed keys (SSE-SQS), which checkov does not recognise: EventBridge cannot send to a queue under the AWS managed KMS key, whose policy it may not use, and a customer key would add cost for notices that hold no customer data.',
      },
    ]);

    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Nodes Karpenter launches for ${clusterName}`,
      managedPolicies: NODE_MANAGED_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    acknowledgeFindings(
      this.nodeRole,
      NODE_MANAGED_POLICIES.map(managedPolicyFinding),
      'The managed policies Karpenter and EKS document for node roles (join the cluster, assign pod IPs, pull images, SSM for break-glass access without SSH); pods get their own roles through Pod Identity.',
    );
    // Nodes join through an access entry of type EC2_LINUX, which gives them the node identity and nothing more.
    new eks.AccessEntry(this, 'NodeAccess', {
      cluster: eksCluster,
      principal: this.nodeRole.roleArn,
      accessEntryType: eks.AccessEntryType.EC2_LINUX,
      accessPolicies: [],
    });

    const serviceAccount = new eks.ServiceAccount(this, 'ControllerServiceAccount', {
      cluster: eksCluster,
      name: SERVICE_ACCOUNT,
      namespace: NAMESPACE,
      identityType: eks.IdentityType.POD_IDENTITY,
    });
    this.controllerRole = serviceAccount.role;
    const statements = controllerStatements({
      partition: stack.partition,
      region: stack.region,
      account: stack.account,
      clusterName,
      clusterArn: eksCluster.clusterArn,
      queueArn: this.interruptionQueue.queueArn,
      nodeRoleArn: this.nodeRole.roleArn,
    });
    for (const statement of statements) serviceAccount.addToPrincipalPolicy(statement);
    const wildcards = new Set(statements.flatMap((statement) => statement.resources).filter((resource) => resource.includes('*')));
    acknowledgeFindings(
      serviceAccount,
      [...wildcards].map((resource) => wildcardResourceFinding(stack, resource)),
      "Karpenter's reference controller policy: instances, fleets, volumes, launch templates and instance profiles exist only once Karpenter creates them, so those writes are conditioned on this cluster's ownership tag and a NodePool or node class tag; images, subnets and security groups are chosen at run time from the EC2NodeClass; reads are limited to the region; SSM reads only AWS's public parameters (AMI ids).",
    );

    // Karpenter finds the subnets to launch into by this tag: the private ones, where the managed nodes are.
    for (const subnet of eksCluster.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets) {
      Tags.of(subnet).add(DISCOVERY_TAG, clusterName);
    }

    this.chart = eksCluster.addHelmChart('Karpenter', {
      ...KARPENTER_CHART,
      namespace: NAMESPACE,
      release: 'karpenter',
      // The CRDs come with the chart's first install; the NodePool and EC2NodeClass below need them.
      wait: true,
      values: {
        settings: { clusterName, interruptionQueue: this.interruptionQueue.queueName },
        serviceAccount: { create: false, name: SERVICE_ACCOUNT },
        replicas: KARPENTER_CONTROLLER.pods,
        controller: {
          resources: {
            requests: { cpu: `${KARPENTER_CONTROLLER.cpuMillicores}m`, memory: `${KARPENTER_CONTROLLER.memoryMiB}Mi` },
            limits: { memory: `${KARPENTER_CONTROLLER.memoryMiB}Mi` },
          },
        },
      },
    });
    this.chart.node.addDependency(serviceAccount, props.cluster.systemNodes);

    const nodeClass = eksCluster.addManifest('Ec2NodeClass', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: NODE_CLASS },
      spec: {
        role: this.nodeRole.roleName,
        // The latest EKS-optimised AL2023 image; a new one rolls the nodes through drift, within the disruption budget.
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        subnetSelectorTerms: [{ tags: { [DISCOVERY_TAG]: clusterName } }],
        // The cluster security group EKS creates (the managed nodes' too); CloudFormation cannot tag it, its id is exact.
        securityGroupSelectorTerms: [{ id: eksCluster.clusterSecurityGroupId }],
        // IMDSv2 only, and out of reach of pods (one hop): they use Pod Identity, not the node's role.
        metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
      },
    });
    const nodePool = eksCluster.addManifest('NodePool', {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: NODE_POOL },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: NODE_CLASS },
            requirements: [
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...capacityTypes] },
              // The images are built for amd64.
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
              { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: [...instanceCategories] },
              { key: 'karpenter.k8s.aws/instance-cpu', operator: 'In', values: instanceCpus.map(String) },
              { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] },
            ],
            // Nodes are replaced at least every 30 days, so that none runs an image or kernel that old.
            expireAfter: '720h',
          },
        },
        limits: { cpu: String(props.limits.cpu), memory: `${props.limits.memoryGiB}Gi` },
        disruption: {
          consolidationPolicy: 'WhenEmptyOrUnderutilized',
          consolidateAfter: `${(props.consolidateAfter ?? Duration.minutes(1)).toSeconds()}s`,
          // At most one node in ten at a time is taken away voluntarily (consolidation, drift, expiry).
          budgets: [{ nodes: '10%' }],
        },
      },
    });
    nodeClass.node.addDependency(this.chart);
    nodePool.node.addDependency(this.chart, nodeClass);
  }
}

const NODE_MANAGED_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonSSMManagedInstanceCore'];

interface ControllerScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly queueArn: string;
  readonly nodeRoleArn: string;
}

/**
 * Karpenter's reference controller policy (its getting-started CloudFormation, v1: node lifecycle, IAM and EKS
 * integration, interruption, resource discovery and zonal shift), statement by statement.
 */
function controllerStatements(scope: ControllerScope): iam.PolicyStatement[] {
  const ec2Arn = (resource: string, account = '*') => `arn:${scope.partition}:ec2:${scope.region}:${account}:${resource}`;
  const ownedRequest = { [`aws:RequestTag/kubernetes.io/cluster/${scope.clusterName}`]: 'owned' };
  const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${scope.clusterName}`]: 'owned' };
  const launchedResources = ['fleet/*', 'instance/*', 'volume/*', 'network-interface/*', 'launch-template/*', 'spot-instances-request/*'].map((resource) =>
    ec2Arn(resource),
  );
  const ownedAndNamedRequest = { ...ownedRequest, 'aws:RequestTag/eks:eks-cluster-name': scope.clusterName };
  const regionalProfileTags = { 'aws:RequestTag/topology.kubernetes.io/region': scope.region };
  const regionalProfileResourceTags = { 'aws:ResourceTag/topology.kubernetes.io/region': scope.region };
  return [
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [
        ec2Arn('image/*', ''),
        ec2Arn('snapshot/*', ''),
        ...['security-group/*', 'subnet/*', 'capacity-reservation/*', 'placement-group/*'].map((resource) => ec2Arn(resource)),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      resources: [ec2Arn('launch-template/*')],
      conditions: { StringEquals: ownedResource, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedEC2InstanceActionsWithTags',
      actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      resources: launchedResources,
      conditions: { StringEquals: ownedAndNamedRequest, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceCreationTagging',
      actions: ['ec2:CreateTags'],
      resources: launchedResources,
      conditions: {
        StringEquals: { ...ownedAndNamedRequest, 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedResourceTagging',
      actions: ['ec2:CreateTags'],
      resources: [ec2Arn('instance/*')],
      conditions: {
        StringEquals: ownedResource,
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': scope.clusterName },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedDeletion',
      actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      resources: [ec2Arn('instance/*'), ec2Arn('launch-template/*')],
      conditions: { StringEquals: ownedResource, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowRegionalReadActions',
      actions: [
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': scope.region } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowSSMReadActions',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${scope.partition}:ssm:${scope.region}::parameter/aws/service/*`],
    }),
    new iam.PolicyStatement({ sid: 'AllowPricingReadActions', actions: ['pricing:GetProducts'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'AllowInterruptionQueueActions',
      actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      resources: [scope.queueArn],
    }),
    new iam.PolicyStatement({
      sid: 'AllowPassingInstanceRole',
      actions: ['iam:PassRole'],
      resources: [scope.nodeRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedInstanceProfileCreationActions',
      actions: ['iam:CreateInstanceProfile'],
      resources: [`arn:${scope.partition}:iam::${scope.account}:instance-profile/*`],
      conditions: {
        StringEquals: { ...ownedAndNamedRequest, ...regionalProfileTags },
        StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedInstanceProfileTagActions',
      actions: ['iam:TagInstanceProfile'],
      resources: [`arn:${scope.partition}:iam::${scope.account}:instance-profile/*`],
      conditions: {
        StringEquals: {
          ...ownedResource,
          ...regionalProfileResourceTags,
          ...ownedAndNamedRequest,
          ...regionalProfileTags,
        },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*', 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowScopedInstanceProfileActions',
      actions: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
      resources: [`arn:${scope.partition}:iam::${scope.account}:instance-profile/*`],
      conditions: {
        StringEquals: { ...ownedResource, ...regionalProfileResourceTags },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    }),
    new iam.PolicyStatement({ sid: 'AllowUnscopedInstanceProfileListAction', actions: ['iam:ListInstanceProfiles'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'AllowInstanceProfileReadActions',
      actions: ['iam:GetInstanceProfile'],
      resources: [`arn:${scope.partition}:iam::${scope.account}:instance-profile/*`],
    }),
    new iam.PolicyStatement({ sid: 'AllowAPIServerEndpointDiscovery', actions: ['eks:DescribeCluster'], resources: [scope.clusterArn] }),
    // Karpenter keeps new nodes out of a zone that an ARC zonal shift has moved the cluster away from.
    new iam.PolicyStatement({
      sid: 'AllowZonalShiftStatusReadOnly',
      actions: ['arc-zonal-shift:GetManagedResource'],
      resources: ['*'],
      conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': scope.clusterArn } },
    }),
  ];
}

function validate(
  id: string,
  clusterName: string,
  limits: NodePoolLimits,
  capacityTypes: readonly CapacityType[],
  instanceCategories: readonly string[],
  instanceCpus: readonly number[],
): void {
  const name = `NodeAutoscaling ${id}`;
  if (Token.isUnresolved(clusterName)) {
    throw new Error(`${name}: the cluster needs a literal clusterName; Karpenter's IAM conditions and discovery tags name it`);
  }
  if (!Number.isInteger(limits.cpu) || limits.cpu < 1 || !Number.isInteger(limits.memoryGiB) || limits.memoryGiB < 1) {
    throw new Error(`${name}: limits must be positive whole vCPUs and GiB, got ${JSON.stringify(limits)}`);
  }
  if (capacityTypes.length === 0) throw new Error(`${name}: capacityTypes must name spot, on-demand or both`);
  if (instanceCategories.length === 0 || instanceCategories.some((category) => !/^[a-z]$/.test(category))) {
    throw new Error(`${name}: instanceCategories must be one-letter instance categories, got ${JSON.stringify(instanceCategories)}`);
  }
  if (instanceCpus.length === 0 || instanceCpus.some((cpus) => !Number.isInteger(cpus) || cpus < 1)) {
    throw new Error(`${name}: instanceCpus must be positive integers, got ${JSON.stringify(instanceCpus)}`);
  }
}
