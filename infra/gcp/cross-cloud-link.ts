import { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway/index.js';
import { Route53ResolverEndpoint } from '@cdktf/provider-aws/lib/route53-resolver-endpoint/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection/index.js';
import { VpnGateway } from '@cdktf/provider-aws/lib/vpn-gateway/index.js';
import { VpnGatewayRoutePropagation } from '@cdktf/provider-aws/lib/vpn-gateway-route-propagation/index.js';
import { ComputeExternalVpnGateway } from '@cdktf/provider-google/lib/compute-external-vpn-gateway/index.js';
import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
import { ComputeHaVpnGateway } from '@cdktf/provider-google/lib/compute-ha-vpn-gateway/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterInterface } from '@cdktf/provider-google/lib/compute-router-interface/index.js';
import { ComputeRouterPeer } from '@cdktf/provider-google/lib/compute-router-peer/index.js';
import { ComputeVpnTunnel } from '@cdktf/provider-google/lib/compute-vpn-tunnel/index.js';
import { DnsManagedZone } from '@cdktf/provider-google/lib/dns-managed-zone/index.js';
import { Construct } from 'constructs';
import type { AnalyticsNetwork } from './analytics-network.js';
import { assertCidr, assertGcpName, assertIpv4, cidrsOverlap, invalid, isPlanTimeValue } from './validation.js';

/** The platform VPC on AWS, from the outputs of the AWS stack: literals, or values the plan reads (`AwsPlatformOutputs`). */
export interface AwsVpcPeer {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Route tables of the subnets that must reach GCP (where the MSK brokers are); BGP routes propagate into them. */
  readonly routeTableIds: readonly string[];
  /**
   * BGP ASN of the AWS virtual private gateway.
   * @default 64512
   */
  readonly amazonSideAsn?: number;
  /**
   * Two or more fixed addresses, in different subnets of the VPC, for the Route 53 Resolver inbound
   * endpoint that answers the DNS queries Cloud DNS forwards.
   */
  readonly dnsResolverAddresses: readonly { readonly subnetId: string; readonly ip: string }[];
}

/** How the MSK cluster is reached. */
export interface MskEndpoint {
  /** Security group of the MSK brokers; the link adds ingress rules from the GCP subnet to it. */
  readonly securityGroupId: string;
  /** Broker ports to open; MSK listens on 9092 (plaintext), 9094 (TLS), 9096 (SASL/SCRAM), 9098 (IAM). */
  readonly ports: readonly number[];
  /** DNS domain of the broker names, forwarded to AWS, e.g. `kafka.us-east-1.amazonaws.com`. */
  readonly brokerDnsDomain: string;
}

export interface CrossCloudLinkProps {
  /** Prefix of the GCP resource names. */
  readonly name: string;
  readonly region: string;
  readonly network: AnalyticsNetwork;
  /**
   * BGP ASN of the Cloud Router.
   * @default 65010
   */
  readonly cloudRouterAsn?: number;
  readonly aws: AwsVpcPeer;
  readonly msk: MskEndpoint;
}

const MSK_PORTS = new Set([9092, 9094, 9096, 9098]);
// Cloud DNS sends forwarded queries from this range; AWS must accept them and route answers back over the VPN.
const CLOUD_DNS_FORWARDING_RANGE = '35.199.192.0/19';

function isPrivateAsn(asn: number): boolean {
  return Number.isInteger(asn) && ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294));
}

/**
 * A private, redundant link from the analytics VPC to the platform VPC on AWS, following the documented
 * GCP-to-AWS HA VPN pattern: a GCP HA VPN gateway (two interfaces), two AWS customer gateways (one per
 * interface) and two site-to-site VPN connections to a virtual private gateway attached to the VPC, which
 * gives four tunnels; the external VPN gateway has the four AWS tunnel endpoints, and the Cloud Router runs
 * one BGP session per tunnel. Cloud DNS forwards the MSK broker domain to a Route 53 Resolver inbound
 * endpoint in the VPC. Only the MSK ports are open towards AWS, on both sides.
 */
