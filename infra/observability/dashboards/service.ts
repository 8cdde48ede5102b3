import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { platformContract, type ServiceName } from '../../../contracts/platform.js';
import { LATENCY_THRESHOLD_SECONDS } from '../alerts/gateway-slo.js';
import { SHOP_NAMESPACE } from '../alerts/workloads.js';
import { dashboard, quantile, rateOf, type Row, stat, timeseries } from './panels.js';

/** The gateway also shows how its upstreams answer it and whether a circuit is open. */
const gatewayUpstreams: Row = {
  title: 'Upstreams',
  panels: [
    timeseries({
      title: 'Upstream p99 latency',
      unit: 's',
      queries: [{ expr: quantile(0.99, 'gateway_upstream_request_duration_seconds', 'service="gateway"', ['upstream']), legend: '{{upstream}}' }],
    }),
    timeseries({
      title: 'Circuit state (0 closed, 1 half-open, 2 open)',
      unit: 'short',
      queries: [{ expr: 'max by (upstream) (gateway_upstream_circuit_state{service="gateway"})', legend: '{{upstream}}' }],
    }),
  ],
};

const extraRows: Partial<Record<ServiceName, readonly Row[]>> = { gateway: [gatewayUpstreams] };

/** Rate, errors and duration per route (from the shared metrics plugin), then how loaded the pods are. */
export function serviceDashboard(service: ServiceName): Dashboard {
  const own = `service="${service}"`;
  // The container as the kubelet sees it (cAdvisor) and the Deployment as kube-state-metrics sees it.
  const container = `namespace="${SHOP_NAMESPACE}",container="${service}"`;
  const requests = (selector = '') => rateOf('http_requests_total', [own, selector].filter(Boolean).join(','), ['route']);
  return dashboard({
    uid: `cloud-shop-service-${service}`,
    title: `Service: ${service}`,
    description: `RED per route and saturation of the ${service} service (port ${platformContract.services[service].port}).`,
    tags: ['service', service],
    rows: [
      {
        title: 'Overview',
        panels: [
          stat({ title: 'Requests/s', unit: 'reqps', queries: [{ expr: rateOf('http_requests_total', own), legend: 'requests' }] }),
          stat({
            title: '5xx ratio',
            unit: 'percentunit',
            threshold: 0.005,
            queries: [{ expr: `${rateOf('http_requests_total', `${own},status_code=~"5.."`)} / ${rateOf('http_requests_total', own)}`, legend: '5xx' }],
          }),
          stat({ title: 'p99 latency', unit: 's', threshold: LATENCY_THRESHOLD_SECONDS, queries: [{ expr: quantile(0.99, 'http_request_duration_seconds', own), legend: 'p99' }] }),
          stat({
            title: 'Available replicas',
            unit: 'short',
            queries: [{ expr: `sum(kube_deployment_status_replicas_available{namespace="${SHOP_NAMESPACE}",deployment="${service}"})`, legend: 'available' }],
          }),
        ],
      },
      {
        title: 'Requests per route',
        panels: [
          timeseries({ title: 'Request rate by route', unit: 'reqps', queries: [{ expr: requests(), legend: '{{route}}' }] }),
          timeseries({
            title: 'Error ratio by route',
            unit: 'percentunit',
            description: 'Share of answers with a 5xx (the service failed) and a 4xx (the caller erred) status.',
            queries: [
              { expr: `${requests('status_code=~"5.."')} / ${requests()}`, legend: '{{route}} 5xx' },
              { expr: `${requests('status_code=~"4.."')} / ${requests()}`, legend: '{{route}} 4xx' },
            ],
          }),
          timeseries({ title: 'p50 latency by route', unit: 's', queries: [{ expr: quantile(0.5, 'http_request_duration_seconds', own, ['route']), legend: '{{route}}' }] }),
          timeseries({
            title: 'p99 latency by route',
            unit: 's',
            threshold: LATENCY_THRESHOLD_SECONDS,
            queries: [{ expr: quantile(0.99, 'http_request_duration_seconds', own, ['route']), legend: '{{route}}' }],
          }),
        ],
      },
      ...(extraRows[service] ?? []),
      {
        title: 'Saturation',
        panels: [
          timeseries({
            title: 'CPU by pod',
            unit: 'percentunit',
            description: 'Cores used, and the share of CFS periods in which the container was throttled at its limit.',
            queries: [
              { expr: `sum by (pod) (rate(process_cpu_seconds_total{${own}}[$__rate_interval]))`, legend: '{{pod}} cores' },
              {
                expr: `sum by (pod) (rate(container_cpu_cfs_throttled_periods_total{${container}}[$__rate_interval])) / sum by (pod) (rate(container_cpu_cfs_periods_total{${container}}[$__rate_interval]))`,
                legend: '{{pod}} throttled',
              },
            ],
          }),
          timeseries({
            title: 'Memory by pod',
            unit: 'bytes',
            queries: [
              { expr: `sum by (pod) (container_memory_working_set_bytes{${container}})`, legend: '{{pod}} working set' },
              { expr: `sum by (pod) (nodejs_heap_size_used_bytes{${own}})`, legend: '{{pod}} heap used' },
            ],
          }),
          timeseries({
            title: 'Event-loop lag p99 by pod',
            unit: 's',
            description: 'Time a ready callback waits for the loop: above a few tens of milliseconds every request on that pod waits too.',
            queries: [{ expr: `max by (pod) (nodejs_eventloop_lag_p99_seconds{${own}})`, legend: '{{pod}}' }],
          }),
          timeseries({
            title: 'Replicas',
            unit: 'short',
            queries: [
              { expr: `sum(kube_deployment_spec_replicas{namespace="${SHOP_NAMESPACE}",deployment="${service}"})`, legend: 'desired' },
              { expr: `sum(kube_deployment_status_replicas_available{namespace="${SHOP_NAMESPACE}",deployment="${service}"})`, legend: 'available' },
              {
                expr: `sum(kube_horizontalpodautoscaler_status_current_replicas{namespace="${SHOP_NAMESPACE}",horizontalpodautoscaler="${service}"})`,
                legend: 'autoscaler current',
              },
            ],
          }),
        ],
      },
    ],
  });
}
