import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { DataLake, type DataLakeProps } from '../../../infra/gcp/index.js';
import { resourcesOfType } from './fixtures/analytics-fixtures.js';

const props: DataLakeProps = { namePrefix: 'shop-analytics', location: 'europe-west1', checkpointRetentionDays: 3 };

describe('DataLake', () => {
  it('creates lake, state and artifacts buckets, all private with uniform access', () => {
    // WHEN
    const synthesized = Testing.synthScope((scope) => new DataLake(scope, 'lake', props));
    // THEN
    const buckets = resourcesOfType(synthesized, StorageBucket.tfResourceType);
    expect(buckets.map((bucket) => bucket.name).sort()).toEqual(['shop-analytics-artifacts', 'shop-analytics-flink-state', 'shop-analytics-lake']);
    for (const bucket of buckets) {
      expect(bucket).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced', location: 'europe-west1' });
    }
  });

  it('versions the lake and the artifacts but not the constantly rewritten checkpoints', () => {
    const synthesized = Testing.synthScope((scope) => new DataLake(scope, 'lake', props));
    const versioning = Object.fromEntries(
      resourcesOfType(synthesized, StorageBucket.tfResourceType).map((bucket) => [bucket.name, (bucket.versioning as { enabled: boolean }).enabled]),
    );
    expect(versioning).toEqual({ 'shop-analytics-lake': true, 'shop-analytics-artifacts': true, 'shop-analytics-flink-state': false });
  });

  it('expires checkpoints and savepoints and moves old lake objects to colder classes', () => {
    const synthesized = Testing.synthScope((scope) => new DataLake(scope, 'lake', props));
    expect(
      Testing.toHaveResourceWithProperties(synthesized, StorageBucket.tfResourceType, {
        name: 'shop-analytics-flink-state',
        lifecycle_rule: [
          { action: { type: 'Delete' }, condition: { age: 3, matches_prefix: ['checkpoints/'] } },
          { action: { type: 'Delete' }, condition: { age: 30, matches_prefix: ['savepoints/'] } },
        ],
      }),
    ).toBe(true);
    expect(
      Testing.toHaveResourceWithProperties(synthesized, StorageBucket.tfResourceType, {
        name: 'shop-analytics-lake',
        lifecycle_rule: [
          { action: { type: 'SetStorageClass', storage_class: 'NEARLINE' }, condition: { age: 30 } },
          { action: { type: 'SetStorageClass', storage_class: 'COLDLINE' }, condition: { age: 90 } },
          { action: { type: 'Delete' }, condition: { days_since_noncurrent_time: 7 } },
        ],
      }),
    ).toBe(true);
  });

  it('grants object access per bucket, not per project', () => {
    const synthesized = Testing.synthScope((scope) => {
      const lake = new DataLake(scope, 'lake', props);
      lake.grantLakeWrite('serviceAccount:job@shop.iam.gserviceaccount.com');
    });
    const grants = resourcesOfType(synthesized, StorageBucketIamMember.tfResourceType);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ role: 'roles/storage.objectUser', member: 'serviceAccount:job@shop.iam.gserviceaccount.com' });
    const buckets = (JSON.parse(synthesized) as { resource: Record<string, Record<string, { name: string }>> }).resource[StorageBucket.tfResourceType] ?? {};
    const [lakeBucket] = Object.entries(buckets).find(([, bucket]) => bucket.name === 'shop-analytics-lake') ?? [];
    expect(grants[0]?.bucket).toBe(`\${${StorageBucket.tfResourceType}.${lakeBucket}.name}`);
  });

  it('exposes the gs:// locations the job is given', () => {
    Testing.synthScope((scope) => {
      const lake = new DataLake(scope, 'lake', props);
      expect([lake.lakeUri, lake.checkpointsUri, lake.savepointsUri]).toEqual([
        'gs://shop-analytics-lake/lake',
        'gs://shop-analytics-flink-state/checkpoints',
        'gs://shop-analytics-flink-state/savepoints',
      ]);
    });
  });

  it.each([
    [{ namePrefix: 'Shop_Analytics' }, /DataLake: namePrefix must be .*"Shop_Analytics"/],
    [{ namePrefix: 'x'.repeat(52) }, /DataLake: namePrefix/],
    [{ checkpointRetentionDays: 0 }, /DataLake: checkpointRetentionDays must be an integer of at least 1, got 0/],
    [{ location: ' ' }, /DataLake: location must be a GCS location/],
  ])('rejects %j', (override, message) => {
    expect(() => Testing.synthScope((scope) => new DataLake(scope, 'lake', { ...props, ...override }))).toThrow(message);
  });
});
