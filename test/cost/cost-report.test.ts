import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS, type EnvironmentName } from '../../stacks/aws/config';
import { computeCostReport, formatCostReport, type CostReport } from '../../stacks/cost/cost-report';
import { AWS_PRICES, GCP_PRICES, HOURS_PER_MONTH, PRICE_SOURCE, PRICES_TAKEN_ON } from '../../stacks/cost/price-table';
import { synthesizeForCost } from '../../stacks/cost/synthesize';
import type { SynthesizedResource } from '../../stacks/cost/synthesized-resources';
import { USAGE_ASSUMPTIONS } from '../../stacks/cost/usage-assumptions';
import { environments as gcpEnvironments } from '../../stacks/gcp/config';
import { FIXTURE_SOURCES, SYNTH_TIMEOUT } from '../infra/aws/support';
import { FIXTURE_JAR } from '../infra/gcp/fixtures/analytics-fixtures';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const names: EnvironmentName[] = ['dev', 'prod'];

describe.each(names)('cost report (%s)', (name) => {
  let resources: SynthesizedResource[];
  let report: CostReport;
  const config = ENVIRONMENTS[name];
  const gcpConfig = gcpEnvironments.find((candidate) => candidate.environment === name)!;
  const lineOf = (service: string, item: string) => {
    const found = report.lines.filter((line) => line.service === service && line.item.startsWith(item));
    expect(found, `${service}: ${item}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(() => {
    // GIVEN both clouds' stacks of the environment, synthesized from the fixtures the infra tests use
    resources = synthesizeForCost([name], { sources: FIXTURE_SOURCES, jobJarPath: FIXTURE_JAR, repositoryRoot })[name];
    // WHEN they are priced with the environment's assumptions
    report = computeCostReport(resources, USAGE_ASSUMPTIONS[name]);
  }, SYNTH_TIMEOUT);

  it('matches the reviewed report, and docs/cost.md shows it', async () => {
    const text = formatCostReport(report, {
      environment: name,
      regions: { AWS: AWS_PRICES.region, GCP: GCP_PRICES.region },
      pricesTakenOn: PRICES_TAKEN_ON,
      priceSource: PRICE_SOURCE,
    });
    await expect(text).toMatchFileSnapshot(`./__snapshots__/cost-${name}.md`);
    const docs = readFileSync(join(repositoryRoot, 'docs/cost.md'), 'utf8');
    expect(docs.includes(text), 'docs/cost.md shows an older report: run npm run cost -- dev prod --update-docs').toBe(true);
  });

  it('prices every resource type of the synth (free ones are listed as free)', () => {
    expect(report.unpriced).toEqual([]);
    const freeTypes = report.free.map(({ type }) => type);
    expect(freeTypes).toEqual(expect.arrayContaining(['AWS::IAM::Role', 'google_compute_network', 'Kubernetes Deployment']));
    expect(freeTypes).not.toContain('AWS::MSK::Cluster');
  });

  it('totals are the sums of the printed lines, and the at-max total is not below the baseline', () => {
    expect(report.totalCents).toBe(report.lines.reduce((sum, line) => sum + line.monthlyCents, 0));
    expect(report.totalAtMaxCents).toBe(report.lines.reduce((sum, line) => sum + line.atMaxCents, 0));
    expect(report.totalAtMaxCents).toBeGreaterThanOrEqual(report.totalCents);
    for (const line of report.lines) expect(line.monthlyCents).toBe(Math.round(line.quantity * line.unitPrice * 100));
  });

  it('prices the MSK brokers from the config: brokers × 730 h × the broker type, and their volumes', () => {
    const msk = resources.find((resource) => resource.type === 'AWS::MSK::Cluster')!;
    const brokers = msk.properties.NumberOfBrokerNodes as number;
    const hourly = AWS_PRICES.msk.brokerHourly[config.events.brokerInstanceType]!;
    expect(lineOf('MSK', `${config.events.brokerInstanceType} brokers`).monthlyCents).toBe(Math.round(brokers * HOURS_PER_MONTH * hourly * 100));
    expect(lineOf('MSK', 'broker storage').quantity).toBe(brokers * config.events.brokerVolumeGiB);
  });

  it('prices the node group at its minimum, and at its maximum in the at-max column', () => {
    const type = config.cluster.nodeInstanceType.toString();
    const line = lineOf('EC2 (nodes)', `${type} nodes`);
    expect(line.quantity).toBe(config.cluster.minNodes * HOURS_PER_MONTH);
    expect(line.atMaxQuantity).toBe(config.cluster.maxNodes * HOURS_PER_MONTH);
    expect(line.unitPrice).toBe(AWS_PRICES.ec2[type as keyof typeof AWS_PRICES.ec2].hourly);
  });

  it("prices Karpenter's NodePool at Spot only where the config allows Spot, and fills its CPU limit at max", () => {
    const nodePool = report.lines.find((line) => line.service === 'EC2 (nodes)' && line.resource === 'default' && line.unit === 'h')!;
    const type = nodePool.item.split(' ')[0] as keyof typeof AWS_PRICES.ec2;
    const { capacityTypes, limits, instanceCpus } = config.nodeAutoscaling;
    expect(instanceCpus).toContain(AWS_PRICES.ec2[type].vcpu);
    const fraction = capacityTypes.includes('spot') ? USAGE_ASSUMPTIONS[name].ec2SpotFraction : 1;
    expect(nodePool.unitPrice).toBeCloseTo(AWS_PRICES.ec2[type].hourly * fraction, 10);
    expect(nodePool.atMaxQuantity).toBe(Math.floor(limits.cpu / AWS_PRICES.ec2[type].vcpu) * HOURS_PER_MONTH);
  });

  it('prices every Aurora instance at the cluster maximum in the at-max column', () => {
    const instances = report.lines.filter((line) => line.service === 'Aurora' && line.unit === 'ACU-h');
    expect(instances).toHaveLength(config.database.readerInSecondAz ? 2 : 1);
    for (const line of instances) expect(line.atMaxCents).toBe(Math.round(config.database.maxCapacity * HOURS_PER_MONTH * AWS_PRICES.aurora.standard.acuHourly * 100));
  });

  it('prices the Dataproc workers from the GCP config and four HA VPN tunnels', () => {
    const workers = lineOf('Dataproc', `worker ${gcpConfig.cluster.workers.machineType} VMs`);
    expect(workers.quantity).toBe(gcpConfig.cluster.workers.count! * USAGE_ASSUMPTIONS[name].dataproc.hoursPerMonth);
    const tunnels = report.lines.filter((line) => line.item === 'HA VPN tunnel');
    expect(tunnels.map((line) => line.monthlyCents)).toEqual(Array(4).fill(Math.round(HOURS_PER_MONTH * GCP_PRICES.vpn.tunnelHourly * 100)));
  });
});
