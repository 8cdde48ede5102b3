import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataprocCluster } from '@cdktf/provider-google/lib/dataproc-cluster/index.js';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AnalyticsPlatformStack } from '../../../stacks/gcp/analytics-platform-stack.js';
import { type AnalyticsPlatformConfig, environments } from '../../../stacks/gcp/config.js';
import { flinkAlertRules, isAlertRule } from '../../../infra/observability/index.js';
import { FIXTURE_JAR } from './fixtures/analytics-fixtures.js';

function synthesizeStack(config: AnalyticsPlatformConfig, jobJarPath = FIXTURE_JAR): string {
  const stack = new AnalyticsPlatformStack(Testing.app(), `analytics-${config.environment}`, { config, jobJarPath });
  return Testing.synth(stack);
}

/**
 * The jar's content hash (in the object name) and the asset folder hash change with every build of the
 * job; replacing them keeps the snapshot about infrastructure only.
 */
function normalise(synthesized: string): string {
  return JSON.stringify(JSON.parse(synthesized), null, 2)
    .replace(/(flink\/jobs\/[a-z0-9-]+-)[0-9a-f]{16}(\.jar)/g, '$1<jar-sha256>$2')
    .replace(/(assets\/[^/"]+\/)[0-9A-F]{32}\//g, '$1<asset-hash>/');
}

describe.each(environments)('AnalyticsPlatformStack ($environment)', (config) => {
  it('matches the reviewed Terraform JSON', async () => {
    await expect(normalise(synthesizeStack(config))).toMatchFileSnapshot(`./__snapshots__/analytics-${config.environment}.tf.json`);
  });

  it('changes only in the normalised hashes when the job is rebuilt', () => {
    const rebuiltJar = join(mkdtempSync(join(tmpdir(), 'analytics-stack-')), 'order-analytics.jar');
    writeFileSync(rebuiltJar, `a rebuilt job ${Date.now()}`);
    const original = synthesizeStack(config);
    const rebuilt = synthesizeStack(config, rebuiltJar);
    expect(rebuilt).not.toBe(original);
    expect(normalise(rebuilt)).toBe(normalise(original));
  });

  it('keeps its state in the configured GCS bucket', () => {
    const terraform = (JSON.parse(synthesizeStack(config)) as { terraform: { backend?: unknown } }).terraform;
    expect(terraform.backend).toEqual({ gcs: config.stateBackend });
  });

  it("alerts on this cluster's Flink job in Cloud Monitoring, mailed to the configured on-call address", () => {
    const synthesized = synthesizeStack(config);
    expect(Testing.toHaveResourceWithProperties(synthesized, MonitoringNotificationChannel.tfResourceType, { labels: { email_address: config.alerts.notificationEmail } })).toBe(true);
    const alerts = flinkAlertRules().flatMap((group) => group.rules.filter(isAlertRule).map((rule) => rule.alert));
    for (const alert of [...alerts, 'FlinkYarnApplicationGone']) {
      expect(Testing.toHaveResourceWithProperties(synthesized, MonitoringAlertPolicy.tfResourceType, { display_name: `${config.gcp.namePrefix}: ${alert}`, enabled: true }), alert).toBe(true);
    }
    expect(synthesized).toContain('resource.labels.cluster_name = \\"${google_dataproc_cluster.cluster_');
  });

  it('composes one Flink cluster with the configured sizes', () => {
    expect(
      Testing.toHaveResourceWithProperties(synthesizeStack(config), DataprocCluster.tfResourceType, {
        cluster_config: {
          master_config: { num_instances: 1, machine_type: config.cluster.master.machineType },
          worker_config: { num_instances: config.cluster.workers.count, machine_type: config.cluster.workers.machineType },
          software_config: { optional_components: ['FLINK'] },
        },
      }),
    ).toBe(true);
  });
});
