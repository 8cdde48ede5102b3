import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CROSS_CLOUD_VALUES, type CrossCloudValue } from '../../../infra/cross-cloud-value';
import { CrossCloudExports, EventStream, Network } from '../../../infra/aws';
import { newStack, SYNTH_TIMEOUT } from './support';

const parameterNames = Object.fromEntries(CROSS_CLOUD_VALUES.map((value) => [value, `/test/cross-cloud/${value}`])) as Record<CrossCloudValue, string>;

function exportsOverThreeZones(resolverAddressCount?: number) {
  const stack = newStack();
  const network = new Network(stack, 'Network', { cidr: '10.1.0.0/16', availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
  const events = new EventStream(stack, 'Events', { vpc: network.vpc, topics: { orders: { partitions: 3, retention: Duration.days(7) } } });
  const exports = new CrossCloudExports(stack, 'CrossCloud', { network, events, parameterNames, resolverAddressCount });
  return { stack, exports };
}

describe('CrossCloudExports', { timeout: SYNTH_TIMEOUT }, () => {
  it('writes one parameter per value: lists as StringList, one entry per zone', () => {
    const { stack, exports } = exportsOverThreeZones();
    const template = Template.fromStack(stack);
    const parameters = Object.values(template.findResources('AWS::SSM::Parameter')).map(({ Properties }) => Properties);
    expect(parameters.map(({ Name }) => Name).sort()).toEqual(Object.values(parameterNames).sort());
    const typeOf = (value: CrossCloudValue) => parameters.find(({ Name }) => Name === parameterNames[value])?.Type;
    expect(CROSS_CLOUD_VALUES.filter((value) => typeOf(value) === 'StringList').sort()).toEqual(['resolverAddresses', 'resolverSubnetIds', 'routeTableIds']);
    expect(exports.parameters.get(parameterNames.routeTableIds)).toHaveLength(3);
    expect(exports.parameters.get(parameterNames.region)).toBe('us-east-1');
    expect(exports.parameters.get(parameterNames.vpcCidr)).toBe('10.1.0.0/16');
  });

  it('keeps host .53 of the first private subnets for the resolver', () => {
    const { exports } = exportsOverThreeZones();
    // Public /24s take 10.1.0-2.x; the private /20s follow from 10.1.16.0.
    expect(exports.parameters.get(parameterNames.resolverAddresses)).toEqual(['10.1.16.53', '10.1.32.53']);
    expect(exportsOverThreeZones(3).exports.parameters.get(parameterNames.resolverAddresses)).toEqual(['10.1.16.53', '10.1.32.53', '10.1.48.53']);
  });

  it('refuses fewer than two resolver addresses or more than there are private subnets', () => {
    expect(() => exportsOverThreeZones(1)).toThrow('CrossCloudExports CrossCloud: resolverAddressCount must be 2 to 3 (one per private subnet), got 1');
    expect(() => exportsOverThreeZones(4)).toThrow('CrossCloudExports CrossCloud: resolverAddressCount must be 2 to 3 (one per private subnet), got 4');
  });
});
