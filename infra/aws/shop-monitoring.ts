import { Fn } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import type { RuleGroup } from '../observability/alerts/rule';
import { type ClusterMonitoring, GRAFANA_DASHBOARD_LABEL } from './cluster-monitoring';
import { PrometheusRule, ScrapeConfig } from './monitoring-objects';

/** What this construct needs of a Grafana dashboard's JSON model (the Foundation SDK's `Dashboard` has both). */
export interface DashboardModel {
  readonly uid?: string;
  readonly title?: string;
}

/** The MSK cluster whose brokers' open-monitoring exporters Prometheus scrapes. */
export interface ScrapedKafkaBrokers {
  /** `host:port,host:port`, one entry per broker (MSK's bootstrap string lists every broker of a cluster this size). */
  readonly bootstrapBrokers: string;
  readonly brokerCount: number;
}

export interface ShopMonitoringProps {
  readonly monitoring: ClusterMonitoring;
  /** Grafana dashboards as JSON models (infra/observability's `shopDashboards()`). */
  readonly dashboards: readonly DashboardModel[];
  /** Alerting and recording rules (infra/observability's `shopAlertRules()`). */
  readonly ruleGroups: readonly RuleGroup[];
  /**
   * MSK brokers with open monitoring on.
   * @default - no brokers scraped
   */
  readonly kafkaBrokers?: ScrapedKafkaBrokers;
}

/** MSK open monitoring's fixed ports on every broker. */
export const MSK_JMX_EXPORTER_PORT = 11001;
export const MSK_NODE_EXPORTER_PORT = 11002;

/**
 * What the monitoring stack knows of the shop beside its workloads (each Microservice declares its own ServiceMonitor),
 * as one cdk8s chart: a ConfigMap per dashboard for Grafana's sidecar, one PrometheusRule with the alert groups, and
 * the MSK brokers' exporters as static targets (jobs `msk-jmx` and `msk-node`).
 *
 * The brokers' host names exist only at deploy time (MSK returns them from an API, not from CloudFormation) and no
 * DNS name lists all of them, so Prometheus's DNS discovery has nothing to query; the targets are cut out of the
 * bootstrap string (`b-1...:9098,b-2...:9098`) by CloudFormation at deploy time and the ports replaced.
 */
export class ShopMonitoring extends Construct {
  readonly manifest: eks.KubernetesManifest;
  /** The Kubernetes objects, for assertions and for a delivery mode that renders them elsewhere. */
  readonly chart: Chart;

  constructor(scope: Construct, id: string, props: ShopMonitoringProps) {
    super(scope, id);
    const { monitoring } = props;
    const namespace = monitoring.namespace;
    const chart = new Chart(new App(), 'shop-monitoring');
    this.chart = chart;

    const configMapNames = new Set<string>();
    for (const dashboard of props.dashboards) {
      const name = dashboardConfigMapName(id, dashboard);
      if (configMapNames.has(name)) throw new Error(`ShopMonitoring ${id}: two dashboards share the uid '${dashboard.uid}'`);
      configMapNames.add(name);
      new k8s.KubeConfigMap(chart, name, {
        metadata: { name, namespace, labels: { [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value } },
        data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard) },
      });
    }

    if (props.ruleGroups.length > 0) {
      new PrometheusRule(chart, 'shop-alerts', { metadata: { name: 'shop-alerts', namespace }, spec: { groups: props.ruleGroups } });
    }

    if (props.kafkaBrokers) {
      const { bootstrapBrokers, brokerCount } = props.kafkaBrokers;
      if (!Number.isInteger(brokerCount) || brokerCount < 1) {
        throw new Error(`ShopMonitoring ${id}: kafkaBrokers.brokerCount must be a positive integer, got ${brokerCount}`);
      }
      const hosts = Fn.split(',', bootstrapBrokers, brokerCount).map((hostAndPort) => Fn.select(0, Fn.split(':', hostAndPort)));
      for (const [job, port] of [['msk-jmx', MSK_JMX_EXPORTER_PORT], ['msk-node', MSK_NODE_EXPORTER_PORT]] as const) {
        new ScrapeConfig(chart, job, {
          metadata: { name: job, namespace },
          spec: {
            scrapeInterval: '60s',
            staticConfigs: [{ targets: hosts.map((host) => `${host}:${port}`), labels: { job } }],
          },
        });
      }
    }

    this.manifest = monitoring.applyAfterRelease('ShopMonitoring', chart);
  }
}

/** `dashboard-<uid>`, lower case, as a ConfigMap name must be; the uid is what Grafana keeps a dashboard by. */
function dashboardConfigMapName(id: string, dashboard: DashboardModel): string {
  if (!dashboard.uid) throw new Error(`ShopMonitoring ${id}: dashboard '${dashboard.title ?? '(untitled)'}' needs a uid, which Grafana keeps it by`);
  const name = `dashboard-${dashboard.uid.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.replace(/-+$/, '');
  if (name.length > 253) throw new Error(`ShopMonitoring ${id}: dashboard uid '${dashboard.uid}' is too long for a ConfigMap name`);
  return name;
}
