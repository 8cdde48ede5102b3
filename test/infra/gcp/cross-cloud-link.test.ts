import { CustomerGateway } from '@cdktf/provider-aws/lib/customer-gateway/index.js';
import { Route53ResolverEndpoint } from '@cdktf/provider-aws/lib/route53-resolver-endpoint/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { VpnConnection } from '@cdktf/provider-aws/lib/vpn-connection/index.js';
import { VpnGateway } from '@cdktf/provider-aws/lib/vpn-gateway/index.js';
import { VpnGatewayRoutePropagation } from '@cdktf/provider-aws/lib/vpn-gateway-route-propagation/index.js';
import { ComputeExternalVpnGateway } from '@cdktf/provider-google/lib/compute-external-vpn-gateway/index.js';
import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterPeer } from '@cdktf/provider-google/lib/compute-router-peer/index.js';
import { ComputeVpnTunnel } from '@cdktf/provider-google/lib/compute-vpn-tunnel/index.js';
import { DnsManagedZone } from '@cdktf/provider-google/lib/dns-managed-zone/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { CrossCloudLink, type CrossCloudLinkProps } from '../../../infra/gcp/index.js';
import { buildFoundation, resourcesOfType } from './fixtures/analytics-fixtures.js';

type LinkOverrides = { aws?: Partial<CrossCloudLinkProps['aws']>; msk?: Partial<CrossCloudLinkProps['msk']>; cloudRouterAsn?: number };

const aws: CrossCloudLinkProps['aws'] = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  vpcCidr: '10.0.0.0/16',
  routeTableIds: ['rtb-0a1b2c3d4e5f60718', 'rtb-0a1b2c3d4e5f60719'],
  dnsResolverAddresses: [
    { subnetId: 'subnet-0a1b2c3d4e5f60718', ip: '10.0.128.53' },
    { subnetId: 'subnet-0a1b2c3d4e5f60719', ip: '10.0.144.53' },
  ],
};
const msk: CrossCloudLinkProps['msk'] = { securityGroupId: 'sg-0a1b2c3d4e5f60718', ports: [9098], brokerDnsDomain: 'kafka.eu-west-1.amazonaws.com' };

function synthesizeLink(override: LinkOverrides = {}) {
  return Testing.synthScope((scope) => {
    const { network } = buildFoundation(scope);
    new CrossCloudLink(scope, 'link', {
      name: 'analytics',
      region: 'europe-west1',
      network,
      cloudRouterAsn: override.cloudRouterAsn,
      aws: { ...aws, ...override.aws },
      msk: { ...msk, ...override.msk },
    });
  });
}

