import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEPLOY_TIME_HANDLER, LOG_GROUP_WITHOUT_CMK, OUTSIDE_VPC, acknowledgeCheckov, acknowledgeCheckovOnStackSingleton } from './policy-acknowledgements';

export interface NetworkProps {
  /**
   * The VPC's IPv4 range. Each environment takes its own, so that the analytics VPC on GCP can route to any of them
   * over its VPN without overlap.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Availability zones to spread the subnets over, by name. Three let a quorum (MSK's replication factor 3 with
   * `min.insync.replicas=2`) survive the loss of one zone; two are the cheaper dev choice.
   * @default - the first two zones of the stack's region
   */
  readonly availabilityZones?: readonly string[];
  /**
   * NAT gateways: one is the cheap dev choice (one AZ's outage cuts egress for all), one per AZ gives each its own.
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

const DEFAULT_AVAILABILITY_ZONES = 2;
/** A /16 leaves room for the /20 private subnets of up to three zones beside the public and isolated ones. */
const IPV4_SLASH_16 = /^(10|172|192)\.\d{1,3}\.0\.0\/16$/;

/** A VPC over two or three AZs with public, private and isolated subnets, endpoints that keep AWS traffic off NAT, and flow logs. */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  /** The VPC's CIDR as a literal, for places that cannot take a deploy-time value (Kubernetes network policies). */
  readonly cidrBlock: string;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    this.cidrBlock = props.cidr ?? '10.0.0.0/16';
    if (!IPV4_SLASH_16.test(this.cidrBlock)) {
      throw new Error(`Network ${id}: cidr must be a private /16 such as 10.1.0.0/16, got '${this.cidrBlock}'`);
    }
    const zoneCount = props.availabilityZones?.length ?? DEFAULT_AVAILABILITY_ZONES;
    if (zoneCount < 2 || zoneCount > 3) {
      throw new Error(`Network ${id}: availabilityZones must name two or three zones, got ${JSON.stringify(props.availabilityZones)}`);
    }
    const natGateways = props.natGateways ?? 1;
    if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > zoneCount) {
      throw new Error(`Network ${id}: natGateways must be 1 to ${zoneCount} (at most one per AZ), got ${natGateways}`);
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(this.cidrBlock),
      ...(props.availabilityZones ? { availabilityZones: [...props.availabilityZones] } : { maxAzs: DEFAULT_AVAILABILITY_ZONES }),
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
        endpoint.connections.allowDefaultPortFrom(ec2.Peer.ipv4(this.cidrBlock), 'HTTPS from inside the VPC');
      }
    }

    this.vpc = vpc;
  }
}
