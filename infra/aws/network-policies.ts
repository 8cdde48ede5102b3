import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type * as cdk8s from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import type { IWorkloadCluster } from './cluster';
import type { WorkloadDelivery } from './workload-delivery';

/** What a policy needs to know of a workload: how to select its pods and the port it serves on. */
export interface NetworkPolicyWorkload {
  readonly serviceName: string;
  readonly port: number;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** One allowed call inside the namespace. */
export interface WorkloadCall {
  readonly from: NetworkPolicyWorkload;
  readonly to: NetworkPolicyWorkload;
}

/** Pods of another namespace, by that namespace's name and their labels. */
export interface NamespacedPods {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** The cluster's telemetry: where every pod sends its traces and what scrapes every workload's metrics. */
export interface TelemetryPeers {
  /** The OpenTelemetry collector, which every pod of the namespace sends OTLP/HTTP to. */
  readonly collector: NamespacedPods & { readonly otlpPort: number };
  /** Prometheus, which scrapes `/metrics` on each scraped workload's port. */
  readonly prometheus: NamespacedPods;
  /** The workloads Prometheus scrapes. */
  readonly scraped: readonly NetworkPolicyWorkload[];
}

export interface WorkloadNetworkPoliciesProps {
  readonly cluster: IWorkloadCluster;
  /** How the policies reach the cluster. */
  readonly delivery: WorkloadDelivery;
  /** The VPC's CIDR: the load balancer's nodes and the Kafka brokers have their addresses in it. */
  readonly vpcCidr: string;
  /** The workload the load balancer forwards to (target type ip: from the load balancer's VPC addresses to the pods). */
  readonly publicWorkload: NetworkPolicyWorkload;
  /** Every call between the namespace's pods; any other pod-to-pod traffic is denied. */
  readonly calls: readonly WorkloadCall[];
  /** Workloads that reach the Kafka brokers. */
  readonly kafkaClients: readonly NetworkPolicyWorkload[];
  /**
   * The brokers' port.
   * @default 9098 (MSK, IAM authentication over TLS)
   */
  readonly kafkaPort?: number;
  /**
   * Traces out to the collector and scrapes in from Prometheus.
   * @default - neither is allowed
   */
  readonly telemetry?: TelemetryPeers;
}

export const tcpPort = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const udpPort = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'UDP', port: k8s.IntOrString.fromNumber(port) });

/** Out to the cluster's DNS (kube-dns in kube-system), which every pod needs. */
export const DNS_EGRESS: k8s.NetworkPolicyEgressRule = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [udpPort(53), tcpPort(53)],
};

/**
 * Out to AWS APIs: EKS Pod Identity's agent (a host-network daemon on every node that hands pods their role's
 * credentials) and HTTPS to any address, since the APIs' public endpoints cannot be listed.
 */
export const AWS_API_EGRESS: readonly k8s.NetworkPolicyEgressRule[] = [
  { to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [tcpPort(80)] },
  { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcpPort(443)] },
];

const inNamespace = ({ namespace, podLabels }: NamespacedPods): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  podSelector: { matchLabels: { ...podLabels } },
});

/**
 * Kubernetes NetworkPolicies for the shop's namespace: everything denied, in and out, then only the call graph,
 * the load balancer to the public workload, DNS, AWS APIs over HTTPS (with the Pod Identity agent), the Kafka
 * brokers, and, given the telemetry peers, traces to the collector and Prometheus' scrapes. Enforced by the VPC
 * CNI's network policy agent (`Cluster` turns it on).
 *
 * AWS APIs (the RDS Data API, DynamoDB, SES, STS, Cognito's keys) are public HTTPS endpoints, reached through NAT or
 * the VPC's endpoints, whose addresses cannot be listed, so port 443 is open to any address; every other port is not.
 */
