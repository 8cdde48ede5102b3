import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { CrossCloudValue } from '../cross-cloud-value.js';
import type { AwsVpcPeer } from './cross-cloud-link.js';
import { assertCidr, assertPositiveInteger, invalid } from './validation.js';

export interface AwsPlatformOutputsProps {
  /** The SSM parameter of each value, as the AWS stack writes them. */
  readonly parameterNames: Readonly<Record<CrossCloudValue, string>>;
  /**
   * What this stack builds on before the plan can read anything: the AWS provider's region and the range the GCP
   * firewall opens. The plan fails if the AWS stack published different ones.
   */
  readonly expected: { readonly region: string; readonly vpcCidr: string };
  /** Route tables the AWS stack publishes: one per zone of its VPC. */
  readonly routeTableCount: number;
  /** Addresses the AWS stack keeps for the Route 53 Resolver inbound endpoint. */
  readonly resolverAddressCount: number;
}

/**
 * The AWS stack's outputs, read at plan time with `aws_ssm_parameter` data sources (in the AWS provider's region)
 * rather than copied into this stack's config. List parameters are taken apart by position, so their lengths are
 * fixed here (by zone count) and the plan fails on a list of another length instead of wiring half of it.
 */
export class AwsPlatformOutputs extends Construct {
  readonly vpc: Omit<AwsVpcPeer, 'amazonSideAsn'>;
  readonly msk: { readonly clusterArn: string; readonly bootstrapBrokers: string; readonly securityGroupId: string };
  /** Names of the parameters read, for checks that the AWS stack writes every one of them. */
  readonly parameterNames: readonly string[];

  constructor(scope: Construct, id: string, props: AwsPlatformOutputsProps) {
    super(scope, id);
    assertCidr('AwsPlatformOutputs', 'expected.vpcCidr', props.expected.vpcCidr);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.expected.region)) {
      throw invalid('AwsPlatformOutputs', 'expected.region', props.expected.region, 'an AWS region such as us-east-1');
    }
    assertPositiveInteger('AwsPlatformOutputs', 'routeTableCount', props.routeTableCount);
    assertPositiveInteger('AwsPlatformOutputs', 'resolverAddressCount', props.resolverAddressCount, 2);

    const read = (value: CrossCloudValue, postcondition?: { equals: string; errorMessage: string }) =>
      new DataAwsSsmParameter(this, value, {
        name: props.parameterNames[value],
        ...(postcondition
          ? {
              lifecycle: {
                postcondition: [{ condition: `\${self.insecure_value == "${postcondition.equals}"}`, errorMessage: postcondition.errorMessage }],
              },
            }
          : {}),
      }).insecureValue;
    const readList = (value: CrossCloudValue, length: number): string[] => {
      const parameter = new DataAwsSsmParameter(this, value, {
        name: props.parameterNames[value],
        lifecycle: {
          postcondition: [
            {
              condition: `\${length(split(",", self.insecure_value)) == ${length}}`,
              errorMessage: `${props.parameterNames[value]} must list ${length} values`,
            },
          ],
        },
      });
      return Array.from({ length }, (_, index) => Fn.element(Fn.split(',', parameter.insecureValue), index));
    };

    read('region', {
      equals: props.expected.region,
      errorMessage: `The AWS stack runs in another region than ${props.expected.region}, where this stack's AWS provider looks`,
    });
    read('vpcCidr', {
      equals: props.expected.vpcCidr,
      errorMessage: `The AWS VPC is not ${props.expected.vpcCidr}, the range this stack routes and opens its firewall to`,
    });
    const resolverSubnetIds = readList('resolverSubnetIds', props.resolverAddressCount);
    const resolverAddresses = readList('resolverAddresses', props.resolverAddressCount);
    this.vpc = {
      vpcId: read('vpcId'),
      // The literal, checked against the published value above: validation and firewall rules need it at synth.
      vpcCidr: props.expected.vpcCidr,
      routeTableIds: readList('routeTableIds', props.routeTableCount),
      dnsResolverAddresses: resolverSubnetIds.map((subnetId, index) => ({ subnetId, ip: resolverAddresses[index] as string })),
    };
    this.msk = {
      clusterArn: read('mskClusterArn'),
      bootstrapBrokers: read('mskBootstrapBrokers'),
      securityGroupId: read('mskSecurityGroupId'),
    };
    this.parameterNames = Object.values(props.parameterNames);
  }
}
