import type { FlinkJobState, FlinkMetricsPorts, NodeGroupSize, WorkerGroupSize } from '../../infra/gcp/index.js';
import { CROSS_CLOUD_ENVIRONMENTS, type CrossCloudValue, type EnvironmentName, RESOLVER_ADDRESS_COUNT, crossCloudParameterNames } from '../cross-cloud.js';

/** Where Terraform keeps the state of one environment. */
export interface GcsStateBackend {
  /** An existing, versioned bucket, created once by hand (see docs/gcp.md); it cannot be created by the stack it stores. */
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * Everything that differs between environments. Regions and address ranges come from stacks/cross-cloud.ts, which
 * the AWS stack's config reads too; the AWS stack's deploy-time values (VPC, route tables, MSK) are read at plan
 * time from the SSM parameters it publishes, so this stack synthesizes offline and holds no copy of them.
 */
export interface AnalyticsPlatformConfig {
  readonly environment: EnvironmentName;
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
    /** Ports of Flink's Prometheus reporter on the JobManager and TaskManagers. */
    readonly metricsPorts: FlinkMetricsPorts;
  };
  /** Cloud Monitoring alerting for the analytics job (infra/gcp/analytics-alerts.ts). */
  readonly alerts: {
    /** Where incidents are mailed: the analytics on-call list. */
    readonly notificationEmail: string;
  };
  readonly aws: {
    /** The AWS stack's region: the AWS provider's, where the parameters are read and the VPN's AWS half is created. */
    readonly region: string;
    readonly vpcCidr: string;
    /** Zones of the AWS VPC: the number of route tables (and MSK brokers) it publishes. */
    readonly zoneCount: number;
    readonly resolverAddressCount: number;
    /** The SSM parameters the AWS stack publishes its outputs in. */
    readonly parameterNames: Readonly<Record<CrossCloudValue, string>>;
    /** BGP ASN of the virtual private gateway this stack creates in the AWS VPC. */
    readonly amazonSideAsn: number;
  };
}

/** The AWS side of an environment, as both stacks see it. */
function awsPeerOf(environment: EnvironmentName, amazonSideAsn: number): AnalyticsPlatformConfig['aws'] {
  const { aws } = CROSS_CLOUD_ENVIRONMENTS[environment];
  return {
    region: aws.region,
    vpcCidr: aws.vpcCidr,
    zoneCount: aws.availabilityZones.length,
    resolverAddressCount: RESOLVER_ADDRESS_COUNT,
    parameterNames: crossCloudParameterNames(environment),
    amazonSideAsn,
  };
}

export const devConfig: AnalyticsPlatformConfig = {
  environment: 'dev',
  gcp: {
    project: 'cloud-shop-analytics-dev',
    region: CROSS_CLOUD_ENVIRONMENTS.dev.gcp.region,
    namePrefix: 'cloud-shop-analytics-dev',
    subnetCidr: CROSS_CLOUD_ENVIRONMENTS.dev.gcp.subnetCidr,
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
  alerts: { notificationEmail: 'analytics-oncall-dev@example.com' },
  aws: awsPeerOf('dev', 64512),
};

export const prodConfig: AnalyticsPlatformConfig = {
  environment: 'prod',
  gcp: {
    project: 'cloud-shop-analytics-prod',
    region: CROSS_CLOUD_ENVIRONMENTS.prod.gcp.region,
    namePrefix: 'cloud-shop-analytics-prod',
    subnetCidr: CROSS_CLOUD_ENVIRONMENTS.prod.gcp.subnetCidr,
    cloudRouterAsn: 65020,
  },
  stateBackend: { bucket: 'cloud-shop-terraform-state-prod', prefix: 'gcp/analytics' },
  cluster: {
    master: { machineType: 'n2-standard-4', bootDiskSizeGb: 100 },
    workers: { count: 2, machineType: 'n2-highmem-4', bootDiskSizeGb: 200 },
  },
  dataLake: { checkpointRetentionDays: 7, savepointRetentionDays: 30, lakeNearlineAfterDays: 30, forceDestroy: false },
  job: { parallelism: 4, desiredState: 'running', checkpointIntervalSeconds: 10, metricsPorts: { from: 9249, to: 9259 } },
  alerts: { notificationEmail: 'analytics-oncall-prod@example.com' },
  aws: awsPeerOf('prod', 64513),
};

export const environments = [devConfig, prodConfig] as const;
