import type { EnvironmentName } from '../aws/config';

/** A usage figure for the resources whose id contains `match` (first match wins), and one for all others. */
export interface PerResource<T> {
  readonly default: T;
  readonly overrides?: readonly { readonly match: string; readonly value: T }[];
}

/**
 * What the synth cannot say: traffic, stored data, how hard things scale. Sizes (instances, brokers, ACU bounds,
 * disks) come from the synthesized resources, never from here.
 */
export interface UsageAssumptions {
  /** Data through all NAT gateways together, split evenly between them. */
  readonly natProcessedGiB: number;
  /** Data through each interface VPC endpoint. */
  readonly interfaceEndpointProcessedGiB: number;
  /** Average load balancer capacity units in use. */
  readonly loadBalancerCapacityUnits: number;
  /** Fraction of on-demand that Spot capacity costs (EC2 nodes asking for Spot). */
  readonly ec2SpotFraction: number;
  /** Root volume of a node when the synth does not say (EKS managed node groups and Karpenter default to 20 GiB). */
  readonly nodeRootVolumeGiB: number;
  readonly karpenter: {
    /**
     * Nodes a NodePool keeps on average; the at-max figure is its CPU limit filled with its cheapest allowed type.
     * The shop's nine pods at their minimum replicas request 2.25 vCPU, two 2-vCPU nodes once the DaemonSets are in.
     */
    readonly averageNodes: PerResource<number>;
  };
  readonly database: {
    /** Average ACUs of each Serverless v2 instance; never below the cluster's minimum. */
    readonly averageAcu: number;
    /** Share of the month a cluster allowed to scale to 0 ACU spends paused. */
    readonly pausedFraction: number;
    readonly storageGiB: number;
    readonly ioRequestsMillions: number;
    readonly dataApiRequestsMillions: number;
    /** Exported error, slow-query and audit logs. */
    readonly exportedLogsGiB: number;
  };
  readonly dynamodb: {
    readonly writeRequestsMillions: number;
    readonly readRequestsMillions: number;
    readonly storageGiB: number;
  };
  readonly s3: PerResource<{ readonly storageGiB: number; readonly putThousands: number; readonly getThousands: number }>;
  readonly lambda: PerResource<{ readonly invocationsMillions: number; readonly averageDurationMs: number }>;
  readonly cognitoMonthlyActiveUsers: number;
  readonly wafRequestsMillions: number;
  /** Ingestion per log group; stored data follows from the group's retention. */
  readonly logGroupIngestedGiB: PerResource<number>;
  readonly eksControlPlaneLogsGiB: number;
  readonly secretsManagerApiCallsTenThousands: number;
  readonly sqsRequestsMillions: number;
  readonly xray: { readonly tracesRecordedMillions: number; readonly tracesScannedMillions: number };
  readonly mskServerless: { readonly dataInGiB: number; readonly dataOutGiB: number };
  readonly crossCloud: {
    /** Order events the Flink job reads from MSK over the VPN (AWS egress). */
    readonly awsToGcpGiB: number;
    /** Results and dead letters the job writes back (GCP egress). */
    readonly gcpToAwsGiB: number;
    readonly dnsQueriesMillions: number;
  };
  readonly dataproc: {
    /** Hours the cluster exists; the idle TTL deletes it only once the job is stopped. */
    readonly hoursPerMonth: number;
  };
  /** Stored GiB per bucket, matched on the bucket's name. */
  readonly gcsStoredGiB: PerResource<number>;
}

const DEPLOY_TIME_HANDLERS = { invocationsMillions: 0.0001, averageDurationMs: 5000 };

