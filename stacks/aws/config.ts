import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { DeliveryMode } from '../../infra/aws';
import { platformContract, type ServiceName, type TopicName } from '../../contracts/platform';
import type { CapacityType, ContainerResources, CpuAutoscaling, FixedReplicas, LogSearchSizing, NodePoolLimits, TopicSettings } from '../../infra/aws';
import { CROSS_CLOUD_ENVIRONMENTS, type EnvironmentName } from '../cross-cloud';

export type { EnvironmentName } from '../cross-cloud';

/**
 * TLS on the public endpoint: HTTPS on 443 with an ACM certificate, or plain HTTP on 80 asked for by name.
 * `assertEnvironmentConfig` refuses plain HTTP anywhere but dev.
 */
export type GatewayEndpointConfig = { readonly certificateArn: string } | { readonly plainHttpForDevOnly: true };

/** The Cognito user pool shoppers and administrators sign in to. */
export interface IdentityConfig {
  /** Cognito domain prefix of the sign-in pages and token endpoint; unique in the region across AWS accounts. */
  readonly domainPrefix: string;
  /** Where the code flow may return to (the shop's web front end, http://localhost for a CLI in dev). */
  readonly callbackUrls: readonly string[];
  /** Cognito's Plus plan with threat protection enforced. */
  readonly threatProtection: boolean;
  /** Send verification and recovery emails through SES (the notifications sender) rather than Cognito's small quota. */
  readonly emailThroughSes: boolean;
  readonly deletionProtection: boolean;
  /** What happens to the pool, with every account in it, when it leaves the stack. */
  readonly removalPolicy: RemovalPolicy;
}

/** The WAF web ACL in front of the public endpoint; its counts hold across all gateway replicas. */
export interface FirewallConfig {
  /** Requests per client IP per window. */
  readonly requestsPerClientIp: number;
  /** Requests per Authorization header value (one access token) per window. */
  readonly requestsPerAuthorization: number;
  /** 1, 2, 5 or 10 minutes. */
  readonly rateWindow: Duration;
}

/** Everything that differs between environments. The stack reads only this; constructs never read the environment. */
export interface ShopEnvironmentConfig {
  readonly name: EnvironmentName;
  /**
   * Account to deploy to. Left undefined, the stack is account-agnostic and deploys to the CLI's current account.
   * Setting it makes availability-zone lookups concrete, which needs credentials once to fill cdk.context.json.
   */
  readonly account?: string;
  readonly region: string;
  /** Policy for stateful resources (logs, buckets, table, Kafka) when they leave the stack. */
  readonly statefulRemovalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly network: {
    /** The VPC's range, one per environment (stacks/cross-cloud.ts, which the GCP side routes to). */
    readonly cidr: string;
    readonly availabilityZones: readonly string[];
    readonly natGateways: number;
    readonly interfaceEndpoints: boolean;
  };
  /** The managed node group runs the system add-ons and Karpenter; Karpenter's NodePool runs the rest. */
  readonly cluster: {
    readonly nodeInstanceType: ec2.InstanceType;
    readonly minNodes: number;
    readonly maxNodes: number;
    readonly apiPublicAccessCidrs: readonly string[];
    readonly administratorRoleArns: readonly string[];
  };
  /** Karpenter's NodePool. The capacity test (test/infra/aws/node-capacity.test.ts) checks that its limits fit every HPA at its maximum. */
  readonly nodeAutoscaling: {
    readonly limits: NodePoolLimits;
    readonly capacityTypes: readonly CapacityType[];
    readonly instanceCategories: readonly string[];
    readonly instanceCpus: readonly number[];
  };
  readonly database: {
    readonly minCapacity: number;
    readonly maxCapacity: number;
    readonly readerInSecondAz: boolean;
    readonly deletionProtection: boolean;
    readonly backupRetentionDays: number;
    /** What happens to the cluster when it leaves the stack (SNAPSHOT keeps a final snapshot). */
    readonly removalPolicy: RemovalPolicy;
  };
  readonly products: { readonly deletionProtection: boolean };
  readonly events: {
    readonly brokerInstanceType: string;
    readonly brokerVolumeGiB: number;
    /** The platform contract's topics, with this environment's partition counts. */
    readonly topics: Readonly<Record<TopicName, TopicSettings>>;
  };
  readonly catalog: {
    readonly reservedConcurrency: number;
    readonly noncurrentVersionRetentionDays: number;
  };
  readonly notifications: {
    /** The SES identity (verified domain or address) notifications are sent from; the only one they may use. */
    readonly senderIdentity: string;
    /** The From address, under that identity. */
    readonly from: string;
  };
  /** Replicas per service; the seed's scaling, the same in every environment unless a reason says otherwise. */
  readonly scaling: Readonly<Record<ServiceName, FixedReplicas | CpuAutoscaling>>;
  /** What each service's container requests (and is limited to, for memory). */
  readonly serviceResources: ContainerResources;
  /** Prometheus (kube-prometheus-stack), the trace collector and the log search domain (issue 11). */
  readonly observability: {
    readonly prometheusRetention: Duration;
    readonly prometheusVolumeGiB: number;
    readonly traceCollectorReplicas: number;
    readonly logSearch: LogSearchSizing;
    /** The on-call address every firing alert is mailed to (SNS email subscription; confirm its first mail). */
    readonly alertEmail: string;
  };
  readonly gatewayEndpoint: GatewayEndpointConfig;
  /** How the workloads reach the cluster: applied by CloudFormation, or rendered to deploy/<env>/ for Argo CD (docs/deploy.md). */
  readonly delivery: DeliveryMode;
  readonly identity: IdentityConfig;
  readonly firewall: FirewallConfig;
}

