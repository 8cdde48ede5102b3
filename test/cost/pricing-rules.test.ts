import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeCostReport } from '../../stacks/cost/cost-report';
import { AWS_PRICES, GCP_PRICES, HOURS_PER_MONTH } from '../../stacks/cost/price-table';
import { gibibytes, requestedVolumesGiB } from '../../stacks/cost/pricing-rules';
import { cloudFormationResources, renderedManifestResources, type SynthesizedResource } from '../../stacks/cost/synthesized-resources';
import { USAGE_ASSUMPTIONS } from '../../stacks/cost/usage-assumptions';

const dev = USAGE_ASSUMPTIONS.dev;

/** A Helm chart as aws-eks-v2 writes it: values as an Fn::Join with a deploy-time token where `CLUSTER` stands. */
function helmChart(chart: string, values: Record<string, unknown>) {
  const [before, after] = JSON.stringify(values).split('CLUSTER') as [string, string];
  return {
    Type: 'Custom::AWSCDK-EKS-HelmChart',
    Properties: { Chart: chart, Release: chart, Values: { 'Fn::Join': ['', [before, { Ref: 'ClusterEks' }, after]] } },
  };
}

describe('the resource walker', () => {
  it('finds the volumes a Helm chart asks for through its values, whatever the chart', () => {
    // GIVEN kube-prometheus-stack values with a Prometheus claim template and Grafana persistence, and a token
    const template = {
      Resources: {
        Monitoring: helmChart('kube-prometheus-stack', {
          clusterName: 'CLUSTER',
          prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { storageClassName: 'gp3', resources: { requests: { storage: '50Gi' } } } } } } },
          grafana: { persistence: { enabled: true, size: '10Gi' } },
          alertmanager: { persistence: { enabled: false, size: '99Gi' } },
        }),
      },
    };
    // WHEN the template is walked and priced
    const resources = cloudFormationResources(template);
    const report = computeCostReport(resources, dev);
    // THEN the chart is a resource of its own and its two enabled volumes are gp3 lines
    expect(resources.map((resource) => resource.type)).toEqual(['Custom::AWSCDK-EKS-HelmChart', 'Helm kube-prometheus-stack']);
    expect(report.lines.map((line) => [line.item, line.quantity, line.unitPrice])).toEqual([
      ['EBS gp3 volume', 50, AWS_PRICES.ebs.gp3GiBMonth],
      ['EBS gp3 volume', 10, AWS_PRICES.ebs.gp3GiBMonth],
    ]);
  });

  it('reads the rendered deploy/<env> YAML, including the charts Argo CD Applications install', () => {
    const directory = mkdtempSync(join(tmpdir(), 'cost-deploy-'));
    mkdirSync(join(directory, 'platform'));
    writeFileSync(
      join(directory, 'platform', 'monitoring.yaml'),
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: { name: monitoring, namespace: argocd }',
        'spec:',
        '  source:',
        '    chart: kube-prometheus-stack',
        '    helm:',
        '      values: |',
        '        prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: 20Gi } } } } } } }',
        '---',
        'apiVersion: v1',
        'kind: PersistentVolumeClaim',
        'metadata: { name: data, namespace: shop }',
        'spec: { resources: { requests: { storage: 5Gi } } }',
      ].join('\n'),
    );
    const resources = renderedManifestResources(directory);
    expect(resources.map((resource) => `${resource.type} ${resource.id}`)).toEqual([
      'Kubernetes Application argocd/monitoring',
      'Helm kube-prometheus-stack monitoring',
      'Kubernetes PersistentVolumeClaim shop/data',
    ]);
    expect(computeCostReport(resources, dev).lines.map((line) => line.quantity)).toEqual([20, 5]);
    expect(renderedManifestResources(join(directory, 'missing'))).toEqual([]);
  });

  it('converts Kubernetes storage quantities to GiB', () => {
    expect([gibibytes('50Gi'), gibibytes('512Mi'), gibibytes('1Ti')]).toEqual([50, 0.5, 1024]);
    expect(gibibytes('10G')).toBeCloseTo(9.313, 3);
    expect(() => gibibytes('ten')).toThrow(/not a Kubernetes storage quantity/);
    expect(requestedVolumesGiB({ a: [{ resources: { requests: { storage: '1Gi' } } }] })).toEqual([1]);
  });
});

