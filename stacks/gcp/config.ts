import type { AwsVpcPeer, FlinkJobState, FlinkMetricsPorts, NodeGroupSize, WorkerGroupSize } from '../../infra/gcp/index.js';

/** Where Terraform keeps the state of one environment. */
export interface GcsStateBackend {
  /** An existing, versioned bucket, created once by hand (see docs/gcp.md); it cannot be created by the stack it stores. */
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * Everything that differs between environments. Values on the AWS side are outputs of the AWS stack
 * (deploy it first) and are copied here, so this stack synthesizes offline.
 */
export interface AnalyticsPlatformConfig {
  readonly environment: 'dev' | 'prod';
  readonly gcp: {
    readonly project: string;
    readonly region: string;
    /** Prefix of every GCP name; bucket names derive from it and are global. */
    readonly namePrefix: string;
    readonly subnetCidr: string;
    readonly cloudRouterAsn: number;
  };
  /** `undefined` keeps state in a local file, only for trying the synth. */
  readonly stateBackend?: GcsStateBackend;
  readonly cluster: {
    readonly master: NodeGroupSize;
    readonly workers: WorkerGroupSize;
    /** @default - never deleted automatically */
    readonly idleDeleteTtlSeconds?: number;
  };
  readonly dataLake: {
    readonly checkpointRetentionDays: number;
    readonly savepointRetentionDays: number;
    readonly lakeNearlineAfterDays: number;
    readonly forceDestroy: boolean;
  };
  /** Topics, consumer group and transactional ids are the platform contract's (contracts/platform.ts). */
  readonly job: {
    readonly parallelism: number;
    readonly desiredState: FlinkJobState;
    /** Exactly-once checkpoints; results and lake files become visible at this pace. */
    readonly checkpointIntervalSeconds: number;
    /** Flink's Prometheus reporter on the JobManager and TaskManagers; the savepoints go to the data lake's state bucket. */
    readonly metricsPorts: FlinkMetricsPorts;
  };
  readonly aws: AwsVpcPeer & {
    readonly region: string;
    readonly msk: {
      readonly clusterArn: string;
      /** IAM-auth bootstrap brokers (port 9098). */
      readonly bootstrapBrokers: string;
      readonly securityGroupId: string;
      readonly brokerDnsDomain: string;
    };
  };
}

export const devConfig: AnalyticsPlatformConfig = {
  environment: 'dev',
  gcp: {
    project: 'cloud-shop-analytics-dev',
    region: 'europe-west1',
    namePrefix: 'cloud-shop-analytics-dev',
    subnetCidr: '10.60.0.0/24',
    cloudRouterAsn: 65010,
  },
  stateBackend: { bucket: 'cloud-shop-terraform-state-dev', prefix: 'gcp/analytics' },
  cluster: {
    master: { machineType: 'n2-standard-2', bootDiskSizeGb: 50 },
    workers: { count: 2, machineType: 'n2-standard-2', bootDiskSizeGb: 50 },
    // Deleted after an hour with no YARN application, i.e. once the job is set to stopped.
    idleDeleteTtlSeconds: 3600,
  },
  dataLake: { checkpointRetentionDays: 3, savepointRetentionDays: 7, lakeNearlineAfterDays: 30, forceDestroy: true },
  job: { parallelism: 2, desiredState: 'running', checkpointIntervalSeconds: 10, metricsPorts: { from: 9249, to: 9259 } },
  aws: {
    region: 'eu-west-1',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    vpcCidr: '10.0.0.0/16',
    routeTableIds: ['rtb-0a1b2c3d4e5f60718', 'rtb-0a1b2c3d4e5f60719'],
    amazonSideAsn: 64512,
    dnsResolverAddresses: [
      { subnetId: 'subnet-0a1b2c3d4e5f60718', ip: '10.0.128.53' },
      { subnetId: 'subnet-0a1b2c3d4e5f60719', ip: '10.0.144.53' },
    ],
    msk: {
      clusterArn: 'arn:aws:kafka:eu-west-1:111111111111:cluster/cloud-shop-dev/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9-2',
      bootstrapBrokers: 'b-1.cloudshopdev.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.cloudshopdev.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
      securityGroupId: 'sg-0a1b2c3d4e5f60718',
      brokerDnsDomain: 'kafka.eu-west-1.amazonaws.com',
    },
  },
};

export const prodConfig: AnalyticsPlatformConfig = {
  environment: 'prod',
  gcp: {
    project: 'cloud-shop-analytics-prod',
    region: 'europe-west1',
    namePrefix: 'cloud-shop-analytics-prod',
    subnetCidr: '10.61.0.0/24',
    cloudRouterAsn: 65020,
  },
  stateBackend: { bucket: 'cloud-shop-terraform-state-prod', prefix: 'gcp/analytics' },
  cluster: {
    master: { machineType: 'n2-standard-4', bootDiskSizeGb: 100 },
    workers: { count: 2, machineType: 'n2-highmem-4', bootDiskSizeGb: 200 },
  },
  dataLake: { checkpointRetentionDays: 7, savepointRetentionDays: 30, lakeNearlineAfterDays: 30, forceDestroy: false },
  job: { parallelism: 4, desiredState: 'running', checkpointIntervalSeconds: 10, metricsPorts: { from: 9249, to: 9259 } },
  aws: {
    region: 'eu-west-1',
    vpcId: 'vpc-0f1e2d3c4b5a69788',
    vpcCidr: '10.1.0.0/16',
    routeTableIds: ['rtb-0f1e2d3c4b5a69788', 'rtb-0f1e2d3c4b5a69789'],
    amazonSideAsn: 64513,
    dnsResolverAddresses: [
      { subnetId: 'subnet-0f1e2d3c4b5a69788', ip: '10.1.128.53' },
      { subnetId: 'subnet-0f1e2d3c4b5a69789', ip: '10.1.144.53' },
    ],
    msk: {
      clusterArn: 'arn:aws:kafka:eu-west-1:222222222222:cluster/cloud-shop-prod/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f9a0-3',
      bootstrapBrokers: 'b-1.cloudshopprod.def456.c3.kafka.eu-west-1.amazonaws.com:9098,b-2.cloudshopprod.def456.c3.kafka.eu-west-1.amazonaws.com:9098',
      securityGroupId: 'sg-0f1e2d3c4b5a69788',
      brokerDnsDomain: 'kafka.eu-west-1.amazonaws.com',
    },
  },
};

export const environments = [devConfig, prodConfig] as const;
