/**
 * The values the AWS stack publishes for the GCP stack, each in its own SSM parameter: declared once here, where
 * both halves (the AWS construct that writes them, the GCP construct that reads them) and the stacks' shared
 * config can import it.
 */
export const CROSS_CLOUD_VALUES = [
  'region',
  'vpcId',
  'vpcCidr',
  'routeTableIds',
  'mskClusterArn',
  'mskBootstrapBrokers',
  'mskSecurityGroupId',
  'resolverSubnetIds',
  'resolverAddresses',
] as const;

export type CrossCloudValue = (typeof CROSS_CLOUD_VALUES)[number];