describe('pricing', () => {
  const nodePool = (requirements: unknown[], cpu?: string): SynthesizedResource => ({
    cloud: 'AWS',
    type: 'Kubernetes NodePool',
    id: 'workloads',
    properties: { kind: 'NodePool', spec: { template: { spec: { requirements } }, ...(cpu ? { limits: { cpu } } : {}) } },
  });

  it('prices a Karpenter NodePool at the assumed average and fills its CPU limit with the cheapest allowed type at max', () => {
    const pool = nodePool(
      [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m6i.large', 't3.medium'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
      ],
      '16',
    );
    const [nodes] = computeCostReport([pool], dev).lines;
    expect(nodes).toMatchObject({ item: `t3.medium nodes (Spot at ${dev.ec2SpotFraction} of on-demand)`, quantity: dev.karpenter.averageNodes.default * HOURS_PER_MONTH, atMaxQuantity: 8 * HOURS_PER_MONTH });
    expect(nodes?.unitPrice).toBeCloseTo(AWS_PRICES.ec2['t3.medium'].hourly * dev.ec2SpotFraction, 10);
  });

  it('picks the cheapest priced type that meets category, CPU, generation and architecture requirements', () => {
    const pool = nodePool(
      [
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['m'] },
        { key: 'karpenter.k8s.aws/instance-cpu', operator: 'In', values: ['2'] },
        { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] },
      ],
      '16',
    );
    const [nodes] = computeCostReport([pool], dev).lines;
    // m6a.large is the cheapest 2-vCPU m type after generation 5 on amd64; the cheaper m6g.large is Graviton (arm64).
    expect(AWS_PRICES.ec2['m6g.large'].hourly).toBeLessThan(AWS_PRICES.ec2['m6a.large'].hourly);
    expect(nodes).toMatchObject({ item: 'm6a.large nodes', unitPrice: AWS_PRICES.ec2['m6a.large'].hourly, atMaxQuantity: 8 * HOURS_PER_MONTH });
  });

  it('reports what it has no price for instead of counting it as zero', () => {
    const report = computeCostReport(
      [
        { cloud: 'AWS', type: 'AWS::Bedrock::Agent', id: 'Agent', properties: {} },
        nodePool([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p5.48xlarge'] }], '192'),
        { cloud: 'AWS', type: 'AWS::MSK::Cluster', id: 'Kafka', properties: { NumberOfBrokerNodes: 3, BrokerNodeGroupInfo: { InstanceType: 'kafka.m9.huge' } } },
      ],
      dev,
    );
    expect(report.unpriced).toEqual([
      { type: 'AWS::Bedrock::Agent', resources: ['Agent'] },
      { type: 'AWS::MSK::Cluster (MSK broker type kafka.m9.huge)', resources: ['Kafka'] },
      { type: 'Kubernetes NodePool (EC2 instance types p5.48xlarge)', resources: ['workloads'] },
    ]);
    expect(report.totalCents).toBe(0);
  });

  it('prices Dataproc VMs from their shape, secondary workers as Spot, and a machine family it does not know as unpriced', () => {
    const cluster = (workerType: string): SynthesizedResource => ({
      cloud: 'GCP',
      type: 'google_dataproc_cluster',
      id: 'cluster',
      properties: {
        cluster_config: {
          master_config: { num_instances: 1, machine_type: 'n2-standard-2', disk_config: { boot_disk_size_gb: 50, boot_disk_type: 'pd-balanced' } },
          worker_config: { num_instances: 2, machine_type: workerType, disk_config: { boot_disk_size_gb: 100 } },
          preemptible_worker_config: { num_instances: 2, machine_type: 'n2-standard-2' },
        },
      },
    });
    const lines = computeCostReport([cluster('n2-highmem-4')], dev).lines;
    const line = (item: string) => lines.find((candidate) => candidate.item === item)!;
    const n2 = GCP_PRICES.compute.n2!;
    expect(line('worker n2-highmem-4 VMs').unitPrice).toBeCloseTo(4 * n2.vcpuHourly + 32 * n2.memoryGiBHourly, 10);
    expect(line('worker Dataproc premium')).toMatchObject({ quantity: 2 * 4 * dev.dataproc.hoursPerMonth, unitPrice: GCP_PRICES.dataproc.vcpuHourly });
    // Dataproc's default boot disk is pd-standard, unless the config says otherwise.
    expect(line('worker pd-standard boot disks')).toMatchObject({ quantity: 200, unitPrice: GCP_PRICES.persistentDisk['pd-standard'] });
    expect(line('secondary worker n2-standard-2 VMs').unitPrice).toBeCloseTo((2 * n2.vcpuHourly + 8 * n2.memoryGiBHourly) * GCP_PRICES.spotFraction, 10);
    expect(computeCostReport([cluster('a3-highgpu-8g')], dev).unpriced).toEqual([
      { type: 'google_dataproc_cluster (Compute Engine machine type a3-highgpu-8g)', resources: ['cluster'] },
    ]);
  });

  it("charges Cognito users beyond the tier's included ones", () => {
    const pool = (tier: string): SynthesizedResource => ({ cloud: 'AWS', type: 'AWS::Cognito::UserPool', id: 'Pool', properties: { UserPoolTier: tier } });
    const users = { ...dev, cognitoMonthlyActiveUsers: 12_000 };
    expect(computeCostReport([pool('ESSENTIALS')], users).lines.map((line) => line.quantity)).toEqual([2_000]);
    expect(computeCostReport([pool('PLUS')], users).lines.map((line) => [line.quantity, line.unitPrice])).toEqual([[12_000, AWS_PRICES.cognito.PLUS!.mau]]);
  });

  it('prices X-Ray once when a collector exports to it', () => {
    const collector: SynthesizedResource = { cloud: 'AWS', type: 'Helm opentelemetry-collector', id: 'otel', properties: { values: { config: { exporters: { awsxray: {} } } } } };
    const lines = computeCostReport([collector], dev).lines.filter((line) => line.service === 'X-Ray');
    expect(lines.map((line) => [line.item, line.quantity])).toEqual([
      ['traces recorded', dev.xray.tracesRecordedMillions],
      ['traces scanned', dev.xray.tracesScannedMillions],
    ]);
    expect(computeCostReport([{ ...collector, properties: { values: {} } }], dev).lines).toEqual([]);
  });
});
