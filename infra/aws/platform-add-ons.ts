/**
 * Where a component's requests come from: what the EKS add-on or chart sets by itself, what this repository's
 * values set, or an allowance budgeted here because the component's own requests are unset (the scheduler would
 * count nothing, yet it uses CPU and memory) or not verified for the version installed.
 */
export type RequestsBasis = 'add-on default' | 'our values' | 'budget';

/** The scheduler's view of one cluster component: how many pods and what each requests. */
export interface AddOnRequests {
  readonly component: string;
  /** Replicas, or `per-node` for a DaemonSet. */
  readonly pods: number | 'per-node';
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
  readonly basis: RequestsBasis;
}

/** Karpenter's controller: two replicas on different system nodes (the chart's anti-affinity), requests as set in its values. */
export const KARPENTER_CONTROLLER: AddOnRequests = {
  component: 'Karpenter controller',
  pods: 2,
  cpuMillicores: 250,
  memoryMiB: 1024,
  basis: 'our values',
};

/** Argo CD's pods, whose requests its chart (9.1.0) leaves unset and infra/aws/argo-cd.ts sets to these allowances. */
export const ARGO_CD_CONTROLLER: AddOnRequests = { component: 'Argo CD application controller', pods: 1, cpuMillicores: 250, memoryMiB: 512, basis: 'budget' };
export const ARGO_CD_REPO_SERVER: AddOnRequests = { component: 'Argo CD repo server', pods: 1, cpuMillicores: 100, memoryMiB: 256, basis: 'budget' };
/** Each of the four smaller pods. */
export const ARGO_CD_SMALL_PODS: AddOnRequests = {
  component: 'Argo CD server, Redis, ApplicationSet and notifications controllers',
  pods: 4,
  cpuMillicores: 50,
  memoryMiB: 128,
  basis: 'budget',
};

/**
 * Every platform component that runs in the cluster beside the shop's services, with its requests: the one table the
 * capacity check adds up and the add-on constructs take their values from. Entries marked `budget` are allowances
 * for components whose chart sets no requests or whose values are still being written.
 */
export const PLATFORM_ADD_ONS: readonly AddOnRequests[] = [
  // EKS add-ons
  { component: 'CoreDNS', pods: 2, cpuMillicores: 100, memoryMiB: 70, basis: 'add-on default' },
  { component: 'kube-proxy', pods: 'per-node', cpuMillicores: 100, memoryMiB: 0, basis: 'add-on default' },
  { component: 'VPC CNI (aws-node, network policy agent)', pods: 'per-node', cpuMillicores: 25, memoryMiB: 0, basis: 'add-on default' },
  { component: 'EKS Pod Identity agent', pods: 'per-node', cpuMillicores: 25, memoryMiB: 32, basis: 'budget' },
  { component: 'metrics-server', pods: 2, cpuMillicores: 100, memoryMiB: 200, basis: 'budget' },
  { component: 'AWS Load Balancer Controller', pods: 2, cpuMillicores: 100, memoryMiB: 128, basis: 'budget' },
  KARPENTER_CONTROLLER,
  // kube-prometheus-stack (infra/aws/cluster-monitoring.ts)
  { component: 'Prometheus operator', pods: 1, cpuMillicores: 50, memoryMiB: 128, basis: 'our values' },
  { component: 'Prometheus', pods: 1, cpuMillicores: 200, memoryMiB: 1024, basis: 'our values' },
  { component: 'Alertmanager', pods: 1, cpuMillicores: 25, memoryMiB: 64, basis: 'our values' },
  { component: 'Grafana', pods: 1, cpuMillicores: 50, memoryMiB: 256, basis: 'our values' },
  { component: 'kube-state-metrics', pods: 1, cpuMillicores: 25, memoryMiB: 96, basis: 'our values' },
  { component: 'Prometheus node exporter', pods: 'per-node', cpuMillicores: 25, memoryMiB: 48, basis: 'our values' },
  // Logs (infra/aws/log-pipeline.ts) and traces (infra/aws/trace-collector.ts: prod's two replicas, dev runs one)
  { component: 'Fluent Bit', pods: 'per-node', cpuMillicores: 50, memoryMiB: 64, basis: 'our values' },
  { component: 'OpenSearch SigV4 proxy', pods: 1, cpuMillicores: 25, memoryMiB: 64, basis: 'our values' },
  { component: 'ADOT trace collector', pods: 2, cpuMillicores: 50, memoryMiB: 192, basis: 'our values' },
  // Argo CD (chart 9.1.0 sets no requests); counted in every environment, so that switching the delivery mode never overcommits
  ARGO_CD_CONTROLLER,
  ARGO_CD_REPO_SERVER,
  ARGO_CD_SMALL_PODS,
];
