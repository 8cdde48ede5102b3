import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { platformContract } from '../../contracts/platform';
import { cidrsOverlap } from '../../infra/gcp/validation.js';
import { FEATURE_FLAGS } from '../../stacks/aws/app-context';
import { ENVIRONMENTS } from '../../stacks/aws/config';
import { ShopStack } from '../../stacks/aws/shop-stack';
import { CROSS_CLOUD_ENVIRONMENTS, type EnvironmentName } from '../../stacks/cross-cloud';
import { AnalyticsPlatformStack } from '../../stacks/gcp/analytics-platform-stack.js';
import { environments as gcpEnvironments } from '../../stacks/gcp/config.js';
import { FIXTURE_SOURCES, SYNTH_TIMEOUT } from './aws/support';
import { FIXTURE_JAR } from './gcp/fixtures/analytics-fixtures.js';

interface TerraformJson {
  provider: { aws: { region: string }[] };
  data: { aws_ssm_parameter: Record<string, { name: string; lifecycle?: { postcondition: { condition: string }[] } }> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * Both halves of each environment, synthesized as they deploy: the AWS stack (CloudFormation) and the GCP stack
 * (Terraform JSON). What one writes and the other reads must match by name, and what both assume must agree.
 */
describe.each(['dev', 'prod'] as const)('the two stacks of %s', (environment: EnvironmentName) => {
  let aws: Template;
  let gcp: TerraformJson;
  const awsConfig = ENVIRONMENTS[environment];
  const gcpConfig = gcpEnvironments.find((config) => config.environment === environment);
  if (!gcpConfig) throw new Error(`no GCP config for ${environment}`);

  beforeAll(() => {
    const app = new App({ context: FEATURE_FLAGS });
    const stack = new ShopStack(app, `Shop-${environment}`, { config: awsConfig, sources: FIXTURE_SOURCES, env: { region: awsConfig.region } });
    aws = Template.fromStack(stack);
    const analytics = new AnalyticsPlatformStack(Testing.app(), `analytics-${environment}`, { config: gcpConfig, jobJarPath: FIXTURE_JAR });
    gcp = JSON.parse(Testing.synth(analytics)) as TerraformJson;
  }, SYNTH_TIMEOUT);

  const prefix = `/shop/${environment}/cross-cloud/`;
  /** The SSM parameters the AWS stack writes under the prefix, by name, with the literal value where synth knows it. */
  const published = () =>
    new Map(
      Object.values(aws.findResources('AWS::SSM::Parameter'))
        .filter(({ Properties }) => String(Properties.Name).startsWith(prefix))
        .map(({ Properties }) => [Properties.Name as string, Properties.Value as unknown]),
    );
  const readByGcp = () => Object.values(gcp.data.aws_ssm_parameter).map(({ name }) => name);

  it('reads exactly the parameters the AWS stack writes, and no hand-copied AWS value', () => {
    expect(readByGcp().sort()).toEqual([...published().keys()].sort());
    expect(readByGcp().every((name) => name.startsWith(prefix))).toBe(true);
    // No AWS identifier is written into the Terraform JSON; each comes from a data source at plan time.
    const terraform = JSON.stringify(gcp.resource);
    expect(terraform).not.toMatch(/\b(vpc|rtb|subnet|sg)-[0-9a-f]{8,17}\b|arn:aws:kafka:|\.kafka\.[a-z0-9-]+\.amazonaws\.com:9098/);
  });

  it('runs the AWS provider in the region the AWS stack is deployed to and publishes', () => {
    expect(gcp.provider.aws.map(({ region }) => region)).toEqual([awsConfig.region]);
    expect(published().get(`${prefix}region`)).toBe(awsConfig.region);
    expect(awsConfig.region).toBe(CROSS_CLOUD_ENVIRONMENTS[environment].aws.region);
  });

  it('routes and opens the firewall to the VPC range the AWS stack builds and publishes', () => {
    const vpcCidr = CROSS_CLOUD_ENVIRONMENTS[environment].aws.vpcCidr;
    aws.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: vpcCidr });
    expect(published().get(`${prefix}vpc-cidr`)).toBe(vpcCidr);
    const firewalls = Object.values(gcp.resource.google_compute_firewall ?? {}) as { destination_ranges?: string[] }[];
    expect(firewalls.flatMap(({ destination_ranges }) => destination_ranges ?? [])).toEqual([vpcCidr, vpcCidr]);
    // The plan checks the published value against the one it opens the firewall to.
    const cidrCheck = Object.values(gcp.data.aws_ssm_parameter).find(({ name }) => name.endsWith('/vpc-cidr'));
    expect(cidrCheck?.lifecycle?.postcondition[0]?.condition).toBe(`\${self.insecure_value == "${vpcCidr}"}`);
  });

  it('takes apart as many route tables as the AWS VPC has zones, and resolver addresses inside the VPC', () => {
    const zones = CROSS_CLOUD_ENVIRONMENTS[environment].aws.availabilityZones.length;
    expect(Object.keys(gcp.resource.aws_vpn_gateway_route_propagation ?? {})).toHaveLength(zones);
    aws.resourceCountIs('AWS::MSK::Cluster', 1);
    aws.hasResourceProperties('AWS::MSK::Cluster', { NumberOfBrokerNodes: zones });
    const addresses = String(published().get(`${prefix}resolver-addresses`)).split(',');
    expect(addresses).toHaveLength(2);
    for (const address of addresses) expect(cidrsOverlap(`${address}/32`, awsConfig.network.cidr)).toBe(true);
  });

  it('declares on MSK the topics the analytics job reads and writes, all from the platform contract', () => {
    const declared = Object.values(aws.findResources('AWS::MSK::Topic')).map(({ Properties }) => Properties.TopicName as string);
    expect(declared.sort()).toEqual(Object.values(platformContract.topics).map(({ name }) => name).sort());
    const manifest = Object.values(gcp.resource.google_storage_bucket_object ?? {}).find(({ name }) => String(name).startsWith('flink/desired/'));
    const args = (JSON.parse(String(manifest?.content)) as { args: string[] }).args;
    const argument = (flag: string) => args[args.indexOf(flag) + 1];
    for (const flag of ['--orders-topic', '--results-topic', '--dlq-topic']) expect(declared).toContain(argument(flag));
  });
});

