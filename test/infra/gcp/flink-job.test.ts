import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { TerraformOutput, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { FlinkJob, type FlinkJobProps } from '../../../infra/gcp/index.js';
import { buildFoundation, FIXTURE_JAR, jobKafka, resourcesOfType } from './fixtures/analytics-fixtures.js';

type JobOverrides = Partial<Omit<FlinkJobProps, 'dataLake' | 'identity'>>;

function synthesizeJob(override: JobOverrides = {}) {
  let job: FlinkJob | undefined;
  const synthesized = Testing.synthScope((scope) => {
    const { dataLake, identity } = buildFoundation(scope);
    job = new FlinkJob(scope, 'job', {
      jarPath: FIXTURE_JAR,
      dataLake,
      identity,
      kafka: jobKafka,
      ...override,
    });
    // Tokens resolve only in a synthesized stack: an output shows what the cluster would receive.
    new TerraformOutput(scope, 'init_action', { value: job.initializationAction.scriptUri });
  });
  const objects = resourcesOfType(synthesized, StorageBucketObject.tfResourceType);
  const objectNamed = (pattern: RegExp) => objects.find((object) => pattern.test(String(object.name))) ?? {};
  return { synthesized, job: job as FlinkJob, objectNamed };
}

interface Manifest {
  state: string;
  jarUri: string;
  args: string[];
  flinkConfig: Record<string, string>;
}

const manifestOf = (objectNamed: (pattern: RegExp) => Record<string, unknown>) =>
  JSON.parse(String(objectNamed(/^flink\/desired\//).content)) as Manifest;

describe('FlinkJob', () => {
  it('uploads the built jar under a name that carries its content hash', () => {
    const { objectNamed } = synthesizeJob();
    const hash = createHash('sha256').update(readFileSync(FIXTURE_JAR)).digest('hex').slice(0, 16);
    expect(objectNamed(/^flink\/jobs\//)).toMatchObject({
      name: `flink/jobs/order-analytics-${hash}.jar`,
      source: expect.stringMatching(/^assets\/job_jar-asset_\w+\/\w+\/order-analytics\.jar$/),
    });
  });

  it('names a different build differently, so a new jar is a new object', () => {
    const otherJar = join(mkdtempSync(join(tmpdir(), 'flink-job-')), 'order-analytics.jar');
    writeFileSync(otherJar, 'another build');
    const first = synthesizeJob().job.jarContentHash;
    const second = synthesizeJob({ jarPath: otherJar }).job.jarContentHash;
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[0-9a-f]{16}$/);
  });

  it('fails the synth with the build command when the jar has not been built', () => {
    expect(() => synthesizeJob({ jarPath: '/nowhere/order-analytics.jar' })).toThrow(
      'FlinkJob: job jar not found at /nowhere/order-analytics.jar; run mvn -f analytics/pom.xml package -DskipTests first',
    );
  });

  it('describes the desired job: the uploaded jar, IAM-auth Kafka, GCS state and lake', () => {
    const { objectNamed } = synthesizeJob();
    const manifest = manifestOf(objectNamed);
    expect(manifest.state).toBe('running');
    expect(manifest.jarUri).toMatch(/^gs:\/\/\$\{google_storage_bucket\.data-lake_artifacts_\w+\.name\}\/\$\{google_storage_bucket_object\.job_jar_\w+\.name\}$/);
    expect(manifest.args).toEqual([
      '--brokers', jobKafka.bootstrapBrokers,
      '--security', 'iam',
      '--orders-topic', 'orders',
      '--results-topic', 'analytics-results',
      '--dlq-topic', 'orders.dlq',
      '--group', 'analytics',
      '--transactional-id-prefix', 'order-analytics',
      '--checkpoints', 'gs://shop-analytics-flink-state/checkpoints',
      '--checkpoint-interval', '10 s',
      '--lake', 'gs://shop-analytics-lake/lake',
    ]);
    expect(manifest.flinkConfig).toMatchObject({
      'yarn.application.name': 'order-analytics',
      'state.savepoints.dir': 'gs://shop-analytics-flink-state/savepoints',
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
      'containerized.taskmanager.env.AWS_ROLE_ARN': expect.stringMatching(/^\$\{aws_iam_role\.identity_msk-role_\w+\.arn\}$/),
      'containerized.taskmanager.env.AWS_WEB_IDENTITY_TOKEN_FILE': '/var/run/flink-aws-web-identity/token',
    });
  });

  it("configures Flink's Prometheus reporter on a port range and the checkpoint interval from props", () => {
    const manifest = manifestOf(synthesizeJob({ checkpointIntervalSeconds: 30, metricsPorts: { from: 9300, to: 9310 } }).objectNamed);
    expect(manifest.flinkConfig).toMatchObject({
      'metrics.reporter.prom.factory.class': 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
      'metrics.reporter.prom.port': '9300-9310',
    });
    expect(manifest.args.slice(manifest.args.indexOf('--checkpoint-interval'), manifest.args.indexOf('--checkpoint-interval') + 2)).toEqual([
      '--checkpoint-interval',
      '30 s',
    ]);
  });

  it('carries the stop request to the launcher', () => {
    expect(manifestOf(synthesizeJob({ desiredState: 'stopped' }).objectNamed).state).toBe('stopped');
  });

  it('hands the cluster an initialization action that installs the launcher with the manifest location', () => {
    const { synthesized, objectNamed } = synthesizeJob();
    const installer = String(objectNamed(/install-flink-launcher\.sh$/).content);
    expect(installer.startsWith('#!/bin/bash\n')).toBe(true);
    expect(installer).toMatch(/^readonly MANIFEST_URI='gs:\/\/\$\{google_storage_bucket\.data-lake_artifacts_\w+\.name\}\/\$\{google_storage_bucket_object\.job_manifest_\w+\.name\}'$/m);
    expect(installer).toContain("readonly TOKEN_AUDIENCE='sts.amazonaws.com'");
    expect(installer).toContain('flink-job-reconciler.timer');
    const scriptUri = (JSON.parse(synthesized) as { output: Record<string, { value: string }> }).output.init_action?.value;
    expect(scriptUri).toMatch(/^gs:\/\/.+\/\$\{google_storage_bucket_object\.job_installer_\w+\.name\}$/);
  });

  it('renders an installer that bash accepts', () => {
    const { objectNamed } = synthesizeJob();
    const installer = String(objectNamed(/install-flink-launcher\.sh$/).content).replace(/\$\{[^}]+\}/g, 'resolved-by-terraform');
    const script = join(mkdtempSync(join(tmpdir(), 'installer-')), 'install-flink-launcher.sh');
    writeFileSync(script, installer);
    const check = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('embeds scripts free of Terraform template syntax, which would otherwise be interpolated', () => {
    for (const asset of ['install-flink-launcher.sh', 'reconcile-flink-job.py']) {
      const script = readFileSync(fileURLToPath(new URL(`../../../infra/gcp/assets/${asset}`, import.meta.url)), 'utf8');
      expect(script, asset).not.toMatch(/[$%]\{/);
    }
  });

  it.each<[JobOverrides, RegExp]>([
    [{ kafka: { ...jobKafka, bootstrapBrokers: 'broker-without-port' } }, /FlinkJob: kafka.bootstrapBrokers must be comma-separated host:port pairs/],
    [{ kafka: { ...jobKafka, ordersTopic: 'payments' } }, /FlinkJob: kafka.ordersTopic must be a topic the identity may read \(orders\), got "payments"/],
    [{ kafka: { ...jobKafka, deadLetterTopic: 'orders' } }, /FlinkJob: kafka.deadLetterTopic must be a topic the identity may write \(analytics-results, orders.dlq\), got "orders"/],
    [{ kafka: { ...jobKafka, consumerGroup: 'order-analytics' } }, /FlinkJob: kafka.consumerGroup must be the identity's consumer group 'analytics', got "order-analytics"/],
    [{ kafka: { ...jobKafka, transactionalIdPrefix: 'other' } }, /FlinkJob: kafka.transactionalIdPrefix must be the identity's transactional id prefix 'order-analytics'/],
    [{ parallelism: 0 }, /FlinkJob: parallelism must be an integer of at least 1, got 0/],
    [{ entryClass: 'not a class' }, /FlinkJob: entryClass must be a fully qualified Java class name/],
    [{ jarPath: fileURLToPath(import.meta.url) }, /FlinkJob: jarPath must be a path to a .jar file/],
    [{ jobName: 'Order_Analytics' }, /FlinkJob: jobName must be a lowercase name/],
    [{ checkpointIntervalSeconds: 0 }, /FlinkJob: checkpointIntervalSeconds must be an integer of at least 1, got 0/],
    [{ metricsPorts: { from: 9260, to: 9250 } }, /FlinkJob: metricsPorts must be a range of unprivileged ports \(1024-65535\), from <= to/],
    [{ metricsPorts: { from: 80, to: 90 } }, /FlinkJob: metricsPorts must be a range of unprivileged ports/],
  ])('rejects %j', (override, message) => {
    expect(() => synthesizeJob(override)).toThrow(message);
  });
});
