import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { SHOP_NAMESPACE } from '../alerts/workloads.js';
import { dashboard, stat, timeseries } from './panels.js';

// The MSK brokers' node exporters (port 11002) are scraped too; the cluster's nodes are the others.
const eksNode = 'instance!~".+:11002"';

/** The EKS nodes (node-exporter) and what Kubernetes runs on them (kube-state-metrics, cAdvisor). */
export function clusterDashboard(): Dashboard {
  return dashboard({
    uid: 'cloud-shop-cluster',
    title: 'EKS cluster',
    description: 'Node CPU, memory, disk and network; node and pod readiness, restarts and requested versus allocatable capacity.',
    tags: ['cluster', 'kubernetes'],
    rows: [
      {
        title: 'Capacity',
        panels: [
          stat({ title: 'Ready nodes', unit: 'short', queries: [{ expr: 'sum(kube_node_status_condition{condition="Ready",status="true"})', legend: 'ready' }] }),
          stat({
            title: 'CPU requested of allocatable',
            unit: 'percentunit',
            threshold: 0.9,
            queries: [{ expr: 'sum(kube_pod_container_resource_requests{resource="cpu"}) / sum(kube_node_status_allocatable{resource="cpu"})', legend: 'cpu' }],
          }),
          stat({
            title: 'Memory requested of allocatable',
            unit: 'percentunit',
            threshold: 0.9,
            queries: [
              { expr: 'sum(kube_pod_container_resource_requests{resource="memory"}) / sum(kube_node_status_allocatable{resource="memory"})', legend: 'memory' },
            ],
          }),
          stat({
            title: `Restarts in ${SHOP_NAMESPACE} (range)`,
            unit: 'short',
            threshold: 1,
            queries: [{ expr: `sum(increase(kube_pod_container_status_restarts_total{namespace="${SHOP_NAMESPACE}"}[$__range]))`, legend: 'restarts' }],
          }),
        ],
      },
      {
        title: 'Nodes',
        panels: [
          timeseries({
            title: 'CPU utilisation by node',
            unit: 'percentunit',
            queries: [{ expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${eksNode},mode="idle"}[$__rate_interval]))`, legend: '{{instance}}' }],
          }),
          timeseries({
            title: 'Memory used by node',
            unit: 'percentunit',
            queries: [{ expr: `1 - node_memory_MemAvailable_bytes{${eksNode}} / node_memory_MemTotal_bytes{${eksNode}}`, legend: '{{instance}}' }],
          }),
          timeseries({
            title: 'Root filesystem used by node',
            unit: 'percentunit',
            threshold: 0.85,
            queries: [
              { expr: `1 - node_filesystem_avail_bytes{${eksNode},mountpoint="/"} / node_filesystem_size_bytes{${eksNode},mountpoint="/"}`, legend: '{{instance}}' },
            ],
          }),
          timeseries({
            title: 'Network by node',
            unit: 'Bps',
            queries: [
              { expr: `sum by (instance) (rate(node_network_receive_bytes_total{${eksNode},device!~"lo|veth.*|eni.*"}[$__rate_interval]))`, legend: '{{instance}} in' },
              { expr: `sum by (instance) (rate(node_network_transmit_bytes_total{${eksNode},device!~"lo|veth.*|eni.*"}[$__rate_interval]))`, legend: '{{instance}} out' },
            ],
          }),
        ],
      },
      {
        title: 'Workloads',
        panels: [
          timeseries({ title: 'Pods by phase', unit: 'short', queries: [{ expr: 'sum by (phase) (kube_pod_status_phase)', legend: '{{phase}}' }] }),
          timeseries({
            title: 'Containers waiting, by reason',
            unit: 'short',
            queries: [{ expr: 'sum by (namespace, reason) (kube_pod_container_status_waiting_reason)', legend: '{{namespace}} {{reason}}' }],
          }),
          timeseries({
            title: 'Container CPU by namespace',
            unit: 'short',
            queries: [{ expr: 'sum by (namespace) (rate(container_cpu_usage_seconds_total{container!=""}[$__rate_interval]))', legend: '{{namespace}}' }],
          }),
          timeseries({
            title: 'Container memory by namespace',
            unit: 'bytes',
            queries: [{ expr: 'sum by (namespace) (container_memory_working_set_bytes{container!=""})', legend: '{{namespace}}' }],
          }),
        ],
      },
    ],
  });
}
