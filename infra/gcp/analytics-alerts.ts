import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel/index.js';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { type AlertRule, isAlertRule, type RuleGroup } from '../observability/alerts/rule.js';
import { assertGcpName, assertNotBlank, invalid } from './validation.js';

export interface AnalyticsAlertsProps {
  /** Prefix of the policies' display names, e.g. the environment's name prefix. */
  readonly namePrefix: string;
  /** Where incidents are mailed: the on-call list of the analytics platform. */
  readonly notificationEmail: string;
  /**
   * Prometheus alerting rules evaluated by Cloud Monitoring as PromQL conditions, one policy each (the Flink
   * rules of infra/observability, which promtool tests).
   */
  readonly prometheusRules: readonly RuleGroup[];
  /** The Dataproc cluster the job runs on; a policy watches its running YARN applications. */
  readonly clusterName: string;
  /**
   * Whether the job is meant to run: with `false` (the job stopped on purpose, the cluster left to delete itself
   * when idle) the policies exist but are disabled, so a planned stop pages no one.
   * @default true
   */
  readonly jobShouldRun?: boolean;
  /** @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Seconds of a Prometheus duration (`90s`, `5m`, `1h`), as Cloud Monitoring writes them (`300s`). */
function seconds(duration: string): string {
  const match = /^(\d+)([smh])$/.exec(duration);
  if (!match) throw invalid('AnalyticsAlerts', 'prometheusRules[].for', duration, 'a Prometheus duration in s, m or h (e.g. 5m)');
  return `${Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h']}s`;
}

/** Cloud Monitoring's severities for the rules' `severity` label. */
const SEVERITY = { critical: 'CRITICAL', warning: 'WARNING' } as const;

/**
 * Documentation shown with an incident. The rules' `{{ $labels.x }}` templates are Prometheus's; the incident
 * lists the labels of the time series that fired, so the text names the label instead.
 */
const documentation = (rule: AlertRule) => {
  const plain = (text: string) => text.replace(/\{\{ \$labels\.(\w+) \}\}/g, '`$1`');
  return {
    subject: plain(rule.annotations.summary),
    content: `${plain(rule.annotations.description)}\n\nRunbook: ${rule.annotations.runbook_url} (in the platform repository)`,
    mimeType: 'text/markdown',
  };
};

/**
 * Alerting for the analytics job on Dataproc, which the EKS Prometheus cannot reach:
 * - the Prometheus rules as Cloud Monitoring policies with PromQL conditions, over the Flink reporter's metrics
 *   as Managed Service for Prometheus stores them. Cloud Monitoring only has them once a collector scrapes the
 *   reporter on the nodes (the Ops Agent's Prometheus receiver); until then these conditions have no data and stay
 *   silent, which is why metric validation is off (docs/adr/0013-alerting-design.md).
 * - a policy on Dataproc's own YARN metric, which needs no collector: no running YARN application on the
 *   cluster (the job is the only one) for 10 minutes, or no data at all, means the job is gone and the
 *   launcher's reconcile timer has not brought it back.
 */
export class AnalyticsAlerts extends Construct {
  readonly channel: MonitoringNotificationChannel;
  readonly policies: readonly MonitoringAlertPolicy[];

  constructor(scope: Construct, id: string, props: AnalyticsAlertsProps) {
    super(scope, id);
    assertNotBlank('AnalyticsAlerts', 'namePrefix', props.namePrefix, 'a display-name prefix');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.notificationEmail)) {
      throw invalid('AnalyticsAlerts', 'notificationEmail', props.notificationEmail, 'an e-mail address');
    }
    // The cluster resource's name attribute (a reference) is only known when Terraform plans.
    if (!Token.isUnresolved(props.clusterName)) assertGcpName('AnalyticsAlerts', 'clusterName', props.clusterName, 51);
    const enabled = props.jobShouldRun ?? true;
    const userLabels = { ...props.labels };

    this.channel = new MonitoringNotificationChannel(this, 'email', {
      displayName: `${props.namePrefix} analytics on-call`,
      type: 'email',
      labels: { email_address: props.notificationEmail },
      userLabels,
    });
    const common = { combiner: 'OR', enabled, notificationChannels: [this.channel.id], userLabels, alertStrategy: { autoClose: '1800s' } };

    const rulePolicies = props.prometheusRules.flatMap((group) =>
      group.rules.filter(isAlertRule).map(
        (rule) =>
          new MonitoringAlertPolicy(this, `promql-${rule.alert}`, {
            ...common,
            displayName: `${props.namePrefix}: ${rule.alert}`,
            severity: SEVERITY[rule.labels.severity],
            documentation: documentation(rule),
            conditions: [
              {
                displayName: rule.alert,
                conditionPrometheusQueryLanguage: {
                  query: rule.expr,
                  duration: seconds(rule.for),
                  evaluationInterval: '60s',
                  alertRule: rule.alert,
                  ruleGroup: group.name,
                  labels: { ...rule.labels },
                  // The reporter's metrics exist in Cloud Monitoring only once collected; the policy is valid before.
                  disableMetricValidation: true,
                },
              },
            ],
          }),
      ),
    );

    const yarnApplicationGone = new MonitoringAlertPolicy(this, 'yarn-application', {
      ...common,
      displayName: `${props.namePrefix}: FlinkYarnApplicationGone`,
      severity: 'CRITICAL',
      documentation: {
        subject: 'The Flink job has no running YARN application',
        content:
          `Dataproc cluster ${props.clusterName} has reported no running YARN application for 10 minutes (or nothing at all). The ` +
          'analytics job runs there as the only YARN application, and the reconcile timer on the master restarts it within ' +
          'a minute, so it is failing to start or the cluster is unhealthy.\n\nRunbook: docs/runbook.md#flinkyarnapplicationgone (in the platform repository)',
        mimeType: 'text/markdown',
      },
      conditions: [
        {
          displayName: 'No running YARN application',
          conditionThreshold: {
            filter: [
              'resource.type = "cloud_dataproc_cluster"',
              `resource.labels.cluster_name = "${props.clusterName}"`,
              'metric.type = "dataproc.googleapis.com/cluster/yarn/apps"',
              'metric.labels.status = "running"',
            ].join(' AND '),
            aggregations: [{ alignmentPeriod: '300s', perSeriesAligner: 'ALIGN_MIN', crossSeriesReducer: 'REDUCE_SUM', groupByFields: ['resource.labels.cluster_name'] }],
            comparison: 'COMPARISON_LT',
            thresholdValue: 1,
            duration: '600s',
            // A cluster that stopped reporting (deleted, or its agent down) is as bad as one with no job.
            evaluationMissingData: 'EVALUATION_MISSING_DATA_ACTIVE',
          },
        },
      ],
    });
    this.policies = [...rulePolicies, yarnApplicationGone];
  }
}
