/**
 * What the AWS and the GCP half of an environment must agree on, written once and read by both stacks' configs:
 * the regions and address ranges (known before either stack exists), and the names of the SSM parameters through
 * which the AWS stack hands its deploy-time values (VPC, route tables, MSK) to the GCP stack's plan.
 */

import { CROSS_CLOUD_VALUES, type CrossCloudValue } from '../infra/cross-cloud-value';

export type { CrossCloudValue } from '../infra/cross-cloud-value';

export type EnvironmentName = 'dev' | 'prod';

export interface CrossCloudEnvironment {
  readonly aws: {
    readonly region: string;
    /** The platform VPC's range; the GCP firewall and the VPN route to it. */
    readonly vpcCidr: string;
    /** Zones of the platform VPC, in the account's naming; each gets a private subnet, its route table and an MSK broker. */
    readonly availabilityZones: readonly string[];
  };
  readonly gcp: {
    readonly region: string;
    /** The analytics subnet; it must not overlap the AWS VPC, or the VPN could not route between them. */
    readonly subnetCidr: string;
  };
}

export const CROSS_CLOUD_ENVIRONMENTS: Readonly<Record<EnvironmentName, CrossCloudEnvironment>> = {
  dev: {
    aws: { region: 'us-east-1', vpcCidr: '10.0.0.0/16', availabilityZones: ['us-east-1a', 'us-east-1b'] },
    gcp: { region: 'europe-west1', subnetCidr: '10.60.0.0/24' },
  },
  prod: {
    // Three zones: MSK keeps a quorum of in-sync replicas (two of three) through the loss of one.
    aws: { region: 'us-east-1', vpcCidr: '10.1.0.0/16', availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
    gcp: { region: 'europe-west1', subnetCidr: '10.61.0.0/24' },
  },
};

/**
 * The values the AWS stack publishes as SSM parameters, by the last segment of the parameter's name. Lists are
 * StringList parameters (comma-separated); the GCP stack takes them apart by position.
 */
export const CROSS_CLOUD_PARAMETERS = {
  region: { name: 'region', list: false },
  vpcId: { name: 'vpc-id', list: false },
  vpcCidr: { name: 'vpc-cidr', list: false },
  /** One per zone, of the private subnets where the brokers are. */
  routeTableIds: { name: 'route-table-ids', list: true },
  mskClusterArn: { name: 'msk-cluster-arn', list: false },
  /** `host:port,...` of the IAM-authenticated TLS listeners. */
  mskBootstrapBrokers: { name: 'msk-bootstrap-brokers-iam', list: false },
  mskSecurityGroupId: { name: 'msk-security-group-id', list: false },
  /** Subnets of the Route 53 Resolver inbound endpoint, one per address below. */
  resolverSubnetIds: { name: 'resolver-subnet-ids', list: true },
  /** Fixed addresses of that endpoint, which Cloud DNS forwards the broker names to. */
  resolverAddresses: { name: 'resolver-addresses', list: true },
} as const satisfies Record<CrossCloudValue, { readonly name: string; readonly list: boolean }>;

/** Route 53 Resolver endpoints need at least two addresses in different subnets; two is enough for redundancy. */
export const RESOLVER_ADDRESS_COUNT = 2;

/** `/shop/<environment>/cross-cloud/<value>`: stable, so that either stack can be changed without the other. */
function crossCloudParameterName(environment: EnvironmentName, value: CrossCloudValue): string {
  return `/shop/${environment}/cross-cloud/${CROSS_CLOUD_PARAMETERS[value].name}`;
}

/** Every published value's parameter name in one environment: what the AWS stack writes and the GCP stack reads. */
export function crossCloudParameterNames(environment: EnvironmentName): Readonly<Record<CrossCloudValue, string>> {
  return Object.fromEntries(CROSS_CLOUD_VALUES.map((value) => [value, crossCloudParameterName(environment, value)])) as Record<CrossCloudValue, string>;
}

/** The DNS domain of the MSK broker names in a region, forwarded from GCP to the resolver in the VPC. */
export function mskBrokerDnsDomain(region: string): string {
  return `kafka.${region}.amazonaws.com`;
}