/** Checks what the types cannot: prod (and any environment but dev) serves HTTPS only. */
export function assertEnvironmentConfig(config: ShopEnvironmentConfig): void {
  if (config.name !== 'dev' && !('certificateArn' in config.gatewayEndpoint)) {
    throw new Error(
      `Environment '${config.name}': gatewayEndpoint must name an ACM certificate ({ certificateArn }); plain HTTP ({ plainHttpForDevOnly: true }) is allowed in dev only`,
    );
  }
}

/**
 * The contract's topics with their retention; partitions as the contract says unless this environment needs more
 * consumers in parallel. Fewer would break the contract and cannot be applied to an existing topic anyway.
 */
function contractTopics(morePartitions: { readonly [topic in TopicName]?: number }): Record<TopicName, TopicSettings> {
  return Object.fromEntries(
    Object.values(platformContract.topics).map(({ name, partitions, retentionHours }) => {
      const declared = morePartitions[name] ?? partitions;
      if (declared < partitions) {
        throw new Error(`topic '${name}': the platform contract needs at least ${partitions} partitions, got ${declared}`);
      }
      return [name, { partitions: declared, retention: Duration.hours(retentionHours) }];
    }),
  ) as Record<TopicName, TopicSettings>;
}

const SEED_SCALING: ShopEnvironmentConfig['scaling'] = {
  gateway: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70 },
  users: { replicas: 2 },
  products: { replicas: 2 },
  orders: { minReplicas: 2, maxReplicas: 8, targetCpuUtilization: 70 },
  notifications: { replicas: 1 },
};

/** A quarter of a vCPU and 256 MiB per replica: the seed's services idle far below it and scale out on CPU. */
const SERVICE_RESOURCES: ContainerResources = { cpuMillicores: 250, memoryMiB: 256 };

export const dev: ShopEnvironmentConfig = {
  name: 'dev',
  region: CROSS_CLOUD_ENVIRONMENTS.dev.aws.region,
  statefulRemovalPolicy: RemovalPolicy.DESTROY,
  logRetention: logs.RetentionDays.ONE_WEEK,
  // One NAT and no interface endpoints: at dev traffic, the endpoints' hourly price exceeds the NAT processing they save.
  network: {
    cidr: CROSS_CLOUD_ENVIRONMENTS.dev.aws.vpcCidr,
    availabilityZones: CROSS_CLOUD_ENVIRONMENTS.dev.aws.availabilityZones,
    natGateways: 1,
    interfaceEndpoints: false,
  },
  // Two system nodes, one per zone: Karpenter's two replicas must not share a node, and nothing else grows this group.
  cluster: {
    nodeInstanceType: new ec2.InstanceType('t3.medium'),
    minNodes: 2,
    maxNodes: 2,
    apiPublicAccessCidrs: [],
    administratorRoleArns: [],
  },
  // Spot where offered: a dev node's loss costs a reschedule, and spot is about a third of the on-demand price.
  nodeAutoscaling: {
    limits: { cpu: 8, memoryGiB: 32 },
    capacityTypes: ['spot', 'on-demand'],
    instanceCategories: ['c', 'm'],
    instanceCpus: [2, 4],
  },
  database: {
    minCapacity: 0,
    maxCapacity: 2,
    readerInSecondAz: false,
    deletionProtection: false,
    backupRetentionDays: 1,
    removalPolicy: RemovalPolicy.DESTROY,
  },
  products: { deletionProtection: false },
  events: {
    brokerInstanceType: 'kafka.t3.small',
    brokerVolumeGiB: 10,
    topics: contractTopics({}),
  },
  catalog: { reservedConcurrency: 1, noncurrentVersionRetentionDays: 7 },
  // Placeholder: replace with a domain verified in SES in the target account.
  notifications: { senderIdentity: 'example.com', from: 'shop@example.com' },
  scaling: SEED_SCALING,
  serviceResources: SERVICE_RESOURCES,
  // One small search node without replicas and a week of logs: the cheapest domain that still has encryption at rest.
  observability: {
    prometheusRetention: Duration.days(15),
    prometheusVolumeGiB: 20,
    traceCollectorReplicas: 1,
    logSearch: { instanceType: 't3.small.search', dataNodes: 1, volumeGiB: 10, retentionDays: 7 },
    // Placeholder: replace with the team's on-call address.
    alertEmail: 'oncall@example.com',
  },
  // No certificate in dev until one is issued for its domain: plain HTTP, said so explicitly.
  gatewayEndpoint: { plainHttpForDevOnly: true },
  // A deploy applies the charts at once: the quick loop for trying a change.
  delivery: { mode: 'direct' },
  identity: {
    // Placeholder: replace with a prefix of your own (Cognito domain prefixes are unique per region).
    domainPrefix: 'cloud-shop-dev-example',
    callbackUrls: ['http://localhost/callback'],
    threatProtection: false,
    emailThroughSes: false,
    deletionProtection: false,
    removalPolicy: RemovalPolicy.DESTROY,
  },
  firewall: { requestsPerClientIp: 2000, requestsPerAuthorization: 1000, rateWindow: Duration.minutes(5) },
};

