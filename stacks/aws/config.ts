import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { CpuAutoscaling, FixedReplicas, TopicSettings } from '../../infra/aws';
import { ANALYTICS_RESULTS_TOPIC } from '../../runtime/shared/events/analytics-results-topic';
import { ORDERS_TOPIC } from '../../runtime/shared/events/orders-topic';

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
    readonly topics: Readonly<Record<string, TopicSettings>>;
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

export type ServiceName = 'gateway' | 'users' | 'products' | 'orders' | 'notifications';

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
    topics: {
      [ORDERS_TOPIC]: { partitions: 3, retention: Duration.days(3) },
      [ANALYTICS_RESULTS_TOPIC]: { partitions: 1, retention: Duration.days(3) },
    },
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
    topics: {
      [ORDERS_TOPIC]: { partitions: 6, retention: Duration.days(7) },
      [ANALYTICS_RESULTS_TOPIC]: { partitions: 3, retention: Duration.days(7) },
    },
  },
  catalog: { reservedConcurrency: 5, noncurrentVersionRetentionDays: 90 },
  notifications: { senderIdentity: 'example.com', from: 'shop@example.com' },
  scaling: SEED_SCALING,
};

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, ShopEnvironmentConfig>> = { dev, prod };
