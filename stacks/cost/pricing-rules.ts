import { AWS_PRICES as AWS, GCE_MEMORY_GIB_PER_VCPU, GCP_PRICES as GCP, HOURS_PER_MONTH as HOURS } from './price-table';
import type { Cloud, SynthesizedResource } from './synthesized-resources';
import { valueFor, type UsageAssumptions } from './usage-assumptions';

/** One priced quantity: `quantity` `unit`s at `unitPrice` each, per month. */
export interface CostLine {
  readonly cloud: Cloud;
  readonly service: string;
  readonly resource: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  /** The quantity at the configured maxima (nodes, ACUs); the same as `quantity` for what does not scale. */
  readonly atMaxQuantity?: number;
}

export interface PricingContext {
  readonly assumptions: UsageAssumptions;
  /** Every resource of the environment, both clouds, for what a price depends on elsewhere (a cluster's ACU range). */
  readonly resources: readonly SynthesizedResource[];
}

type Line = Omit<CostLine, 'cloud' | 'service' | 'resource'>;

/**
 * How a type is priced: `free` with the reason (what it costs shows up elsewhere or is nothing), or a function
 * from a resource to its lines. A variant the table has no price for (an instance type, a storage class) is
 * returned as `unpriced` so that it is reported, never counted as zero.
 */
export type PricingRule =
  | { readonly free: string }
  | {
      readonly service: string;
      readonly price: (resource: SynthesizedResource, context: PricingContext) => Line[] | { readonly unpriced: string };
    };

const hourly = (item: string, count: number, unitPrice: number, atMaxCount = count): Line => ({
  item,
  quantity: count * HOURS,
  unit: 'h',
  unitPrice,
  atMaxQuantity: atMaxCount * HOURS,
});

const usage = (item: string, quantity: number, unit: string, unitPrice: number): Line => ({ item, quantity, unit, unitPrice });

const NETWORK_PLUMBING = 'network plumbing without a charge of its own';
const IAM = 'IAM has no charge';
const PRICED_ELSEWHERE = (where: string) => `no charge of its own; ${where}`;
const ON_THE_NODES = 'runs on the cluster nodes, priced with them';

