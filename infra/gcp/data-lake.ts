import { StorageBucket, type StorageBucketLifecycleRule } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { Construct } from 'constructs';
import { acknowledgeCheckov } from './policy-acknowledgements.js';
import { assertGcpName, assertNotBlank, assertPositiveInteger } from './validation.js';

export interface DataLakeProps {
  /** Prefix of the three bucket names (`<prefix>-lake`, `<prefix>-flink-state`, `<prefix>-artifacts`); bucket names are global. */
  readonly namePrefix: string;
  /** Bucket location, a region such as `europe-west1` (the cluster's region keeps traffic local). */
  readonly location: string;
  /**
   * Days after which a checkpoint object is deleted. Flink itself removes all but the latest retained
   * checkpoints; this only sweeps what a crashed job left behind.
   * @default 7
   */
  readonly checkpointRetentionDays?: number;
  /**
   * Days after which a savepoint is deleted. The launcher resumes from the newest one, so older ones only
   * serve manual rollbacks.
   * @default 30
   */
  readonly savepointRetentionDays?: number;
  /**
   * Days after which raw lake objects move to NEARLINE; they move to COLDLINE after three times as many.
   * @default 30
   */
  readonly lakeNearlineAfterDays?: number;
  /**
   * Let `cdktf destroy` delete non-empty buckets. Only for throwaway environments.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /** @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The analytics buckets: the raw-event data lake, Flink checkpoints and savepoints, and the artifacts
 * (job jars, launcher scripts, Dataproc staging). All three have uniform bucket-level access and enforced
 * public access prevention; versioning is on where an overwrite would lose something (lake, artifacts).
 */
export class DataLake extends Construct {
  readonly lakeBucket: StorageBucket;
  readonly stateBucket: StorageBucket;
  readonly artifactsBucket: StorageBucket;
  /** `gs://` URI under which the job writes raw events, partitioned by date and hour. */
  readonly lakeUri: string;
  readonly checkpointsUri: string;
  readonly savepointsUri: string;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    // The longest suffix is "-flink-state" (12 characters) and bucket names stop at 63.
    assertGcpName('DataLake', 'namePrefix', props.namePrefix, 63 - '-flink-state'.length);
    assertNotBlank('DataLake', 'location', props.location, 'a GCS location');
    const checkpointRetentionDays = props.checkpointRetentionDays ?? 7;
    const savepointRetentionDays = props.savepointRetentionDays ?? 30;
    const lakeNearlineAfterDays = props.lakeNearlineAfterDays ?? 30;
    assertPositiveInteger('DataLake', 'checkpointRetentionDays', checkpointRetentionDays);
    assertPositiveInteger('DataLake', 'savepointRetentionDays', savepointRetentionDays);
    assertPositiveInteger('DataLake', 'lakeNearlineAfterDays', lakeNearlineAfterDays);

    const bucket = (suffix: string, versioned: boolean, lifecycleRule: StorageBucketLifecycleRule[]) => {
      const created = new StorageBucket(this, suffix, {
        name: `${props.namePrefix}-${suffix}`,
        location: props.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: versioned },
        forceDestroy: props.forceDestroy ?? false,
        labels: { ...props.labels },
        lifecycleRule,
      });
      acknowledgeCheckov(created, [
        {
          id: 'CKV_GCP_62',
          reason:
            "Its one bucket-level grant is to the analytics cluster's service account (uniform bucket-level access, public access prevention enforced) and Cloud Audit Logs record every change of who may read it; usage logs would mostly repeat the job's own traffic.",
        },
      ]);
      return created;
    };
    // Noncurrent versions exist to undo a bad overwrite or delete; a week is enough to notice.
    const dropNoncurrentVersions: StorageBucketLifecycleRule = {
      action: { type: 'Delete' },
      condition: { daysSinceNoncurrentTime: 7, withState: 'ARCHIVED' },
    };

    this.lakeBucket = bucket('lake', true, [
      { action: { type: 'SetStorageClass', storageClass: 'NEARLINE' }, condition: { age: lakeNearlineAfterDays, matchesStorageClass: ['STANDARD'] } },
      { action: { type: 'SetStorageClass', storageClass: 'COLDLINE' }, condition: { age: lakeNearlineAfterDays * 3, matchesStorageClass: ['NEARLINE'] } },
      dropNoncurrentVersions,
    ]);
    // Checkpoints are rewritten every few seconds: versioning would only keep garbage.
    this.stateBucket = bucket('flink-state', false, [
      { action: { type: 'Delete' }, condition: { age: checkpointRetentionDays, matchesPrefix: ['checkpoints/'] } },
      { action: { type: 'Delete' }, condition: { age: savepointRetentionDays, matchesPrefix: ['savepoints/'] } },
    ]);
    acknowledgeCheckov(this.stateBucket, [
      { id: 'CKV_GCP_78', reason: 'Flink rewrites checkpoints every few seconds and keeps its own retained ones; versions would only keep garbage.' },
    ]);
    this.artifactsBucket = bucket('artifacts', true, [dropNoncurrentVersions]);

    this.lakeUri = `gs://${props.namePrefix}-lake/lake`;
    this.checkpointsUri = `gs://${props.namePrefix}-flink-state/checkpoints`;
    this.savepointsUri = `gs://${props.namePrefix}-flink-state/savepoints`;
  }

  /** Lets `member` (e.g. `serviceAccount:...`) write raw events into the lake. */
  grantLakeWrite(member: string): StorageBucketIamMember {
    return this.grant('lake-writer', this.lakeBucket, 'roles/storage.objectUser', member);
  }

  /** Lets `member` write and delete checkpoints and savepoints. */
  grantStateReadWrite(member: string): StorageBucketIamMember {
    return this.grant('state-user', this.stateBucket, 'roles/storage.objectUser', member);
  }

  /** Lets `member` read job jars and launcher scripts and write Dataproc staging files. */
  grantArtifactsReadWrite(member: string): StorageBucketIamMember {
    return this.grant('artifacts-user', this.artifactsBucket, 'roles/storage.objectUser', member);
  }

  private grant(id: string, bucket: StorageBucket, role: string, member: string): StorageBucketIamMember {
    return new StorageBucketIamMember(this, id, { bucket: bucket.name, role, member });
  }
}
