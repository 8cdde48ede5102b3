import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEPLOY_TIME_HANDLER, LOG_GROUP_WITHOUT_CMK, OUTSIDE_VPC, acknowledgeCheckov, acknowledgeCheckovOnStackSingleton } from './policy-acknowledgements';

export interface NetworkProps {
  /**
   * NAT gateways: one is the cheap dev choice (one AZ's outage cuts egress for both), two gives each AZ its own.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Interface endpoints for ECR, STS and Secrets Manager. They bill per AZ-hour, so at dev traffic they cost
   * more than the NAT processing they save; the free S3 and DynamoDB gateway endpoints are always created.
   * @default true
   */
  readonly interfaceEndpoints?: boolean;
  /**
   * How long VPC flow logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * What happens to the flow log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Subnet groups every consumer selects by type: public (load balancers, NAT), private (nodes, MSK), isolated (Aurora). */
const SUBNETS: ec2.SubnetConfiguration[] = [
  { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
  // /20 because the VPC CNI gives every pod a VPC address.
  { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
  { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
];

const AVAILABILITY_ZONES = 2;
const VPC_CIDR = '10.0.0.0/16';

/** A two-AZ VPC with public, private and isolated subnets, endpoints that keep AWS traffic off NAT, and flow logs. */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  /** The VPC's CIDR as a literal, for places that cannot take a deploy-time value (Kubernetes network policies). */
  readonly cidrBlock = VPC_CIDR;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    const natGateways = props.natGateways ?? 1;
    if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > AVAILABILITY_ZONES) {
      throw new Error(`Network ${id}: natGateways must be 1 or ${AVAILABILITY_ZONES} (one per AZ), got ${natGateways}`);
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: AVAILABILITY_ZONES,
      natGateways,
      subnetConfiguration: SUBNETS,
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup) });
    acknowledgeCheckov(flowLogGroup, [LOG_GROUP_WITHOUT_CMK]);
    // restrictDefaultSecurityGroup empties the default security group through a CDK handler added once per stack.
    acknowledgeCheckovOnStackSingleton(this, 'Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler', [...DEPLOY_TIME_HANDLER, OUTSIDE_VPC]);

    if (props.interfaceEndpoints ?? true) {
      const endpoints = {
        Ecr: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        Sts: ec2.InterfaceVpcEndpointAwsService.STS,
        SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      };
      for (const [name, service] of Object.entries(endpoints)) {
        const endpoint = vpc.addInterfaceEndpoint(name, {
          service,
          subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          open: false,
        });
        endpoint.connections.allowDefaultPortFrom(ec2.Peer.ipv4(VPC_CIDR), 'HTTPS from inside the VPC');
      }
    }

    this.vpc = vpc;
  }
}
