import { ComputeFirewall } from '@cdktf/provider-google/lib/compute-firewall/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { Construct } from 'constructs';
import { assertCidr, assertGcpName, assertNotBlank } from './validation.js';

export interface AnalyticsNetworkProps {
  /** Name of the VPC; the subnet and firewall rules are named after it. */
  readonly name: string;
  readonly region: string;
  /** The private subnet the Dataproc VMs live in. Must not overlap the AWS VPC it is linked to. */
  readonly subnetCidr: string;
}

/**
 * A custom-mode VPC with one private subnet for the analytics cluster. The VMs have no external IPs, so
 * Private Google Access is on (they reach Cloud Storage and the Dataproc API through it), and the nodes may
 * talk to each other on every port, which YARN and Flink need.
 */
export class AnalyticsNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly subnetwork: ComputeSubnetwork;
  readonly subnetCidr: string;

  constructor(scope: Construct, id: string, props: AnalyticsNetworkProps) {
    super(scope, id);
    // The longest derived name is "<name>-allow-internal" and firewall names stop at 63.
    assertGcpName('AnalyticsNetwork', 'name', props.name, 63 - '-allow-internal'.length);
    assertNotBlank('AnalyticsNetwork', 'region', props.region, 'a GCP region');
    assertCidr('AnalyticsNetwork', 'subnetCidr', props.subnetCidr);
    this.subnetCidr = props.subnetCidr;

    this.network = new ComputeNetwork(this, 'network', {
      name: props.name,
      autoCreateSubnetworks: false,
      // Global routing lets routes learned over the VPN (Cloud Router in one region) reach every region.
      routingMode: 'GLOBAL',
    });
    this.subnetwork = new ComputeSubnetwork(this, 'private', {
      name: `${props.name}-private`,
      network: this.network.id,
      region: props.region,
      ipCidrRange: props.subnetCidr,
      privateIpGoogleAccess: true,
      // VPC flow logs: the record of who talked to the cluster (the VPN peers included) for investigations.
      // Half the flows, aggregated over 10 minutes, keep the volume (and the Logging bill) small.
      logConfig: {
        aggregationInterval: 'INTERVAL_10_MIN',
        flowSampling: 0.5,
        metadata: 'INCLUDE_ALL_METADATA',
      },
    });
    new ComputeFirewall(this, 'allow-internal', {
      name: `${props.name}-allow-internal`,
      network: this.network.name,
      direction: 'INGRESS',
      sourceRanges: [props.subnetCidr],
      allow: [{ protocol: 'tcp' }, { protocol: 'udp' }, { protocol: 'icmp' }],
    });
  }
}