export class WorkloadNetworkPolicies extends Construct {
  /** The policies, default deny first: one chart. */
  readonly chart: cdk8s.Chart;
  /** The chart as applied by CloudFormation (`direct` delivery only). */
  readonly manifest?: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: WorkloadNetworkPoliciesProps) {
    super(scope, id);
    const { namespace } = props.cluster;
    const kafkaPort = props.kafkaPort ?? 9098;
    validate(id, props, kafkaPort);
    const pods = (workload: NetworkPolicyWorkload): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: { ...workload.podLabels } } });
    const callees = uniqueByName(props.calls.map((call) => call.to));
    const callers = uniqueByName(props.calls.map((call) => call.from));

    const policies: [name: string, spec: k8s.NetworkPolicySpec][] = [
      ['default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }],
      [
        'allow-dns',
        {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [DNS_EGRESS],
        },
      ],
      [
        'allow-aws-apis',
        {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [...AWS_API_EGRESS],
        },
      ],
      [
        `allow-load-balancer-to-${props.publicWorkload.serviceName}`,
        {
          ...pods(props.publicWorkload),
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ ipBlock: { cidr: props.vpcCidr } }], ports: [tcpPort(props.publicWorkload.port)] }],
        },
      ],
      ...callees.map((callee): [string, k8s.NetworkPolicySpec] => [
        `allow-to-${callee.serviceName}`,
        {
          ...pods(callee),
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: props.calls.filter((call) => call.to.serviceName === callee.serviceName).map((call) => pods(call.from)),
              ports: [tcpPort(callee.port)],
            },
          ],
        },
      ]),
      ...callers.map((caller): [string, k8s.NetworkPolicySpec] => [
        `allow-from-${caller.serviceName}`,
        {
          ...pods(caller),
          policyTypes: ['Egress'],
          egress: props.calls
            .filter((call) => call.from.serviceName === caller.serviceName)
            .map((call) => ({ to: [pods(call.to)], ports: [tcpPort(call.to.port)] })),
        },
      ]),
      ...props.kafkaClients.map((client): [string, k8s.NetworkPolicySpec] => [
        `allow-kafka-from-${client.serviceName}`,
        {
          ...pods(client),
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: props.vpcCidr } }], ports: [tcpPort(kafkaPort)] }],
        },
      ]),
      ...telemetryPolicies(props.telemetry),
    ];

    this.chart = props.delivery.newChart('network-policies');
    for (const [name, spec] of policies) {
      new k8s.KubeNetworkPolicy(this.chart, name, { metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'shop' } }, spec });
    }
    this.manifest = props.delivery.addChart(this, 'Manifest', this.chart);
  }
}

function telemetryPolicies(telemetry: TelemetryPeers | undefined): [string, k8s.NetworkPolicySpec][] {
  if (!telemetry) return [];
  return [
    [
      'allow-otlp-to-collector',
      {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [inNamespace(telemetry.collector)], ports: [tcpPort(telemetry.collector.otlpPort)] }],
      },
    ],
    ...uniqueByName(telemetry.scraped).map((workload): [string, k8s.NetworkPolicySpec] => [
      `allow-prometheus-to-${workload.serviceName}`,
      {
        podSelector: { matchLabels: { ...workload.podLabels } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [inNamespace(telemetry.prometheus)], ports: [tcpPort(workload.port)] }],
      },
    ]),
  ];
}

function uniqueByName(workloads: readonly NetworkPolicyWorkload[]): NetworkPolicyWorkload[] {
  return [...new Map(workloads.map((workload) => [workload.serviceName, workload])).values()];
}

function validate(id: string, props: WorkloadNetworkPoliciesProps, kafkaPort: number): void {
  const name = `WorkloadNetworkPolicies ${id}`;
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(props.vpcCidr)) {
    throw new Error(`${name}: vpcCidr must be a literal IPv4 CIDR block (a policy cannot hold a deploy-time value), got '${props.vpcCidr}'`);
  }
  if (!Number.isInteger(kafkaPort) || kafkaPort < 1 || kafkaPort > 65535) {
    throw new Error(`${name}: kafkaPort must be a TCP port, got ${kafkaPort}`);
  }
}
