import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { platformContract, type ServiceName, type TopicName } from '../../contracts/platform';
import type { CpuAutoscaling, FixedReplicas, TopicSettings } from '../../infra/aws';

export type EnvironmentName = 'dev' | 'prod';

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
    readonly natGateways: number;
    readonly interfaceEndpoints: boolean;
  };
  readonly cluster: {
    readonly nodeInstanceType: ec2.InstanceType;
    readonly minNodes: number;
    readonly maxNodes: number;
    readonly apiPublicAccessCidrs: readonly string[];
    readonly administratorRoleArns: readonly string[];
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
  /**
   * ACM certificate for TLS on the gateway's load balancer.
   * @default - plain HTTP on port 80
   */
  readonly gatewayCertificateArn?: string;
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

export const dev: ShopEnvironmentConfig = {
  name: 'dev',
  region: 'us-east-1',
  statefulRemovalPolicy: RemovalPolicy.DESTROY,
  logRetention: logs.RetentionDays.ONE_WEEK,
  // One NAT and no interface endpoints: at dev traffic, the endpoints' hourly price exceeds the NAT processing they save.
  network: { natGateways: 1, interfaceEndpoints: false },
  cluster: {
    nodeInstanceType: new ec2.InstanceType('t3.medium'),
    minNodes: 2,
    maxNodes: 3,
    apiPublicAccessCidrs: [],
    administratorRoleArns: [],
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
};

export const prod: ShopEnvironmentConfig = {
  name: 'prod',
  region: 'us-east-1',
  statefulRemovalPolicy: RemovalPolicy.RETAIN,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  network: { natGateways: 2, interfaceEndpoints: true },
  cluster: {
    nodeInstanceType: new ec2.InstanceType('m6i.large'),
    minNodes: 2,
    maxNodes: 6,
    apiPublicAccessCidrs: [],
    administratorRoleArns: [],
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
};

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, ShopEnvironmentConfig>> = { dev, prod };