/** A Kubernetes quantity (`50Gi`, `10G`, `512Mi`) in GiB. */
export function gibibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a Kubernetes storage quantity: '${quantity}'`);
  const factors: Record<string, number> = { Ki: 2 ** -20, Mi: 2 ** -10, Gi: 1, Ti: 2 ** 10, K: 1e3 / 2 ** 30, M: 1e6 / 2 ** 30, G: 1e9 / 2 ** 30, T: 1e12 / 2 ** 30 };
  return Number(match[1]) * (match[2] ? (factors[match[2]] as number) : 1 / 2 ** 30);
}

/**
 * The persistent volumes a chart's values or an object ask for, wherever they sit: a claim spec
 * (`resources.requests.storage`, as in a `volumeClaimTemplate`) or a chart's `persistence: { enabled, size }`.
 */
export function requestedVolumesGiB(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(requestedVolumesGiB);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, any>;
  const claimed = typeof object.resources?.requests?.storage === 'string' ? [gibibytes(object.resources.requests.storage)] : [];
  const persisted = object.persistence?.enabled === true && typeof object.persistence.size === 'string' ? [gibibytes(object.persistence.size)] : [];
  const nested = Object.entries(object)
    .filter(([key]) => key !== 'persistence')
    .flatMap(([, child]) => requestedVolumesGiB(child));
  return [...claimed, ...persisted, ...nested];
}

function gp3Volumes(volumes: number[]): Line[] {
  return volumes.map((size) => usage(`EBS gp3 volume`, size, 'GiB-month', AWS.ebs.gp3GiBMonth));
}

function byRef(context: PricingContext, reference: unknown): SynthesizedResource | undefined {
  const id = (reference as { Ref?: string } | undefined)?.Ref;
  return context.resources.find((resource) => resource.id === id);
}

const count = (context: PricingContext, type: string) => context.resources.filter((resource) => resource.type === type).length;

const publicSubnets = (context: PricingContext) =>
  context.resources.filter((resource) => resource.type === 'AWS::EC2::Subnet' && resource.properties.MapPublicIpOnLaunch === true).length;

function ec2Instance(type: string) {
  return (AWS.ec2 as Record<string, { vcpu: number; hourly: number } | undefined>)[type];
}

/** The cheapest of the types the table has a price for; undefined when it has none of them. */
function cheapestPricedType(instanceTypes: readonly string[]): string | undefined {
  return instanceTypes.filter((type) => ec2Instance(type)).sort((a, b) => ec2Instance(a)!.hourly - ec2Instance(b)!.hourly)[0];
}

/** EC2 nodes: the cheapest priced type among those allowed, on-demand or at the assumed Spot fraction. */
function nodeLines(
  context: PricingContext,
  instanceTypes: readonly string[],
  spot: boolean,
  nodes: number,
  maxNodes: number,
): Line[] | { unpriced: string } {
  const type = cheapestPricedType(instanceTypes);
  if (!type) return { unpriced: `EC2 instance types ${instanceTypes.join(', ')}` };
  const fraction = spot ? context.assumptions.ec2SpotFraction : 1;
  const root = context.assumptions.nodeRootVolumeGiB;
  return [
    hourly(`${type} nodes${spot ? ` (Spot at ${fraction} of on-demand)` : ''}`, nodes, ec2Instance(type)!.hourly * fraction, maxNodes),
    { ...usage('node root volumes (gp3)', nodes * root, 'GiB-month', AWS.ebs.gp3GiBMonth), atMaxQuantity: maxNodes * root },
  ];
}

interface NodeRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** Values of a NodePool requirement with operator In. */
function requirement(nodePool: Record<string, any>, key: string): readonly string[] | undefined {
  const requirements = (nodePool.spec?.template?.spec?.requirements ?? []) as NodeRequirement[];
  return requirements.find((entry) => entry.key === key && entry.operator === 'In')?.values;
}

/**
 * The priced EC2 types a NodePool allows: those it names, or those matching its category, family, CPU count,
 * generation and architecture requirements (`c6a.large`: category c, family c6a, generation 6, 2 vCPUs; a `g`
 * after the generation means Graviton, arm64).
 */
function nodePoolInstanceTypes(nodePool: Record<string, any>): string[] {
  const named = requirement(nodePool, 'node.kubernetes.io/instance-type');
  if (named) return [...named];
  const requirements = (nodePool.spec?.template?.spec?.requirements ?? []) as NodeRequirement[];
  const allows = (key: string, value: string | number) =>
    requirements
      .filter((entry) => entry.key === key)
      .every((entry) => {
        const values = entry.values ?? [];
        if (entry.operator === 'In') return values.includes(String(value));
        if (entry.operator === 'NotIn') return !values.includes(String(value));
        if (entry.operator === 'Gt') return Number(value) > Number(values[0]);
        if (entry.operator === 'Lt') return Number(value) < Number(values[0]);
        return true;
      });
  return Object.entries(AWS.ec2)
    .filter(([type, { vcpu }]) => {
      const family = type.split('.')[0] as string;
      const [, category = '', generation = '', attributes = ''] = /^([a-z]+)(\d+)([a-z-]*)$/.exec(family) ?? [];
      return (
        allows('karpenter.k8s.aws/instance-category', category) &&
        allows('karpenter.k8s.aws/instance-family', family) &&
        allows('karpenter.k8s.aws/instance-generation', generation) &&
        allows('karpenter.k8s.aws/instance-cpu', vcpu) &&
        allows('kubernetes.io/arch', attributes.includes('g') ? 'arm64' : 'amd64')
      );
    })
    .map(([type]) => type);
}

function cpuCount(limit: unknown): number {
  const text = String(limit);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

function gceMachine(machineType: string): { vcpu: number; memoryGiB: number; family: { vcpuHourly: number; memoryGiBHourly: number } } | undefined {
  const [familyName, shape, vcpus] = machineType.split('-');
  const family = GCP.compute[familyName ?? ''];
  const memoryPerVcpu = GCE_MEMORY_GIB_PER_VCPU[shape ?? ''];
  if (!family || memoryPerVcpu === undefined || !vcpus) return undefined;
  return { vcpu: Number(vcpus), memoryGiB: Number(vcpus) * memoryPerVcpu, family };
}

const logStorageGiB = (ingestedGiB: number, retentionDays: number | undefined) =>
  // Steady state: a month's ingestion kept for the retention period; "never expire" counted as a year.
  ingestedGiB * (Math.min(retentionDays ?? 365, 365) / 30);

export const PRICING_RULES: Readonly<Record<string, PricingRule>> = {
  // ---- AWS: compute and Kubernetes
  'AWS::EKS::Cluster': {
    service: 'EKS',
    price: (resource, { assumptions }) => {
      const logTypes = resource.properties.Logging?.ClusterLogging?.EnabledTypes ?? [];
      const logs = assumptions.eksControlPlaneLogsGiB;
      return [
        hourly('control plane (standard support)', 1, AWS.eks.clusterHourly),
        ...(logTypes.length > 0
          ? [usage('control-plane logs ingested', logs, 'GiB', AWS.cloudwatch.logsIngestedGiB), usage('control-plane logs stored', logs, 'GiB-month', AWS.cloudwatch.logsStoredGiBMonth)]
          : []),
      ];
    },
  },
  'AWS::EKS::Nodegroup': {
    service: 'EC2 (nodes)',
    price: (resource, context) => {
      const { InstanceTypes = ['t3.medium'], ScalingConfig = {}, CapacityType } = resource.properties;
      const min = ScalingConfig.MinSize ?? ScalingConfig.DesiredSize ?? 1;
      return nodeLines(context, InstanceTypes, CapacityType === 'SPOT', min, ScalingConfig.MaxSize ?? min);
    },
  },
  'Kubernetes NodePool': {
    service: 'EC2 (nodes)',
    price: (resource, context) => {
      const nodePool = resource.properties;
      const types = nodePoolInstanceTypes(nodePool);
      const capacity = requirement(nodePool, 'karpenter.sh/capacity-type') ?? ['on-demand'];
      const cheapest = cheapestPricedType(types);
      const cpuLimit = nodePool.spec?.limits?.cpu;
      if (!cheapest) return { unpriced: types.length > 0 ? `EC2 instance types ${types.join(', ')}` : 'no priced EC2 type meets its requirements' };
      const nodes = valueFor(context.assumptions.karpenter.averageNodes, resource.id);
      // Without a CPU limit Karpenter has no maximum; the at-max figure then equals the average.
      const maxNodes = cpuLimit === undefined ? nodes : Math.floor(cpuCount(cpuLimit) / ec2Instance(cheapest)!.vcpu);
      // Karpenter prefers Spot whenever a pool allows it.
      return nodeLines(context, [cheapest], capacity.includes('spot'), nodes, maxNodes);
    },
  },
  'Kubernetes EC2NodeClass': { free: 'describes how Karpenter launches nodes; the nodes are priced on the NodePool' },
  'AWS::EKS::Addon': { free: ON_THE_NODES },
  'AWS::EKS::AccessEntry': { free: IAM },
  'AWS::EKS::PodIdentityAssociation': { free: IAM },
  'AWS::EC2::LaunchTemplate': { free: 'a template; the instances it launches are priced on their node group' },

  // ---- AWS: network
  'AWS::EC2::NatGateway': {
    service: 'VPC',
    price: (_resource, context) => [
      hourly('NAT gateway', 1, AWS.vpc.natGatewayHourly),
      usage('NAT data processed', context.assumptions.natProcessedGiB / count(context, 'AWS::EC2::NatGateway'), 'GiB', AWS.vpc.natProcessedGiB),
    ],
  },
  'AWS::EC2::EIP': { service: 'VPC', price: () => [hourly('public IPv4 address', 1, AWS.vpc.publicIpv4Hourly)] },
  'AWS::EC2::VPCEndpoint': {
    service: 'VPC',
    price: (resource, { assumptions }) => {
      if (resource.properties.VpcEndpointType !== 'Interface') return [];
      const service = String(resource.properties.ServiceName).split('.').slice(3).join('.');
      return [
        hourly(`interface endpoint ${service} (per AZ)`, (resource.properties.SubnetIds ?? []).length, AWS.vpc.interfaceEndpointAzHourly),
        usage(`interface endpoint ${service} data`, assumptions.interfaceEndpointProcessedGiB, 'GiB', AWS.vpc.interfaceEndpointProcessedGiB),
      ];
    },
  },
  'AWS::EC2::VPC': { free: NETWORK_PLUMBING },
  'AWS::EC2::Subnet': { free: NETWORK_PLUMBING },
  'AWS::EC2::RouteTable': { free: NETWORK_PLUMBING },
  'AWS::EC2::SubnetRouteTableAssociation': { free: NETWORK_PLUMBING },
  'AWS::EC2::Route': { free: NETWORK_PLUMBING },
  'AWS::EC2::InternetGateway': { free: NETWORK_PLUMBING },
  'AWS::EC2::VPCGatewayAttachment': { free: NETWORK_PLUMBING },
  'AWS::EC2::SecurityGroup': { free: NETWORK_PLUMBING },
  'AWS::EC2::SecurityGroupIngress': { free: NETWORK_PLUMBING },
  'AWS::EC2::SecurityGroupEgress': { free: NETWORK_PLUMBING },
  'AWS::EC2::FlowLog': { free: PRICED_ELSEWHERE('the records are priced as ingestion on their log group') },
  'Kubernetes Ingress': {
    service: 'Elastic Load Balancing',
    price: (resource, context) => {
      const annotations = resource.properties.metadata?.annotations ?? {};
      const isAlb = resource.properties.spec?.ingressClassName === 'alb' || Object.keys(annotations).some((key) => key.startsWith('alb.ingress.kubernetes.io/'));
      if (!isAlb) return { unpriced: `Kubernetes Ingress of class ${String(resource.properties.spec?.ingressClassName)}` };
      const internetFacing = annotations['alb.ingress.kubernetes.io/scheme'] === 'internet-facing';
      return [
        hourly('Application Load Balancer', 1, AWS.elb.albHourly),
        hourly('ALB capacity units', context.assumptions.loadBalancerCapacityUnits, AWS.elb.albLcuHourly),
        ...(internetFacing ? [hourly('ALB public IPv4 addresses (one per public subnet)', publicSubnets(context), AWS.vpc.publicIpv4Hourly)] : []),
      ];
    },
  },
  'Kubernetes Service': {
    service: 'Elastic Load Balancing',
    price: (resource, context) =>
      resource.properties.spec?.type === 'LoadBalancer'
        ? [hourly('Network Load Balancer', 1, AWS.elb.nlbHourly), hourly('NLB capacity units', context.assumptions.loadBalancerCapacityUnits, AWS.elb.nlbLcuHourly)]
        : [],
  },

  // ---- AWS: data
  'AWS::RDS::DBCluster': {
    service: 'Aurora',
    price: (resource, { assumptions }) => {
      const rates = resource.properties.StorageType === 'aurora-iopt1' ? AWS.aurora.ioOptimized : AWS.aurora.standard;
      const { storageGiB, ioRequestsMillions, dataApiRequestsMillions, exportedLogsGiB } = assumptions.database;
      return [
        usage('storage', storageGiB, 'GiB-month', rates.storageGiBMonth),
        ...(rates.ioMillion > 0 ? [usage('I/O requests', ioRequestsMillions, 'M requests', rates.ioMillion)] : []),
        ...(resource.properties.EnableHttpEndpoint ? [usage('Data API requests', dataApiRequestsMillions, 'M requests', AWS.aurora.dataApiMillion)] : []),
        ...((resource.properties.EnableCloudwatchLogsExports ?? []).length > 0
          ? [usage('exported logs ingested', exportedLogsGiB, 'GiB', AWS.cloudwatch.logsIngestedGiB)]
          : []),
      ];
    },
  },
  'AWS::RDS::DBInstance': {
    service: 'Aurora',
    price: (resource, context) => {
      if (resource.properties.DBInstanceClass !== 'db.serverless') return { unpriced: `RDS instance class ${String(resource.properties.DBInstanceClass)}` };
      const cluster = byRef(context, resource.properties.DBClusterIdentifier);
      const scaling = cluster?.properties.ServerlessV2ScalingConfiguration ?? { MinCapacity: 0.5, MaxCapacity: 1 };
      const rates = cluster?.properties.StorageType === 'aurora-iopt1' ? AWS.aurora.ioOptimized : AWS.aurora.standard;
      const { averageAcu, pausedFraction } = context.assumptions.database;
      const running = scaling.MinCapacity === 0 ? 1 - pausedFraction : 1;
      const acu = Math.max(scaling.MinCapacity, averageAcu) * running;
      return [{ ...hourly(`Serverless v2 (${scaling.MinCapacity}-${scaling.MaxCapacity} ACU)`, acu, rates.acuHourly, scaling.MaxCapacity), unit: 'ACU-h' }];
    },
  },
  'AWS::RDS::DBSubnetGroup': { free: NETWORK_PLUMBING },
  'AWS::RDS::DBClusterParameterGroup': { free: 'configuration' },
  'AWS::RDS::DBParameterGroup': { free: 'configuration' },
  'AWS::DynamoDB::GlobalTable': {
    service: 'DynamoDB',
    price: (resource, { assumptions }) => {
      const { writeRequestsMillions, readRequestsMillions, storageGiB } = assumptions.dynamodb;
      if (resource.properties.BillingMode !== 'PAY_PER_REQUEST') return { unpriced: `DynamoDB billing mode ${String(resource.properties.BillingMode)}` };
      return (resource.properties.Replicas ?? [{}]).flatMap((replica: Record<string, any>) => [
        usage(`write requests (${replica.Region ?? 'stack region'})`, writeRequestsMillions, 'M requests', AWS.dynamodb.writeRequestMillion),
        usage('read requests', readRequestsMillions, 'M requests', AWS.dynamodb.readRequestMillion),
        usage('storage', storageGiB, 'GiB-month', AWS.dynamodb.storageGiBMonth),
        ...(replica.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled
          ? [usage('point-in-time recovery', storageGiB, 'GiB-month', AWS.dynamodb.pointInTimeRecoveryGiBMonth)]
          : []),
      ]);
    },
  },
  'AWS::MSK::Cluster': {
    service: 'MSK',
    price: (resource) => {
      const { NumberOfBrokerNodes: brokers, BrokerNodeGroupInfo: group } = resource.properties;
      const brokerHourly = AWS.msk.brokerHourly[group.InstanceType];
      if (brokerHourly === undefined) return { unpriced: `MSK broker type ${String(group.InstanceType)}` };
      const volume = group.StorageInfo?.EBSStorageInfo?.VolumeSize ?? 1000;
      return [hourly(`${group.InstanceType} brokers`, brokers, brokerHourly), usage('broker storage', brokers * volume, 'GiB-month', AWS.msk.storageGiBMonth)];
    },
  },
  'AWS::MSK::ServerlessCluster': {
    service: 'MSK',
    price: (_resource, context) => {
      const partitions = context.resources
        .filter((resource) => resource.type === 'AWS::MSK::Topic')
        .reduce((sum, topic) => sum + Number(topic.properties.NumPartitions ?? 1), 0);
      const { dataInGiB, dataOutGiB } = context.assumptions.mskServerless;
      return [
        hourly('serverless cluster', 1, AWS.msk.serverless.clusterHourly),
        hourly('partitions', partitions, AWS.msk.serverless.partitionHourly),
        usage('data in', dataInGiB, 'GiB', AWS.msk.serverless.dataInGiB),
        usage('data out', dataOutGiB, 'GiB', AWS.msk.serverless.dataOutGiB),
      ];
    },
  },
  'AWS::MSK::Configuration': { free: 'configuration' },
  'AWS::MSK::Topic': { free: PRICED_ELSEWHERE('its data is on the brokers\' storage') },
  'AWS::S3::Bucket': {
    service: 'S3',
    price: (resource, { assumptions }) => {
      const { storageGiB, putThousands, getThousands } = valueFor(assumptions.s3, resource.id);
      return [
        usage('Standard storage', storageGiB, 'GiB-month', AWS.s3.standardGiBMonth),
        usage('PUT/LIST requests', putThousands, 'k requests', AWS.s3.putThousand),
        usage('GET requests', getThousands, 'k requests', AWS.s3.getThousand),
      ];
    },
  },
  'AWS::S3::BucketPolicy': { free: IAM },
  'AWS::OpenSearchService::Domain': {
    service: 'OpenSearch',
    price: (resource) => {
      const { ClusterConfig: cluster = {}, EBSOptions: ebs = {} } = resource.properties;
      const instances = cluster.InstanceCount ?? 1;
      const types = [cluster.InstanceType ?? 'r5.large.search', ...(cluster.DedicatedMasterEnabled ? [cluster.DedicatedMasterType] : [])];
      const missing = types.find((type) => AWS.opensearch.instanceHourly[type] === undefined);
      if (missing) return { unpriced: `OpenSearch instance type ${String(missing)}` };
      const storage = ebs.EBSEnabled === false ? 0 : (ebs.VolumeSize ?? 10) * instances;
      return [
        hourly(`${types[0]} data nodes`, instances, AWS.opensearch.instanceHourly[types[0]] as number),
        ...(cluster.DedicatedMasterEnabled
          ? [hourly(`${cluster.DedicatedMasterType} dedicated masters`, cluster.DedicatedMasterCount ?? 3, AWS.opensearch.instanceHourly[cluster.DedicatedMasterType] as number)]
          : []),
        usage(`EBS ${ebs.VolumeType ?? 'gp3'}`, storage, 'GiB-month', ebs.VolumeType === 'gp2' ? AWS.opensearch.gp2GiBMonth : AWS.opensearch.gp3GiBMonth),
      ];
    },
  },

  // ---- AWS: serverless, identity, edge, messaging
  'AWS::Lambda::Function': {
    service: 'Lambda',
    price: (resource, { assumptions }) => {
      const { invocationsMillions, averageDurationMs } = valueFor(assumptions.lambda, resource.id);
      const memoryGiB = (resource.properties.MemorySize ?? 128) / 1024;
      const arm = (resource.properties.Architectures ?? []).includes('arm64');
      return [
        usage('requests', invocationsMillions, 'M requests', AWS.lambda.requestMillion),
        usage('compute', invocationsMillions * 1e6 * (averageDurationMs / 1000) * memoryGiB, 'GiB-s', arm ? AWS.lambda.arm64GiBSecond : AWS.lambda.x86GiBSecond),
      ];
    },
  },
  'AWS::Lambda::LayerVersion': { free: 'layer storage is a few MB of the account\'s free code storage' },
  'AWS::Lambda::Permission': { free: IAM },
  'AWS::Lambda::EventInvokeConfig': { free: 'configuration' },
  'AWS::Cognito::UserPool': {
    service: 'Cognito',
    price: (resource, { assumptions }) => {
      const tier = String(resource.properties.UserPoolTier ?? 'ESSENTIALS');
      const rates = AWS.cognito[tier];
      if (!rates) return { unpriced: `Cognito tier ${tier}` };
      const billable = Math.max(0, assumptions.cognitoMonthlyActiveUsers - rates.includedMau);
      return [usage(`${tier} monthly active users beyond ${rates.includedMau} included`, billable, 'MAU', rates.mau)];
    },
  },
  'AWS::Cognito::UserPoolDomain': { free: 'part of the user pool' },
  'AWS::Cognito::UserPoolClient': { free: 'part of the user pool' },
  'AWS::Cognito::UserPoolGroup': { free: 'part of the user pool' },
  'AWS::WAFv2::WebACL': {
    service: 'WAF',
    price: (resource, { assumptions }) => [
      usage('web ACL', 1, 'ACL-month', AWS.waf.webAclMonth),
      usage('rules (a managed rule group counts as one)', (resource.properties.Rules ?? []).length, 'rule-month', AWS.waf.ruleMonth),
      usage('requests', assumptions.wafRequestsMillions, 'M requests', AWS.waf.requestMillion),
    ],
  },
  'AWS::WAFv2::LoggingConfiguration': { free: PRICED_ELSEWHERE('the logs are priced on their log group') },
  'AWS::WAFv2::WebACLAssociation': { free: 'part of the web ACL' },
  'AWS::Logs::LogGroup': {
    service: 'CloudWatch Logs',
    price: (resource, { assumptions }) => {
      const ingested = valueFor(assumptions.logGroupIngestedGiB, resource.id);
      return [
        usage('ingested', ingested, 'GiB', AWS.cloudwatch.logsIngestedGiB),
        usage(`stored (${resource.properties.RetentionInDays ?? 'no'} days retention)`, logStorageGiB(ingested, resource.properties.RetentionInDays), 'GiB-month', AWS.cloudwatch.logsStoredGiBMonth),
      ];
    },
  },
  'AWS::Logs::ResourcePolicy': { free: IAM },
  'AWS::Logs::SubscriptionFilter': { free: 'configuration' },
  'AWS::CloudWatch::Alarm': { service: 'CloudWatch', price: () => [usage('alarm', 1, 'alarm-month', AWS.cloudwatch.alarmMonth)] },
  'AWS::KMS::Key': { service: 'KMS', price: () => [usage('customer managed key', 1, 'key-month', AWS.kms.keyMonth)] },
  'AWS::KMS::Alias': { free: 'part of the key' },
  'AWS::SecretsManager::Secret': {
    service: 'Secrets Manager',
    price: (_resource, { assumptions }) => [
      usage('secret', 1, 'secret-month', AWS.secretsManager.secretMonth),
      usage('API calls', assumptions.secretsManagerApiCallsTenThousands, '×10k calls', AWS.secretsManager.apiCallTenThousand),
    ],
  },
  'AWS::SecretsManager::SecretTargetAttachment': { free: 'part of the secret' },
  'AWS::SQS::Queue': {
    service: 'SQS',
    price: (_resource, { assumptions }) => [usage('requests', assumptions.sqsRequestsMillions, 'M requests', AWS.sqs.requestMillion)],
  },
  'AWS::SQS::QueuePolicy': { free: IAM },
  'AWS::Events::Rule': { free: 'rules, and the AWS service events they match on the default bus, cost nothing' },
  'AWS::SSM::Parameter': {
    service: 'Systems Manager',
    price: (resource) => (resource.properties.Tier === 'Advanced' ? [usage('advanced parameter', 1, 'parameter-month', AWS.ssm.advancedParameterMonth)] : []),
  },
  'AWS X-Ray': {
    service: 'X-Ray',
    price: (_resource, { assumptions }) => [
      usage('traces recorded', assumptions.xray.tracesRecordedMillions, 'M traces', AWS.xray.tracesRecordedMillion),
      usage('traces scanned', assumptions.xray.tracesScannedMillions, 'M traces', AWS.xray.tracesScannedMillion),
    ],
  },
  'AWS::XRay::SamplingRule': { free: 'configuration' },
  'AWS::XRay::Group': { free: 'configuration (X-Ray Insights is off)' },
  'AWS::SNS::Topic': { free: 'alert notifications: the first million publishes and 1,000 email deliveries a month are free' },
  'AWS::SNS::Subscription': { free: 'part of the topic' },
  'AWS::SNS::TopicPolicy': { free: 'part of the topic' },
  'AWS::IAM::Role': { free: IAM },
  'AWS::IAM::Policy': { free: IAM },
  'AWS::IAM::ManagedPolicy': { free: IAM },
  'AWS::IAM::OIDCProvider': { free: IAM },
  'AWS::IAM::InstanceProfile': { free: IAM },
  'AWS::IAM::ServiceLinkedRole': { free: IAM },
  'AWS::CDK::Metadata': { free: 'CDK bookkeeping' },

  // ---- Kubernetes objects on the nodes
  'Kubernetes PersistentVolumeClaim': { service: 'EBS (volumes)', price: (resource) => gp3Volumes(requestedVolumesGiB(resource.properties.spec)) },
  'Kubernetes StatefulSet': {
    service: 'EBS (volumes)',
    price: (resource) =>
      gp3Volumes(requestedVolumesGiB(resource.properties.spec?.volumeClaimTemplates ?? []).flatMap((size) => Array<number>(resource.properties.spec?.replicas ?? 1).fill(size))),
  },
  'Kubernetes Namespace': { free: ON_THE_NODES },
  'Kubernetes Deployment': { free: ON_THE_NODES },
  'Kubernetes DaemonSet': { free: ON_THE_NODES },
  'Kubernetes Job': { free: ON_THE_NODES },
  'Kubernetes CronJob': { free: ON_THE_NODES },
  'Kubernetes HorizontalPodAutoscaler': { free: ON_THE_NODES },
  'Kubernetes PodDisruptionBudget': { free: ON_THE_NODES },
  'Kubernetes ServiceAccount': { free: ON_THE_NODES },
  'Kubernetes NetworkPolicy': { free: ON_THE_NODES },
  'Kubernetes ConfigMap': { free: ON_THE_NODES },
  'Kubernetes Secret': { free: ON_THE_NODES },
  'Kubernetes Role': { free: ON_THE_NODES },
  'Kubernetes RoleBinding': { free: ON_THE_NODES },
  'Kubernetes ClusterRole': { free: ON_THE_NODES },
  'Kubernetes ClusterRoleBinding': { free: ON_THE_NODES },
  'Kubernetes ServiceMonitor': { free: ON_THE_NODES },
  'Kubernetes PodMonitor': { free: ON_THE_NODES },
  'Kubernetes PrometheusRule': { free: ON_THE_NODES },
  'Kubernetes ScrapeConfig': { free: ON_THE_NODES },
  'Kubernetes Alertmanager': { free: ON_THE_NODES },
  'Kubernetes Prometheus': { free: PRICED_ELSEWHERE('its volume is priced where its chart asks for it') },
  'Kubernetes Application': { free: 'an Argo CD object; a chart it installs is priced as that chart' },
  'Kubernetes AppProject': { free: ON_THE_NODES },
  'Kubernetes StorageClass': { free: PRICED_ELSEWHERE('volumes are priced on their claims') },
  'Kubernetes IngressClass': { free: ON_THE_NODES },
  'Kubernetes CustomResourceDefinition': { free: ON_THE_NODES },
  'Kubernetes OpenTelemetryCollector': { free: ON_THE_NODES },

  // ---- Helm charts: their pods run on the nodes; volumes their values ask for are EBS
  ...Object.fromEntries(
    ['kube-prometheus-stack', 'argo-cd', 'karpenter', 'fluent-bit', 'aws-for-fluent-bit', 'opentelemetry-collector', 'opentelemetry-operator', 'aws-load-balancer-controller', 'metrics-server', 'adot-exporter-for-eks-on-ec2'].map(
      (chart): [string, PricingRule] => [`Helm ${chart}`, { service: 'EBS (volumes)', price: (resource) => gp3Volumes(requestedVolumesGiB(resource.properties.values)) }],
    ),
  ),

  // ---- GCP and the AWS half of the cross-cloud link (Terraform)
  google_dataproc_cluster: {
    service: 'Dataproc',
    price: (resource, { assumptions }) => {
      const config = resource.properties.cluster_config ?? {};
      // Dataproc's defaults: one master, two workers, no secondary workers.
      const groups = [
        { role: 'master', group: config.master_config ?? {}, instances: config.master_config?.num_instances ?? 1, spot: false },
        { role: 'worker', group: config.worker_config ?? {}, instances: config.worker_config?.num_instances ?? 2, spot: false },
        { role: 'secondary worker', group: config.preemptible_worker_config ?? {}, instances: config.preemptible_worker_config?.num_instances ?? 0, spot: true },
      ].filter(({ instances }) => instances > 0);
      const hours = assumptions.dataproc.hoursPerMonth;
      const lines: Line[] = [];
      for (const { role, group, instances, spot } of groups) {
        const machineType = String(group.machine_type ?? 'n2-standard-4');
        const machine = gceMachine(machineType);
        if (!machine) return { unpriced: `Compute Engine machine type ${machineType}` };
        const diskType = String(group.disk_config?.boot_disk_type ?? 'pd-standard');
        const diskPrice = GCP.persistentDisk[diskType];
        if (diskPrice === undefined) return { unpriced: `persistent disk type ${diskType}` };
        const vmHourly = (machine.vcpu * machine.family.vcpuHourly + machine.memoryGiB * machine.family.memoryGiBHourly) * (spot ? GCP.spotFraction : 1);
        lines.push(
          usage(`${role} ${machineType} VMs`, instances * hours, 'h', vmHourly),
          usage(`${role} Dataproc premium`, instances * machine.vcpu * hours, 'vCPU-h', GCP.dataproc.vcpuHourly),
          usage(`${role} ${diskType} boot disks`, instances * (group.disk_config?.boot_disk_size_gb ?? 500) * (hours / HOURS), 'GiB-month', diskPrice),
        );
      }
      return lines;
    },
  },
  google_storage_bucket: {
    service: 'Cloud Storage',
    price: (resource, { assumptions }) => {
      const storageClass = String(resource.properties.storage_class ?? 'STANDARD');
      const price = GCP.storage[storageClass];
      if (price === undefined) return { unpriced: `Cloud Storage class ${storageClass}` };
      return [usage(`${storageClass} storage`, valueFor(assumptions.gcsStoredGiB, String(resource.properties.name)), 'GiB-month', price)];
    },
  },
  google_compute_vpn_tunnel: {
    service: 'Cloud VPN',
    price: (_resource, context) => [
      hourly('HA VPN tunnel', 1, GCP.vpn.tunnelHourly),
      usage('egress to AWS (share of the tunnels)', context.assumptions.crossCloud.gcpToAwsGiB / count(context, 'google_compute_vpn_tunnel'), 'GiB', GCP.egressGiB),
    ],
  },
  google_dns_managed_zone: {
    service: 'Cloud DNS',
    price: (_resource, { assumptions }) => [usage('managed zone', 1, 'zone-month', GCP.dns.managedZoneMonth), usage('queries', assumptions.crossCloud.dnsQueriesMillions, 'M queries', GCP.dns.queryMillion)],
  },
  google_monitoring_alert_policy: {
    service: 'Cloud Monitoring',
    price: (resource) => [usage('alert policy conditions', (resource.properties.conditions ?? []).length, 'condition-month', GCP.monitoring.alertConditionMonth)],
  },
  google_compute_router_nat: {
    service: 'Cloud NAT',
    price: (_resource, context) => {
      const vms = context.resources
        .filter((resource) => resource.type === 'google_dataproc_cluster')
        .reduce((sum, cluster) => {
          const config = cluster.properties.cluster_config ?? {};
          return sum + (config.master_config?.num_instances ?? 1) + (config.worker_config?.num_instances ?? 0);
        }, 0);
      return [hourly('NAT per VM', vms, GCP.nat.vmHourly)];
    },
  },
  google_compute_address: {
    service: 'Compute Engine',
    price: (resource) => (resource.properties.address_type === 'INTERNAL' ? [] : [hourly('static external IP', 1, GCP.staticExternalIpHourly)]),
  },
  google_compute_router: { free: 'Cloud Router used for HA VPN BGP has no charge' },
  google_compute_router_interface: { free: 'part of the Cloud Router' },
  google_compute_router_peer: { free: 'part of the Cloud Router' },
  google_compute_ha_vpn_gateway: { free: PRICED_ELSEWHERE('billed per tunnel') },
  google_compute_external_vpn_gateway: { free: 'a description of the AWS end' },
  google_compute_network: { free: NETWORK_PLUMBING },
  google_compute_subnetwork: { free: NETWORK_PLUMBING },
  google_compute_firewall: { free: NETWORK_PLUMBING },
  google_service_account: { free: IAM },
  google_service_account_iam_member: { free: IAM },
  google_project_iam_member: { free: IAM },
  google_storage_bucket_iam_member: { free: IAM },
  google_storage_bucket_object: { free: PRICED_ELSEWHERE('stored data is priced on its bucket') },
  google_project_service: { free: 'enabling an API costs nothing' },
  google_monitoring_notification_channel: { free: 'email notification channels cost nothing' },
  google_monitoring_dashboard: { free: 'dashboards cost nothing' },
  aws_vpn_connection: {
    service: 'Site-to-Site VPN',
    price: (_resource, context) => [
      hourly('VPN connection (two tunnels)', 1, AWS.siteToSiteVpn.connectionHourly),
      usage('data out to GCP (share of the connections)', context.assumptions.crossCloud.awsToGcpGiB / count(context, 'aws_vpn_connection'), 'GiB', AWS.dataTransferOutGiB),
    ],
  },
  aws_route53_resolver_endpoint: {
    service: 'Route 53 Resolver',
    price: (resource, { assumptions }) => [
      hourly('inbound endpoint addresses', (resource.properties.ip_address ?? []).length, AWS.route53Resolver.endpointIpHourly),
      usage('queries from GCP', assumptions.crossCloud.dnsQueriesMillions, 'M queries', AWS.route53Resolver.queryMillion),
    ],
  },
  aws_vpn_gateway: { free: PRICED_ELSEWHERE('billed per VPN connection') },
  aws_customer_gateway: { free: 'a description of the GCP end' },
  aws_vpn_gateway_route_propagation: { free: NETWORK_PLUMBING },
  aws_security_group: { free: NETWORK_PLUMBING },
  aws_vpc_security_group_ingress_rule: { free: NETWORK_PLUMBING },
  aws_vpc_security_group_egress_rule: { free: NETWORK_PLUMBING },
  aws_iam_role: { free: IAM },
  aws_iam_role_policy: { free: IAM },
};

/**
 * The rule for a type; CloudFormation custom resources (`Custom::*`) are free as such: what they cost is their
 * handler Lambda, priced as a function.
 */
export function pricingRuleFor(type: string): PricingRule | undefined {
  if (type.startsWith('Custom::')) return { free: PRICED_ELSEWHERE('its handler is priced as a Lambda function') };
  return PRICING_RULES[type];
}