export class CrossCloudLink extends Construct {
  readonly haVpnGateway: ComputeHaVpnGateway;
  readonly tunnels: readonly ComputeVpnTunnel[];
  readonly vpnConnections: readonly VpnConnection[];
  readonly brokerDnsZone: DnsManagedZone;

  constructor(scope: Construct, id: string, props: CrossCloudLinkProps) {
    super(scope, id);
    const { aws, network } = props;
    const cloudRouterAsn = props.cloudRouterAsn ?? 65010;
    const amazonSideAsn = aws.amazonSideAsn ?? 64512;
    validate(props, cloudRouterAsn, amazonSideAsn);

    // GCP side: the gateway and the router. Advertising the Cloud DNS range lets AWS answer forwarded queries.
    this.haVpnGateway = new ComputeHaVpnGateway(this, 'ha-vpn', { name: `${props.name}-to-aws`, network: network.network.id, region: props.region });
    const router = new ComputeRouter(this, 'router', {
      name: `${props.name}-to-aws`,
      network: network.network.id,
      region: props.region,
      bgp: {
        asn: cloudRouterAsn,
        advertiseMode: 'CUSTOM',
        advertisedGroups: ['ALL_SUBNETS'],
        advertisedIpRanges: [{ range: CLOUD_DNS_FORWARDING_RANGE, description: 'Cloud DNS forwarding sources' }],
      },
    });

    // AWS side: the virtual private gateway, one customer gateway and VPN connection per GCP interface.
    const vpnGateway = new VpnGateway(this, 'aws-vgw', { vpcId: aws.vpcId, amazonSideAsn: String(amazonSideAsn), tags: { Name: `${props.name}-gcp` } });
    aws.routeTableIds.forEach((routeTableId, index) =>
      new VpnGatewayRoutePropagation(this, `aws-route-propagation-${index}`, { vpnGatewayId: vpnGateway.id, routeTableId }),
    );
    this.vpnConnections = [0, 1].map((gcpInterface) => {
      const customerGateway = new CustomerGateway(this, `aws-cgw-${gcpInterface}`, {
        type: 'ipsec.1',
        bgpAsn: String(cloudRouterAsn),
        ipAddress: this.haVpnGateway.vpnInterfaces.get(gcpInterface).ipAddress,
        tags: { Name: `${props.name}-gcp-interface-${gcpInterface}` },
      });
      return new VpnConnection(this, `aws-vpn-${gcpInterface}`, {
        type: 'ipsec.1',
        customerGatewayId: customerGateway.id,
        vpnGatewayId: vpnGateway.id,
        staticRoutesOnly: false,
        tunnel1IkeVersions: ['ikev2'],
        tunnel2IkeVersions: ['ikev2'],
        tags: { Name: `${props.name}-gcp-interface-${gcpInterface}` },
      });
    });

    // Back on GCP: the four AWS tunnel endpoints, the tunnels and a BGP session on each.
    const awsTunnels = this.vpnConnections.flatMap((connection) => [
      { outsideAddress: connection.tunnel1Address, presharedKey: connection.tunnel1PresharedKey, cgwInside: connection.tunnel1CgwInsideAddress, vgwInside: connection.tunnel1VgwInsideAddress },
      { outsideAddress: connection.tunnel2Address, presharedKey: connection.tunnel2PresharedKey, cgwInside: connection.tunnel2CgwInsideAddress, vgwInside: connection.tunnel2VgwInsideAddress },
    ]);
    const peerGateway = new ComputeExternalVpnGateway(this, 'aws-peer', {
      name: `${props.name}-aws-peer`,
      redundancyType: 'FOUR_IPS_REDUNDANCY',
      interface: awsTunnels.map((tunnel, index) => ({ id: index, ipAddress: tunnel.outsideAddress })),
    });
    this.tunnels = awsTunnels.map((awsTunnel, index) => {
      const tunnel = new ComputeVpnTunnel(this, `tunnel-${index}`, {
        name: `${props.name}-to-aws-${index}`,
        region: props.region,
        vpnGateway: this.haVpnGateway.id,
        // Tunnels 0-1 belong to the VPN connection of GCP interface 0, tunnels 2-3 to that of interface 1.
        vpnGatewayInterface: Math.floor(index / 2),
        peerExternalGateway: peerGateway.id,
        peerExternalGatewayInterface: index,
        // AWS generates the pre-shared keys; they live in Terraform state, never in the template.
        sharedSecret: awsTunnel.presharedKey,
        ikeVersion: 2,
        router: router.id,
      });
      const routerInterface = new ComputeRouterInterface(this, `bgp-interface-${index}`, {
        name: `${props.name}-to-aws-${index}`,
        region: props.region,
        router: router.name,
        ipRange: `${awsTunnel.cgwInside}/30`,
        vpnTunnel: tunnel.name,
      });
      new ComputeRouterPeer(this, `bgp-peer-${index}`, {
        name: `${props.name}-aws-${index}`,
        region: props.region,
        router: router.name,
        interface: routerInterface.name,
        peerIpAddress: awsTunnel.vgwInside,
        peerAsn: amazonSideAsn,
      });
      return tunnel;
    });

    this.brokerDnsZone = this.forwardBrokerDns(props);
    this.openOnlyMskPorts(props);
  }

