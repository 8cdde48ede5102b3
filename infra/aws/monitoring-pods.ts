import { k8s } from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { AWS_API_EGRESS, DNS_EGRESS } from './network-policies';
import { type CheckovAcknowledgement, checkovSkipAnnotations } from './policy-acknowledgements';

/*
 * What the monitoring namespace's own small workloads (trace collector, OpenSearch signing proxy and setup job) share:
 * non-root, read-only, no capabilities, no Kubernetes API token, and network policies that let them out only to DNS,
 * the Pod Identity agent and AWS APIs over HTTPS.
 */

/** Findings every one of these workloads answers the same way (reasons may not contain '='). */
export const MONITORING_WORKLOAD_ACKNOWLEDGEMENTS: readonly CheckovAcknowledgement[] = [
  {
    id: 'CKV_K8S_11',
    reason: 'CPU is requested and not capped: a CFS quota throttles a process even when the node has idle cores, and the request is what the scheduler counts on',
  },
  {
    id: 'CKV_K8S_43',
    reason: "A vendor image pinned to a release tag in the vendor's registry; the chart pins and upgrades are reviewed in the source, a digest would hide the version",
  },
];

/** Annotations acknowledging the shared findings on one object. */
export const monitoringWorkloadAnnotations = (name: string) => checkovSkipAnnotations(name, MONITORING_WORKLOAD_ACKNOWLEDGEMENTS);

/** Pod-level security: a fixed non-root user above 10000 (no clash with host users) and the runtime's seccomp profile. */
export function restrictedPodSecurity(uid: number): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

export const RESTRICTED_CONTAINER_SECURITY: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** Requests, and a memory limit equal to the request. */
export function containerResources(cpuMillicores: number, memoryMiB: number): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(`${cpuMillicores}m`), memory: k8s.Quantity.fromString(`${memoryMiB}Mi`) },
    limits: { memory: k8s.Quantity.fromString(`${memoryMiB}Mi`) },
  };
}


/**
 * Egress to DNS, the Pod Identity agent and HTTPS anywhere (AWS APIs, the OpenSearch domain), ingress only as given:
 * the policy every workload of this kind gets.
 */
export function awsClientNetworkPolicy(
  scope: Construct,
  name: string,
  namespace: string,
  podLabels: Readonly<Record<string, string>>,
  ingress: readonly k8s.NetworkPolicyIngressRule[],
): k8s.KubeNetworkPolicy {
  return networkPolicy(scope, name, namespace, podLabels, ingress, AWS_API_EGRESS);
}

/** A policy selecting these pods, letting in only `ingress` and out only to DNS and `egress`. */
export function networkPolicy(
  scope: Construct,
  name: string,
  namespace: string,
  podLabels: Readonly<Record<string, string>>,
  ingress: readonly k8s.NetworkPolicyIngressRule[],
  egress: readonly k8s.NetworkPolicyEgressRule[],
): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, `${name}-network-policy`, {
    metadata: { name, namespace },
    spec: {
      podSelector: { matchLabels: { ...podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [...ingress],
      egress: [DNS_EGRESS, ...egress],
    },
  });
}