export const prod: ShopEnvironmentConfig = {
  name: 'prod',
  region: CROSS_CLOUD_ENVIRONMENTS.prod.aws.region,
  statefulRemovalPolicy: RemovalPolicy.RETAIN,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  network: {
    cidr: CROSS_CLOUD_ENVIRONMENTS.prod.aws.vpcCidr,
    availabilityZones: CROSS_CLOUD_ENVIRONMENTS.prod.aws.availabilityZones,
    // One NAT per zone: losing a zone leaves the other two their egress.
    natGateways: 3,
    interfaceEndpoints: true,
  },
  cluster: {
    nodeInstanceType: new ec2.InstanceType('m6i.large'),
    minNodes: 2,
    maxNodes: 2,
    apiPublicAccessCidrs: [],
    administratorRoleArns: [],
  },
  // On-demand only: a spot reclaim of several nodes at once would take replicas of every service with it.
  nodeAutoscaling: {
    limits: { cpu: 16, memoryGiB: 64 },
    capacityTypes: ['on-demand'],
    instanceCategories: ['c', 'm'],
    instanceCpus: [2, 4],
  },
  database: {
    minCapacity: 0.5,
    maxCapacity: 16,
    readerInSecondAz: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    removalPolicy: RemovalPolicy.SNAPSHOT,
  },
  products: { deletionProtection: true },
  events: {
    brokerInstanceType: 'kafka.m7g.large',
    brokerVolumeGiB: 100,
    // Room for more consumers in parallel than dev needs; partitions can be added later but never removed.
    topics: contractTopics({ orders: 6, 'analytics-results': 3 }),
  },
  catalog: { reservedConcurrency: 5, noncurrentVersionRetentionDays: 90 },
  notifications: { senderIdentity: 'example.com', from: 'shop@example.com' },
  scaling: SEED_SCALING,
  serviceResources: SERVICE_RESOURCES,
  // Two data nodes over two zones (each index replicated) with dedicated masters, and a month of logs.
  observability: {
    prometheusRetention: Duration.days(30),
    prometheusVolumeGiB: 100,
    traceCollectorReplicas: 2,
    logSearch: {
      instanceType: 'r7g.large.search',
      dataNodes: 2,
      volumeGiB: 100,
      retentionDays: 30,
      dedicatedMasterInstanceType: 'm7g.large.search',
    },
    // Placeholder: replace with the team's on-call address.
    alertEmail: 'oncall@example.com',
  },
  // Placeholder: replace with the ACM certificate of the shop's API domain in the target account and region.
  gatewayEndpoint: { certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000' },
  // Every workload change is a reviewed commit under deploy/prod, synced by Argo CD. Placeholders: this repository's
  // clone URL and the account prod deploys to (whose CDK asset repository holds the images the manifests name).
  delivery: {
    mode: 'gitops',
    repoUrl: 'https://github.com/example/cloud-shop.git',
    targetRevision: 'main',
    path: 'deploy/prod',
    account: '111122223333',
  },
  identity: {
    // Placeholders: replace with a prefix of your own and the shop's web front end.
    domainPrefix: 'cloud-shop-prod-example',
    callbackUrls: ['https://shop.example.com/callback'],
    threatProtection: true,
    emailThroughSes: true,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  },
  // Shoppers behind one NAT (an office, a mobile carrier) share an address, so the per-IP limit is the looser one.
  firewall: { requestsPerClientIp: 6000, requestsPerAuthorization: 3000, rateWindow: Duration.minutes(5) },
};

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, ShopEnvironmentConfig>> = { dev, prod };