  private forwardBrokerDns(props: CrossCloudLinkProps): DnsManagedZone {
    const { aws, msk } = props;
    const resolverSecurityGroup = new SecurityGroup(this, 'aws-resolver-sg', {
      name: `${props.name}-gcp-dns-forwarding`,
      description: 'DNS queries forwarded by Cloud DNS over the VPN',
      vpcId: aws.vpcId,
    });
    for (const protocol of ['udp', 'tcp']) {
      new VpcSecurityGroupIngressRule(this, `aws-resolver-dns-${protocol}`, {
        securityGroupId: resolverSecurityGroup.id,
        ipProtocol: protocol,
        fromPort: 53,
        toPort: 53,
        cidrIpv4: CLOUD_DNS_FORWARDING_RANGE,
        description: `DNS over ${protocol} from Cloud DNS forwarding`,
      });
    }
    new Route53ResolverEndpoint(this, 'aws-resolver', {
      name: `${props.name}-gcp-inbound`,
      direction: 'INBOUND',
      securityGroupIds: [resolverSecurityGroup.id],
      ipAddress: aws.dnsResolverAddresses.map(({ subnetId, ip }) => ({ subnetId, ip })),
    });
    return new DnsManagedZone(this, 'broker-dns', {
      name: `${props.name}-msk-brokers`,
      dnsName: `${msk.brokerDnsDomain}.`,
      description: 'Forwards MSK broker names to the Route 53 Resolver in the AWS VPC',
      visibility: 'private',
      privateVisibilityConfig: { networks: [{ networkUrl: props.network.network.id }] },
      forwardingConfig: {
        targetNameServers: aws.dnsResolverAddresses.map(({ ip }) => ({ ipv4Address: ip, forwardingPath: 'private' })),
      },
    });
  }

  private openOnlyMskPorts(props: CrossCloudLinkProps): void {
    const { aws, msk, network } = props;
    const ports = msk.ports.map(String);
    // GCP allows all egress by default: allow the broker ports to the AWS VPC, then deny the rest of it.
    new ComputeFirewall(this, 'egress-msk', {
      name: `${props.name}-egress-msk`,
      network: network.network.name,
      direction: 'EGRESS',
      priority: 1000,
      destinationRanges: [aws.vpcCidr],
      allow: [{ protocol: 'tcp', ports }],
    });
    new ComputeFirewall(this, 'egress-aws-deny', {
      name: `${props.name}-egress-aws-deny`,
      network: network.network.name,
      direction: 'EGRESS',
      priority: 1100,
      destinationRanges: [aws.vpcCidr],
      deny: [{ protocol: 'all' }],
    });
    msk.ports.forEach((port) =>
      new VpcSecurityGroupIngressRule(this, `aws-msk-from-gcp-${port}`, {
        securityGroupId: msk.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrIpv4: network.subnetCidr,
        description: `MSK port ${port} from the GCP analytics subnet`,
      }),
    );
  }
}