export const USAGE_ASSUMPTIONS: Readonly<Record<EnvironmentName, UsageAssumptions>> = {
  // A few developers and test runs, no load tests; the workloads run all month so the database never pauses.
  dev: {
    natProcessedGiB: 20,
    interfaceEndpointProcessedGiB: 5,
    loadBalancerCapacityUnits: 1,
    ec2SpotFraction: 0.35,
    nodeRootVolumeGiB: 20,
    karpenter: { averageNodes: { default: 2 } },
    database: {
      averageAcu: 0.5,
      pausedFraction: 0,
      storageGiB: 1,
      ioRequestsMillions: 5,
      dataApiRequestsMillions: 5,
      exportedLogsGiB: 1,
    },
    dynamodb: { writeRequestsMillions: 0.5, readRequestsMillions: 2, storageGiB: 1 },
    s3: { default: { storageGiB: 1, putThousands: 1, getThousands: 10 } },
    lambda: {
      default: DEPLOY_TIME_HANDLERS,
      overrides: [{ match: 'CatalogIngest', value: { invocationsMillions: 0.001, averageDurationMs: 2000 } }],
    },
    cognitoMonthlyActiveUsers: 50,
    wafRequestsMillions: 1,
    logGroupIngestedGiB: {
      default: 0.1,
      overrides: [
        { match: 'FlowLogs', value: 5 },
        { match: 'BrokerLogs', value: 1 },
        { match: 'Firewall', value: 1 },
      ],
    },
    eksControlPlaneLogsGiB: 5,
    secretsManagerApiCallsTenThousands: 50,
    sqsRequestsMillions: 0.1,
    xray: { tracesRecordedMillions: 0.5, tracesScannedMillions: 0.5 },
    mskServerless: { dataInGiB: 2, dataOutGiB: 6 },
    crossCloud: { awsToGcpGiB: 2, gcpToAwsGiB: 1, dnsQueriesMillions: 0.1 },
    dataproc: { hoursPerMonth: 730 },
    gcsStoredGiB: { default: 1, overrides: [{ match: '-lake', value: 5 }] },
  },
  // Modest production traffic: about a million orders and thirty million API requests a month.
  prod: {
    natProcessedGiB: 200,
    interfaceEndpointProcessedGiB: 50,
    loadBalancerCapacityUnits: 3,
    ec2SpotFraction: 0.35,
    nodeRootVolumeGiB: 20,
    karpenter: { averageNodes: { default: 3 } },
    database: {
      averageAcu: 2,
      pausedFraction: 0,
      storageGiB: 50,
      ioRequestsMillions: 200,
      dataApiRequestsMillions: 60,
      exportedLogsGiB: 20,
    },
    dynamodb: { writeRequestsMillions: 5, readRequestsMillions: 100, storageGiB: 5 },
    s3: { default: { storageGiB: 20, putThousands: 20, getThousands: 200 } },
    lambda: {
      default: DEPLOY_TIME_HANDLERS,
      overrides: [{ match: 'CatalogIngest', value: { invocationsMillions: 0.01, averageDurationMs: 5000 } }],
    },
    cognitoMonthlyActiveUsers: 5000,
    wafRequestsMillions: 30,
    logGroupIngestedGiB: {
      default: 1,
      overrides: [
        { match: 'FlowLogs', value: 50 },
        { match: 'BrokerLogs', value: 10 },
        { match: 'Firewall', value: 30 },
      ],
    },
    eksControlPlaneLogsGiB: 30,
    secretsManagerApiCallsTenThousands: 600,
    sqsRequestsMillions: 1,
    xray: { tracesRecordedMillions: 10, tracesScannedMillions: 10 },
    mskServerless: { dataInGiB: 20, dataOutGiB: 60 },
    crossCloud: { awsToGcpGiB: 20, gcpToAwsGiB: 5, dnsQueriesMillions: 1 },
    dataproc: { hoursPerMonth: 730 },
    gcsStoredGiB: { default: 5, overrides: [{ match: '-lake', value: 200 }, { match: '-flink-state', value: 20 }] },
  },
};

/** The value for a resource: the first override whose `match` is part of the id, else the default. */
export function valueFor<T>(perResource: PerResource<T>, resourceId: string): T {
  return perResource.overrides?.find(({ match }) => resourceId.includes(match))?.value ?? perResource.default;
}