describe('address ranges across both clouds and environments', () => {
  it('never overlap, so each GCP subnet routes to its AWS VPC and no environment shadows another', () => {
    const ranges = Object.entries(CROSS_CLOUD_ENVIRONMENTS).flatMap(([environment, { aws, gcp }]) => [
      { name: `${environment} AWS VPC`, cidr: aws.vpcCidr },
      { name: `${environment} GCP subnet`, cidr: gcp.subnetCidr },
    ]);
    const overlaps = ranges.flatMap((first, index) =>
      ranges.slice(index + 1).filter((second) => cidrsOverlap(first.cidr, second.cidr)).map((second) => `${first.name} / ${second.name}`),
    );
    expect(overlaps).toEqual([]);
  });

  it('are what each stack config uses', () => {
    for (const config of gcpEnvironments) {
      const shared = CROSS_CLOUD_ENVIRONMENTS[config.environment];
      expect([config.gcp.region, config.gcp.subnetCidr, config.aws.region, config.aws.vpcCidr]).toEqual([
        shared.gcp.region,
        shared.gcp.subnetCidr,
        shared.aws.region,
        shared.aws.vpcCidr,
      ]);
      const awsConfig = ENVIRONMENTS[config.environment];
      expect([awsConfig.region, awsConfig.network.cidr, awsConfig.network.availabilityZones]).toEqual([shared.aws.region, shared.aws.vpcCidr, shared.aws.availabilityZones]);
    }
  });
});
