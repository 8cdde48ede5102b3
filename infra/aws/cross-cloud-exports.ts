import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CrossCloudValue } from '../cross-cloud-value';
import type { EventStream } from './event-stream';
import type { Network } from './network';

export interface CrossCloudExportsProps {
  readonly network: Network;
  readonly events: EventStream;
  /** The SSM parameter each value is written to; the reading stack looks them up by the same names. */
  readonly parameterNames: Readonly<Record<CrossCloudValue, string>>;
  /**
   * Addresses kept for a Route 53 Resolver inbound endpoint, one in each of the first private subnets.
   * @default 2 (the fewest an endpoint accepts)
   */
  readonly resolverAddressCount?: number;
}

/** Host number of the resolver's address in each private subnet: low in the range, past the five AWS reserves. */
const RESOLVER_HOST = 53;

/**
 * Publishes this stack's network and MSK endpoints as SSM parameters (String, or StringList for lists), so that the
 * GCP stack reads them with data sources at plan time instead of copies in its config. Lists follow the order of the
 * zones; route tables are those of the private subnets, where the brokers and the resolver addresses are.
 */
export class CrossCloudExports extends Construct {
  /** Every published value by parameter name: strings, or lists for StringList parameters. */
  readonly parameters: ReadonlyMap<string, string | readonly string[]>;

  constructor(scope: Construct, id: string, props: CrossCloudExportsProps) {
    super(scope, id);
    const privateSubnets = props.network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, onePerAz: true }).subnets;
    const resolverAddressCount = props.resolverAddressCount ?? 2;
    if (!Number.isInteger(resolverAddressCount) || resolverAddressCount < 2 || resolverAddressCount > privateSubnets.length) {
      throw new Error(`CrossCloudExports ${id}: resolverAddressCount must be 2 to ${privateSubnets.length} (one per private subnet), got ${resolverAddressCount}`);
    }
    const resolverSubnets = privateSubnets.slice(0, resolverAddressCount);
    const [brokerSecurityGroup] = props.events.connections.securityGroups;
    if (!brokerSecurityGroup) throw new Error(`CrossCloudExports ${id}: the event stream has no security group`);

    const values: Record<CrossCloudValue, string | readonly string[]> = {
      region: Stack.of(this).region,
      vpcId: props.network.vpc.vpcId,
      vpcCidr: props.network.cidrBlock,
      routeTableIds: privateSubnets.map((subnet) => subnet.routeTable.routeTableId),
      mskClusterArn: props.events.clusterArn,
      mskBootstrapBrokers: props.events.bootstrapBrokers,
      mskSecurityGroupId: brokerSecurityGroup.securityGroupId,
      resolverSubnetIds: resolverSubnets.map((subnet) => subnet.subnetId),
      resolverAddresses: resolverSubnets.map((subnet) => hostAddress(subnet.ipv4CidrBlock, RESOLVER_HOST)),
    };

    const parameters = new Map<string, string | readonly string[]>();
    for (const [key, value] of Object.entries(values) as [CrossCloudValue, string | readonly string[]][]) {
      const parameterName = props.parameterNames[key];
      const description = `Cross-cloud link: ${key} of ${Stack.of(this).stackName}`;
      if (typeof value === 'string') {
        new ssm.StringParameter(this, key, { parameterName, stringValue: value, description });
      } else {
        new ssm.StringListParameter(this, key, { parameterName, stringListValue: [...value], description });
      }
      parameters.set(parameterName, value);
    }
    this.parameters = parameters;
  }
}

/** The address `host` places into a subnet, e.g. 10.0.32.0/20 and 53 give 10.0.32.53. */
function hostAddress(cidr: string, host: number): string {
  const [address = '', prefix = ''] = cidr.split('/');
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet)) || !/^\d+$/.test(prefix)) {
    throw new Error(`CrossCloudExports: expected a literal subnet CIDR, got '${cidr}'`);
  }
  const start = octets.reduce((value, octet) => value * 256 + octet, 0);
  const value = start + host;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
