import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AnalyticsNetwork } from '../../../infra/gcp/index.js';

const props = { name: 'analytics', region: 'europe-west1', subnetCidr: '10.60.0.0/24' };

describe('AnalyticsNetwork', () => {
  it('is a custom-mode VPC with one private subnet that reaches Google APIs without external IPs', () => {
    const synthesized = Testing.synthScope((scope) => new AnalyticsNetwork(scope, 'network', props));
    expect(Testing.toHaveResourceWithProperties(synthesized, ComputeNetwork.tfResourceType, { name: 'analytics', auto_create_subnetworks: false })).toBe(true);
    expect(
      Testing.toHaveResourceWithProperties(synthesized, ComputeSubnetwork.tfResourceType, {
        ip_cidr_range: '10.60.0.0/24',
        region: 'europe-west1',
        private_ip_google_access: true,
      }),
    ).toBe(true);
  });

  it('keeps flow logs of the subnet, with their metadata', () => {
    const synthesized = Testing.synthScope((scope) => new AnalyticsNetwork(scope, 'network', props));
    expect(
      Testing.toHaveResourceWithProperties(synthesized, ComputeSubnetwork.tfResourceType, {
        log_config: { aggregation_interval: 'INTERVAL_10_MIN', flow_sampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' },
      }),
    ).toBe(true);
  });

  it('lets cluster nodes reach each other, and nothing else in', () => {
    const synthesized = Testing.synthScope((scope) => new AnalyticsNetwork(scope, 'network', props));
    expect(
      Testing.toHaveResourceWithProperties(synthesized, ComputeFirewall.tfResourceType, { direction: 'INGRESS', source_ranges: ['10.60.0.0/24'] }),
    ).toBe(true);
  });

  it.each([
    [{ subnetCidr: '10.60.0.0' }, /AnalyticsNetwork: subnetCidr must be an IPv4 CIDR block .*"10.60.0.0"/],
    [{ subnetCidr: '10.300.0.0/24' }, /AnalyticsNetwork: subnetCidr/],
    [{ name: 'Analytics' }, /AnalyticsNetwork: name must be a lowercase name/],
  ])('rejects %j', (override, message) => {
    expect(() => Testing.synthScope((scope) => new AnalyticsNetwork(scope, 'network', { ...props, ...override }))).toThrow(message);
  });
});
