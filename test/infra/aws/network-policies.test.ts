import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkloadDelivery, WorkloadNetworkPolicies, type NetworkPolicyWorkload, type WorkloadNetworkPoliciesProps } from '../../../infra/aws';
import { manifestsOf, networkPolicyAllows, newCluster, newStack, SYNTH_TIMEOUT, type PolicyPeer } from './support';

const workload = (serviceName: string, port: number): NetworkPolicyWorkload => ({
  serviceName,
  port,
  podLabels: { 'app.kubernetes.io/name': serviceName, 'app.kubernetes.io/part-of': 'shop' },
});
const front = workload('front', 5000);
const accounts = workload('accounts', 5001);
const billing = workload('billing', 5003);
const pod = (target: NetworkPolicyWorkload): PolicyPeer => ({ pod: { ...target.podLabels } });
const kubeDns = { pod: { 'k8s-app': 'kube-dns' } };
const collector = { pod: { 'app.kubernetes.io/name': 'otel-collector' }, namespace: 'monitoring' };
const prometheus = { pod: { 'app.kubernetes.io/name': 'prometheus' }, namespace: 'monitoring' };

describe('WorkloadNetworkPolicies', () => {
  let policies: Record<string, any>[];

  beforeAll(() => {
    // GIVEN a front that calls accounts and billing, billing calling accounts, and billing using Kafka
    const stack = newStack();
    const cluster = newCluster(stack);
    new WorkloadNetworkPolicies(stack, 'Policies', {
      cluster,
      delivery: new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: { mode: 'direct' } }),
      vpcCidr: '10.0.0.0/16',
      publicWorkload: front,
      calls: [
        { from: front, to: accounts },
        { from: front, to: billing },
        { from: billing, to: accounts },
      ],
      kafkaClients: [billing],
      telemetry: {
        collector: { namespace: 'monitoring', podLabels: collector.pod, otlpPort: 4318 },
        prometheus: { namespace: 'monitoring', podLabels: prometheus.pod },
        scraped: [front, accounts],
      },
    });
    policies = manifestsOf(Template.fromStack(stack), 'PoliciesManifest');
  }, SYNTH_TIMEOUT);

  it('starts with a default deny of all ingress and egress in the namespace', () => {
    expect(policies[0]).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'shop' } });
    // No rules at all: every pod of the namespace is isolated both ways until a later policy allows something.
    expect(policies[0]?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policies.every((policy) => policy.kind === 'NetworkPolicy' && policy.metadata.namespace === 'shop')).toBe(true);
    expect(new Set(policies.map((policy) => policy.metadata.name)).size).toBe(policies.length);
  });

  it('allows exactly the declared calls, on the callee port only', () => {
    expect(networkPolicyAllows(policies, pod(front), pod(accounts), 5001)).toBe(true);
    expect(networkPolicyAllows(policies, pod(front), pod(billing), 5003)).toBe(true);
    expect(networkPolicyAllows(policies, pod(billing), pod(accounts), 5001)).toBe(true);
    // Not declared: the reverse directions, a callee reaching the front, the wrong port.
    expect(networkPolicyAllows(policies, pod(accounts), pod(billing), 5003)).toBe(false);
    expect(networkPolicyAllows(policies, pod(accounts), pod(front), 5000)).toBe(false);
    expect(networkPolicyAllows(policies, pod(front), pod(accounts), 5003)).toBe(false);
  });

  it('lets the load balancer (VPC addresses) reach the public workload only', () => {
    expect(networkPolicyAllows(policies, { address: '10.0.3.17' }, pod(front), 5000)).toBe(true);
    expect(networkPolicyAllows(policies, { address: '10.0.3.17' }, pod(accounts), 5001)).toBe(false);
    expect(networkPolicyAllows(policies, { address: '203.0.113.9' }, pod(front), 5000)).toBe(false);
  });

  it('lets every pod resolve names, fetch Pod Identity credentials and call AWS APIs over HTTPS, and nothing else outside', () => {
    for (const source of [front, accounts, billing]) {
      expect(policies.find((policy) => policy.metadata.name === 'allow-dns')?.spec.egress[0].to).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: kubeDns.pod } },
      ]);
      expect(networkPolicyAllows(policies, pod(source), { address: '169.254.170.23' }, 80)).toBe(true);
      expect(networkPolicyAllows(policies, pod(source), { address: '52.94.0.10' }, 443)).toBe(true);
      expect(networkPolicyAllows(policies, pod(source), { address: '52.94.0.10' }, 80)).toBe(false);
      expect(networkPolicyAllows(policies, pod(source), { address: '169.254.169.254' }, 80)).toBe(false);
    }
    expect(policies.find((policy) => policy.metadata.name === 'allow-dns')?.spec.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
  });

  it('lets only the Kafka clients reach the brokers on the IAM port inside the VPC', () => {
    expect(networkPolicyAllows(policies, pod(billing), { address: '10.0.40.5' }, 9098)).toBe(true);
    expect(networkPolicyAllows(policies, pod(front), { address: '10.0.40.5' }, 9098)).toBe(false);
    expect(networkPolicyAllows(policies, pod(billing), { address: '203.0.113.9' }, 9098)).toBe(false);
  });

  it('lets every pod send traces to the collector in the monitoring namespace, on OTLP/HTTP only', () => {
    for (const source of [front, accounts, billing]) {
      expect(networkPolicyAllows(policies, pod(source), collector, 4318)).toBe(true);
      expect(networkPolicyAllows(policies, pod(source), collector, 4317)).toBe(false);
      // The same labels in another namespace are not the collector.
      expect(networkPolicyAllows(policies, pod(source), { ...collector, namespace: 'default' }, 4318)).toBe(false);
    }
  });

  it('lets Prometheus in the monitoring namespace scrape each scraped workload on its own port, and nobody else', () => {
    expect(networkPolicyAllows(policies, prometheus, pod(front), 5000)).toBe(true);
    expect(networkPolicyAllows(policies, prometheus, pod(accounts), 5001)).toBe(true);
    expect(networkPolicyAllows(policies, prometheus, pod(accounts), 5000)).toBe(false);
    // billing was not listed as scraped.
    expect(networkPolicyAllows(policies, prometheus, pod(billing), 5003)).toBe(false);
    expect(networkPolicyAllows(policies, { ...prometheus, namespace: 'default' }, pod(front), 5000)).toBe(false);
    expect(networkPolicyAllows(policies, { pod: { 'app.kubernetes.io/name': 'grafana' }, namespace: 'monitoring' }, pod(front), 5000)).toBe(false);
  });

  it('refuses a CIDR that is not a literal, which a policy could not hold', () => {
    const stack = newStack();
    const cluster = newCluster(stack);
    const delivery = new WorkloadDelivery(stack, 'Delivery', { cluster, delivery: { mode: 'direct' } });
    const props: WorkloadNetworkPoliciesProps = { cluster, delivery, vpcCidr: '${Token[VpcCidr]}', publicWorkload: front, calls: [], kafkaClients: [] };
    expect(() => new WorkloadNetworkPolicies(stack, 'X', props)).toThrow(
      "WorkloadNetworkPolicies X: vpcCidr must be a literal IPv4 CIDR block (a policy cannot hold a deploy-time value), got '${Token[VpcCidr]}'",
    );
  });
});