describe('CrossCloudLink', () => {
  it('builds four tunnels: two per GCP interface, one per AWS tunnel endpoint', () => {
    const tunnels = resourcesOfType(synthesizeLink(), ComputeVpnTunnel.tfResourceType);
    expect(tunnels.map((tunnel) => [tunnel.vpn_gateway_interface, tunnel.peer_external_gateway_interface])).toEqual([
      [0, 0],
      [0, 1],
      [1, 2],
      [1, 3],
    ]);
    for (const tunnel of tunnels) {
      expect(tunnel.ike_version).toBe(2);
      expect(tunnel.shared_secret).toMatch(/^\$\{aws_vpn_connection\.link_aws-vpn-[01]_\w+\.tunnel[12]_preshared_key\}$/);
    }
  });

  it('describes the AWS side as a four-interface external gateway', () => {
    const [peer] = resourcesOfType(synthesizeLink(), ComputeExternalVpnGateway.tfResourceType);
    expect(peer?.redundancy_type).toBe('FOUR_IPS_REDUNDANCY');
    expect((peer?.interface as { id: number; ip_address: string }[]).map((entry) => [entry.id, entry.ip_address.replace(/_[0-9A-F]{8}\./, '.')])).toEqual([
      [0, '${aws_vpn_connection.link_aws-vpn-0.tunnel1_address}'],
      [1, '${aws_vpn_connection.link_aws-vpn-0.tunnel2_address}'],
      [2, '${aws_vpn_connection.link_aws-vpn-1.tunnel1_address}'],
      [3, '${aws_vpn_connection.link_aws-vpn-1.tunnel2_address}'],
    ]);
  });

  it('attaches a virtual private gateway to the VPC with two customer gateways and BGP VPN connections', () => {
    const synthesized = synthesizeLink();
    expect(Testing.toHaveResourceWithProperties(synthesized, VpnGateway.tfResourceType, { vpc_id: aws.vpcId, amazon_side_asn: '64512' })).toBe(true);
    expect(resourcesOfType(synthesized, VpnGatewayRoutePropagation.tfResourceType).map((propagation) => propagation.route_table_id)).toEqual(aws.routeTableIds);
    const customerGateways = resourcesOfType(synthesized, CustomerGateway.tfResourceType);
    expect(customerGateways.map((gateway) => [gateway.bgp_asn, String(gateway.ip_address).match(/vpn_interfaces\[(\d)\]/)?.[1]])).toEqual([
      ['65010', '0'],
      ['65010', '1'],
    ]);
    for (const connection of resourcesOfType(synthesized, VpnConnection.tfResourceType)) {
      expect(connection).toMatchObject({ type: 'ipsec.1', static_routes_only: false, tunnel1_ike_versions: ['ikev2'] });
    }
  });

  it('runs one BGP session per tunnel and advertises the Cloud DNS forwarding range', () => {
    const synthesized = synthesizeLink();
    expect(
      Testing.toHaveResourceWithProperties(synthesized, ComputeRouter.tfResourceType, {
        bgp: { asn: 65010, advertise_mode: 'CUSTOM', advertised_groups: ['ALL_SUBNETS'], advertised_ip_ranges: [{ range: '35.199.192.0/19' }] },
      }),
    ).toBe(true);
    const peers = resourcesOfType(synthesized, ComputeRouterPeer.tfResourceType);
    expect(peers).toHaveLength(4);
    expect(new Set(peers.map((peer) => peer.peer_asn))).toEqual(new Set([64512]));
  });

  it('forwards the broker domain to the Route 53 Resolver in the VPC', () => {
    const synthesized = synthesizeLink();
    expect(
      Testing.toHaveResourceWithProperties(synthesized, DnsManagedZone.tfResourceType, {
        dns_name: 'kafka.eu-west-1.amazonaws.com.',
        visibility: 'private',
        forwarding_config: {
          target_name_servers: [
            { ipv4_address: '10.0.128.53', forwarding_path: 'private' },
            { ipv4_address: '10.0.144.53', forwarding_path: 'private' },
          ],
        },
      }),
    ).toBe(true);
    expect(Testing.toHaveResourceWithProperties(synthesized, Route53ResolverEndpoint.tfResourceType, { direction: 'INBOUND', ip_address: aws.dnsResolverAddresses })).toBe(true);
    expect(Testing.toHaveResourceWithProperties(synthesized, VpcSecurityGroupIngressRule.tfResourceType, { from_port: 53, ip_protocol: 'udp', cidr_ipv4: '35.199.192.0/19' })).toBe(true);
  });

  it('opens only the MSK ports towards AWS, on both sides', () => {
    const synthesized = synthesizeLink({ msk: { ports: [9094, 9098] } });
    const egress = resourcesOfType(synthesized, ComputeFirewall.tfResourceType)
      .filter((rule) => rule.direction === 'EGRESS')
      .sort((first, second) => Number(first.priority) - Number(second.priority));
    expect(egress.map((rule) => [rule.priority, rule.destination_ranges, rule.allow ?? rule.deny])).toEqual([
      [1000, ['10.0.0.0/16'], [{ protocol: 'tcp', ports: ['9094', '9098'] }]],
      [1100, ['10.0.0.0/16'], [{ protocol: 'all' }]],
    ]);
    const mskRules = resourcesOfType(synthesized, VpcSecurityGroupIngressRule.tfResourceType).filter((rule) => rule.security_group_id === msk.securityGroupId);
    expect(mskRules.map((rule) => [rule.from_port, rule.to_port, rule.cidr_ipv4])).toEqual([
      [9094, 9094, '10.60.0.0/24'],
      [9098, 9098, '10.60.0.0/24'],
    ]);
  });

  it.each<[LinkOverrides, RegExp]>([
    [{ msk: { ports: [22] } }, /CrossCloudLink: msk.ports must be one or more MSK broker ports .*got \[22\]/],
    [{ aws: { vpcCidr: '10.60.0.0/16' } }, /CrossCloudLink: aws.vpcCidr must be a range that does not overlap the GCP subnet 10.60.0.0\/24/],
    [{ cloudRouterAsn: 64512 }, /CrossCloudLink: cloudRouterAsn must be different from aws.amazonSideAsn/],
    [{ cloudRouterAsn: 15169 }, /CrossCloudLink: cloudRouterAsn must be a private BGP ASN/],
    [{ aws: { dnsResolverAddresses: [aws.dnsResolverAddresses[0]!] } }, /CrossCloudLink: aws.dnsResolverAddresses must be at least two addresses/],
    [{ aws: { dnsResolverAddresses: [{ subnetId: 'subnet-0a1b2c3d', ip: '192.168.0.2' }, aws.dnsResolverAddresses[0]!] } }, /aws.dnsResolverAddresses\[\].ip must be an address inside 10.0.0.0\/16/],
    [{ aws: { vpcId: 'my-vpc' } }, /CrossCloudLink: aws.vpcId must be a VPC id/],
    [{ msk: { brokerDnsDomain: 'kafka.eu-west-1.amazonaws.com.' } }, /CrossCloudLink: msk.brokerDnsDomain must be a DNS domain without trailing dot/],
  ])('rejects %j', (override, message) => {
    expect(() => synthesizeLink(override)).toThrow(message);
  });
});
