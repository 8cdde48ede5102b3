import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import type { RuleGroup } from '../observability/alerts/rule';

/*
 * Typed objects of the prometheus-operator's CRDs (monitoring.coreos.com), which kube-prometheus-stack installs. cdk8s
 * has no generated types for them, so these interfaces cover the fields the shop uses, named as in the CRDs.
 */

/** One scraped port of the Services a ServiceMonitor selects. */
export interface ServiceMonitorEndpoint {
  /** The Service port's name (not its number, so a port change does not break scraping). */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** A Prometheus duration. @default Prometheus's global scrape interval */
  readonly interval?: string;
}

export interface ServiceMonitorSpec {
  /** Label selector of the Services to scrape. */
  readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
  /** @default - the ServiceMonitor's own namespace */
  readonly namespaceSelector?: { readonly matchNames: readonly string[] };
  readonly endpoints: readonly ServiceMonitorEndpoint[];
  /** The Service label whose value becomes the `job` label. @default - the Service's name */
  readonly jobLabel?: string;
}

/** A prometheus-operator ServiceMonitor: Prometheus scrapes every endpoint of the selected Services. */
export class ServiceMonitor extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ServiceMonitorSpec }) {
    super(scope, id, { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', ...props });
  }
}

/** A prometheus-operator PrometheusRule: alerting and recording rule groups, in Prometheus's rule-file format. */
export class PrometheusRule extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: { readonly groups: readonly RuleGroup[] } }) {
    super(scope, id, { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', ...props });
  }
}

/** One group of fixed targets, as in a Prometheus `static_configs` entry. */
export interface StaticTargets {
  /** `host:port` of each target. */
  readonly targets: readonly string[];
  /** Labels added to every series scraped from these targets. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ScrapeConfigSpec {
  readonly staticConfigs: readonly StaticTargets[];
  /** @default '/metrics' */
  readonly metricsPath?: string;
  /** A Prometheus duration. @default Prometheus's global scrape interval */
  readonly scrapeInterval?: string;
}

/** A prometheus-operator ScrapeConfig (v1alpha1): targets outside the cluster, such as the MSK brokers' exporters. */
export class ScrapeConfig extends ApiObject {
  constructor(scope: Construct, id: string, props: { readonly metadata: ApiObjectMetadata; readonly spec: ScrapeConfigSpec }) {
    super(scope, id, { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', ...props });
  }
}

/** What a ServiceMonitor needs to know of a service: its Service's name, namespace and labels. */
export interface ScrapedService {
  readonly serviceName: string;
  readonly namespace: string;
  /** Labels on the Service object, which the ServiceMonitor selects it by. */
  readonly serviceLabels: Readonly<Record<string, string>>;
  /**
   * Name of the Service port that serves GET /metrics.
   * @default 'http' (the Microservice construct's only port)
   */
  readonly portName?: string;
}

/** How often the shop's services are scraped: often enough for the 5-minute rate windows of the alerts. */
export const SERVICE_SCRAPE_INTERVAL = '30s';

/** The ServiceMonitor for one shop service: its Service's `http` port, `/metrics`, every 30 seconds. */
export function serviceMonitorFor(scope: Construct, service: ScrapedService): ServiceMonitor {
  return new ServiceMonitor(scope, `${service.serviceName}-service-monitor`, {
    metadata: { name: service.serviceName, namespace: service.namespace, labels: { ...service.serviceLabels } },
    spec: {
      selector: { matchLabels: { ...service.serviceLabels } },
      namespaceSelector: { matchNames: [service.namespace] },
      endpoints: [{ port: service.portName ?? 'http', path: '/metrics', interval: SERVICE_SCRAPE_INTERVAL }],
    },
  });
}
