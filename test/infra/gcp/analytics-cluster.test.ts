import { DataprocCluster } from '@cdktf/provider-google/lib/dataproc-cluster/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AnalyticsCluster, type AnalyticsClusterProps } from '../../../infra/gcp/index.js';
import { buildFoundation, resourcesOfType } from './fixtures/analytics-fixtures.js';

type ClusterOverrides = Partial<Omit<AnalyticsClusterProps, 'subnetwork' | 'identity' | 'dataLake'>>;

function synthesizeCluster(override: ClusterOverrides = {}) {
  const synthesized = Testing.synthScope((scope) => {
    const { network, dataLake, identity } = buildFoundation(scope);
    new AnalyticsCluster(scope, 'cluster', {
      name: 'analytics-flink',
      region: 'europe-west1',
      subnetwork: network.subnetwork,
      identity,
      dataLake,
      master: { machineType: 'n2-standard-2' },
      workers: { machineType: 'n2-standard-2' },
      initializationActions: [{ scriptUri: 'gs://shop-analytics-artifacts/flink/launcher/install.sh' }],
      ...override,
    });
  });
  const [cluster] = resourcesOfType(synthesized, DataprocCluster.tfResourceType);
  return { synthesized, cluster: cluster ?? {} };
}

describe('AnalyticsCluster', () => {
  it('runs image 2.2 with the FLINK optional component on one master and two workers', () => {
    const { synthesized } = synthesizeCluster();
    expect(
      Testing.toHaveResourceWithProperties(synthesized, DataprocCluster.tfResourceType, {
        cluster_config: {
          software_config: { image_version: '2.2-debian12', optional_components: ['FLINK'] },
          master_config: { num_instances: 1, machine_type: 'n2-standard-2' },
          worker_config: { num_instances: 2, machine_type: 'n2-standard-2' },
        },
      }),
    ).toBe(true);
  });

  it('keeps the VMs private and shielded, running as the dedicated service account', () => {
    const { cluster } = synthesizeCluster();
    expect(cluster).toMatchObject({
      cluster_config: {
        gce_cluster_config: {
          internal_ip_only: true,
          service_account: expect.stringMatching(/^\$\{google_service_account\.identity_service-account_\w+\.email\}$/),
          shielded_instance_config: { enable_secure_boot: true, enable_vtpm: true, enable_integrity_monitoring: true },
        },
      },
    });
  });

  it('is created only after its service account may run Dataproc and use the buckets', () => {
    const { cluster } = synthesizeCluster();
    const dependencies = cluster.depends_on as string[];
    expect(dependencies.filter((dependency) => dependency.startsWith('google_project_iam_member.'))).toHaveLength(1);
    expect(dependencies.filter((dependency) => dependency.startsWith('google_storage_bucket_iam_member.'))).toHaveLength(3);
  });

  it('runs the initialization actions it is given', () => {
    const { cluster } = synthesizeCluster();
    expect(cluster).toMatchObject({
      cluster_config: { initialization_action: [{ script: 'gs://shop-analytics-artifacts/flink/launcher/install.sh', timeout_sec: 300 }] },
    });
  });

  it('deletes itself when idle only if asked to', () => {
    expect(synthesizeCluster({ idleDeleteTtlSeconds: 3600 }).cluster).toMatchObject({ cluster_config: { lifecycle_config: { idle_delete_ttl: '3600s' } } });
    expect(synthesizeCluster().cluster).not.toHaveProperty('cluster_config.lifecycle_config');
  });

  it.each<[ClusterOverrides, RegExp]>([
    [{ workers: { machineType: 'n2-standard-2', count: 1 } }, /AnalyticsCluster: workers.count must be an integer of at least 2, got 1/],
    [{ imageVersion: '2.1-debian11' }, /AnalyticsCluster: imageVersion must be a Dataproc 2.2 image .*"2.1-debian11"/],
    [{ idleDeleteTtlSeconds: 60 }, /AnalyticsCluster: idleDeleteTtlSeconds must be .* from 600 to 1209600, got 60/],
    [{ master: { machineType: 'big' } }, /AnalyticsCluster: master.machineType must be a machine type/],
    [{ initializationActions: [{ scriptUri: 'https://example.com/install.sh' }] }, /AnalyticsCluster: initializationActions\[\].scriptUri must be a gs:\/\/ URI/],
    [{ name: 'Analytics' }, /AnalyticsCluster: name must be a lowercase name/],
  ])('rejects %j', (override, message) => {
    expect(() => synthesizeCluster(override)).toThrow(message);
  });
});
