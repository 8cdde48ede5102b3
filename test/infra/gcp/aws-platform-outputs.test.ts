import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AwsPlatformOutputs, type AwsPlatformOutputsProps } from '../../../infra/gcp/index.js';
import { CROSS_CLOUD_VALUES, type CrossCloudValue } from '../../../infra/cross-cloud-value.js';

const props: AwsPlatformOutputsProps = {
  parameterNames: Object.fromEntries(CROSS_CLOUD_VALUES.map((value) => [value, `/test/${value}`])) as Record<CrossCloudValue, string>,
  expected: { region: 'us-east-1', vpcCidr: '10.1.0.0/16' },
  routeTableCount: 3,
  resolverAddressCount: 2,
};

function synthesize(overrides: Partial<AwsPlatformOutputsProps> = {}) {
  let outputs: AwsPlatformOutputs | undefined;
  const json = Testing.synthScope((scope) => {
    new AwsProvider(scope, 'aws', { region: 'us-east-1' });
    outputs = new AwsPlatformOutputs(scope, 'aws-platform', { ...props, ...overrides });
  });
  return { outputs: outputs as AwsPlatformOutputs, data: JSON.parse(json).data.aws_ssm_parameter as Record<string, Record<string, any>> };
}

describe('AwsPlatformOutputs', () => {
  it('reads one SSM parameter per published value', () => {
    const { data } = synthesize();
    expect(Object.values(data).map(({ name }) => name).sort()).toEqual(CROSS_CLOUD_VALUES.map((value) => `/test/${value}`).sort());
  });

  it('fails the plan when the AWS stack published another region or range than this stack builds on', () => {
    const { data } = synthesize();
    const byName = (name: string) => Object.values(data).find((parameter) => parameter.name === name);
    expect(byName('/test/region')?.lifecycle.postcondition).toEqual([
      { condition: '${self.insecure_value == "us-east-1"}', error_message: "The AWS stack runs in another region than us-east-1, where this stack's AWS provider looks" },
    ]);
    expect(byName('/test/vpcCidr')?.lifecycle.postcondition[0].condition).toBe('${self.insecure_value == "10.1.0.0/16"}');
    expect(byName('/test/routeTableIds')?.lifecycle.postcondition[0].condition).toBe('${length(split(",", self.insecure_value)) == 3}');
    expect(byName('/test/resolverAddresses')?.lifecycle.postcondition[0].condition).toBe('${length(split(",", self.insecure_value)) == 2}');
  });

  it('hands out list items by position, and the expected range as a literal', () => {
    const { outputs } = synthesize();
    expect(outputs.vpc.routeTableIds).toHaveLength(3);
    expect(outputs.vpc.dnsResolverAddresses).toHaveLength(2);
    expect(outputs.vpc.vpcCidr).toBe('10.1.0.0/16');
  });

  it('rejects an expected range or region that is not one', () => {
    expect(() => synthesize({ expected: { region: 'us-east-1', vpcCidr: '10.1.0.0' } })).toThrow('AwsPlatformOutputs: expected.vpcCidr must be an IPv4 CIDR block');
    expect(() => synthesize({ expected: { region: 'mars', vpcCidr: '10.1.0.0/16' } })).toThrow(
      'AwsPlatformOutputs: expected.region must be an AWS region such as us-east-1, got "mars"',
    );
    expect(() => synthesize({ resolverAddressCount: 1 })).toThrow('AwsPlatformOutputs: resolverAddressCount must be an integer of at least 2, got 1');
  });
});