function validate(props: CrossCloudLinkProps, cloudRouterAsn: number, amazonSideAsn: number): void {
  const { aws, msk } = props;
  // The longest derived name is "<name>-egress-aws-deny".
  assertGcpName('CrossCloudLink', 'name', props.name, 63 - '-egress-aws-deny'.length);
  if (!isPlanTimeValue(aws.vpcId) && !/^vpc-[0-9a-f]{8,17}$/.test(aws.vpcId)) throw invalid('CrossCloudLink', 'aws.vpcId', aws.vpcId, 'a VPC id (vpc-...)');
  assertCidr('CrossCloudLink', 'aws.vpcCidr', aws.vpcCidr);
  if (cidrsOverlap(aws.vpcCidr, props.network.subnetCidr)) {
    throw invalid('CrossCloudLink', 'aws.vpcCidr', aws.vpcCidr, `a range that does not overlap the GCP subnet ${props.network.subnetCidr}`);
  }
  if (aws.routeTableIds.length === 0 || aws.routeTableIds.some((id) => !isPlanTimeValue(id) && !/^rtb-[0-9a-f]{8,17}$/.test(id))) {
    throw invalid('CrossCloudLink', 'aws.routeTableIds', aws.routeTableIds, 'one or more route table ids (rtb-...)');
  }
  for (const [prop, asn] of [['cloudRouterAsn', cloudRouterAsn], ['aws.amazonSideAsn', amazonSideAsn]] as const) {
    if (!isPrivateAsn(asn)) throw invalid('CrossCloudLink', prop, asn, 'a private BGP ASN (64512-65534 or 4200000000-4294967294)');
  }
  if (cloudRouterAsn === amazonSideAsn) {
    throw invalid('CrossCloudLink', 'cloudRouterAsn', cloudRouterAsn, 'different from aws.amazonSideAsn (eBGP needs two ASNs)');
  }
  const resolverAddresses = aws.dnsResolverAddresses;
  if (resolverAddresses.length < 2) {
    throw invalid('CrossCloudLink', 'aws.dnsResolverAddresses', resolverAddresses, 'at least two addresses (Route 53 Resolver needs two)');
  }
  for (const { subnetId, ip } of resolverAddresses) {
    if (isPlanTimeValue(subnetId) || isPlanTimeValue(ip)) continue;
    if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId)) throw invalid('CrossCloudLink', 'aws.dnsResolverAddresses[].subnetId', subnetId, 'a subnet id (subnet-...)');
    assertIpv4('CrossCloudLink', 'aws.dnsResolverAddresses[].ip', ip);
    if (!cidrsOverlap(`${ip}/32`, aws.vpcCidr)) throw invalid('CrossCloudLink', 'aws.dnsResolverAddresses[].ip', ip, `an address inside ${aws.vpcCidr}`);
  }
  if (!isPlanTimeValue(msk.securityGroupId) && !/^sg-[0-9a-f]{8,17}$/.test(msk.securityGroupId)) throw invalid('CrossCloudLink', 'msk.securityGroupId', msk.securityGroupId, 'a security group id (sg-...)');
  if (msk.ports.length === 0 || msk.ports.some((port) => !MSK_PORTS.has(port))) {
    throw invalid('CrossCloudLink', 'msk.ports', msk.ports, 'one or more MSK broker ports (9092, 9094, 9096, 9098)');
  }
  if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(msk.brokerDnsDomain)) {
    throw invalid('CrossCloudLink', 'msk.brokerDnsDomain', msk.brokerDnsDomain, 'a DNS domain without trailing dot, e.g. kafka.us-east-1.amazonaws.com');
  }
}
