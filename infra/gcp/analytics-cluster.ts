import { DataprocCluster } from '@cdktf/provider-google/lib/dataproc-cluster/index.js';
import type { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { Construct } from 'constructs';
import type { AnalyticsIdentity } from './analytics-identity.js';
import type { DataLake } from './data-lake.js';
import { acknowledgeCheckov } from './policy-acknowledgements.js';
import { assertGcpName, assertPositiveInteger, invalid } from './validation.js';

export interface NodeGroupSize {
  /** Compute Engine machine type, e.g. `n2-standard-4`. */
  readonly machineType: string;
  /** @default 100 */
  readonly bootDiskSizeGb?: number;
}

export interface WorkerGroupSize extends NodeGroupSize {
  /** @default 2 */
  readonly count?: number;
}

/** A script Dataproc runs on every node while it creates the cluster. */
export interface InitializationAction {
  /** `gs://` URI of the script. */
  readonly scriptUri: string;
  /** @default 300 */
  readonly timeoutSeconds?: number;
}

export interface AnalyticsClusterProps {
  /** Cluster name (2 to 51 characters). */
  readonly name: string;
  readonly region: string;
  /** The private subnet of the cluster VMs. */
  readonly subnetwork: ComputeSubnetwork;
  /** The workload identity the VMs run as; the cluster grants it the buckets it needs. */
  readonly identity: AnalyticsIdentity;
  /** The lake, state and artifacts buckets; the artifacts bucket is also the Dataproc staging bucket. */
  readonly dataLake: DataLake;
  readonly master: NodeGroupSize;
  readonly workers: WorkerGroupSize;
  /**
   * Dataproc image. Only 2.2 is accepted: the Flink job is built against the Flink that image ships.
   * @default '2.2-debian12'
   */
  readonly imageVersion?: string;
  /**
   * Delete the cluster after it has been idle this many seconds (600 to 1209600). Meant for dev, so an
   * idle cluster does not bill all month; the next `cdktf deploy` recreates it.
   * @default - the cluster is never deleted automatically
   */
  readonly idleDeleteTtlSeconds?: number;
  /** @default [] */
  readonly initializationActions?: readonly InitializationAction[];
  /**
   * Cluster properties, e.g. `flink:taskmanager.numberOfTaskSlots`.
   * @default {}
   */
  readonly properties?: Readonly<Record<string, string>>;
  /** @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The network tag on every cluster VM; firewall rules target it. */
export const ANALYTICS_CLUSTER_TAG = 'analytics-cluster';

const MAX_IDLE_DELETE_TTL_SECONDS = 14 * 24 * 3600;

/**
 * A Dataproc on Compute Engine cluster for Flink: one master (Flink HA is not supported on three-master
 * clusters) and two or more primary workers, image 2.2 with the FLINK optional component, on shielded VMs
 * without external IPs in a private subnet, running as a dedicated service account.
 *
 * No autoscaling policy: a streaming Flink job on YARN holds a fixed set of TaskManager containers, so
 * YARN-driven autoscaling would either never scale or, on scale-down, kill TaskManagers and force a restart.
 */
export class AnalyticsCluster extends Construct {
  readonly cluster: DataprocCluster;
  readonly name: string;

  constructor(scope: Construct, id: string, props: AnalyticsClusterProps) {
    super(scope, id);
    assertGcpName('AnalyticsCluster', 'name', props.name, 51);
    const imageVersion = props.imageVersion ?? '2.2-debian12';
    if (!/^2\.2(\.\d+)?(-[a-z0-9]+)?$/.test(imageVersion)) {
      throw invalid('AnalyticsCluster', 'imageVersion', imageVersion, 'a Dataproc 2.2 image such as 2.2-debian12');
    }
    const workerCount = props.workers.count ?? 2;
    // Dataproc's standard mode needs two primary workers; a single-node cluster is a different mode.
    assertPositiveInteger('AnalyticsCluster', 'workers.count', workerCount, 2);
    for (const [prop, size] of [['master', props.master], ['workers', props.workers]] as const) {
      if (!/^[a-z0-9]+(-[a-z0-9]+)+$/.test(size.machineType)) {
        throw invalid('AnalyticsCluster', `${prop}.machineType`, size.machineType, 'a machine type such as n2-standard-4');
      }
      assertPositiveInteger('AnalyticsCluster', `${prop}.bootDiskSizeGb`, size.bootDiskSizeGb ?? 100, 30);
    }
    const ttl = props.idleDeleteTtlSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 600 || ttl > MAX_IDLE_DELETE_TTL_SECONDS)) {
      throw invalid('AnalyticsCluster', 'idleDeleteTtlSeconds', ttl, `an integer number of seconds from 600 to ${MAX_IDLE_DELETE_TTL_SECONDS}`);
    }
    for (const action of props.initializationActions ?? []) {
      if (!action.scriptUri.startsWith('gs://')) {
        throw invalid('AnalyticsCluster', 'initializationActions[].scriptUri', action.scriptUri, 'a gs:// URI');
      }
    }
    this.name = props.name;

    const { identity, dataLake } = props;
    // The VMs read the launcher and jar, write checkpoints and lake files as soon as they boot, so the
    // grants must exist before the cluster does.
    const bucketGrants = [
      dataLake.grantArtifactsReadWrite(identity.member),
      dataLake.grantStateReadWrite(identity.member),
      dataLake.grantLakeWrite(identity.member),
    ];
    const disk = (size: NodeGroupSize) => ({ bootDiskType: 'pd-balanced', bootDiskSizeGb: size.bootDiskSizeGb ?? 100 });

    this.cluster = new DataprocCluster(this, 'cluster', {
      name: props.name,
      region: props.region,
      labels: { ...props.labels },
      dependsOn: [identity.workerRoleBinding, ...bucketGrants],
      clusterConfig: {
        stagingBucket: dataLake.artifactsBucket.name,
        gceClusterConfig: {
          subnetwork: props.subnetwork.id,
          internalIpOnly: true,
          serviceAccount: identity.serviceAccount.email,
          serviceAccountScopes: ['cloud-platform'],
          tags: [ANALYTICS_CLUSTER_TAG],
          shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
        },
        masterConfig: { numInstances: 1, machineType: props.master.machineType, diskConfig: disk(props.master) },
        workerConfig: { numInstances: workerCount, machineType: props.workers.machineType, diskConfig: disk(props.workers) },
        softwareConfig: {
          imageVersion,
          optionalComponents: ['FLINK'],
          overrideProperties: { ...props.properties },
        },
        // Component Gateway: the Flink and YARN web UIs through the console, with no public endpoint.
        endpointConfig: { enableHttpPortAccess: true },
        initializationAction: (props.initializationActions ?? []).map((action) => ({
          script: action.scriptUri,
          timeoutSec: action.timeoutSeconds ?? 300,
        })),
        ...(ttl === undefined ? {} : { lifecycleConfig: { idleDeleteTtl: `${ttl}s` } }),
      },
    });
    acknowledgeCheckov(this.cluster, [
      {
        id: 'CKV_GCP_91',
        reason:
          "Its disks are encrypted at rest with Google-managed keys and hold only the Flink runtime and local spill; the job's data and state live in the DataLake buckets. A customer-supplied key would have to be sent with every disk operation, which Dataproc does not do.",
      },
    ]);
  }
}
