import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AnalyticsAlerts, type AnalyticsAlertsProps } from '../../../infra/gcp/analytics-alerts.js';
import { flinkAlertRules, isAlertRule } from '../../../infra/observability/index.js';

const props: AnalyticsAlertsProps = {
  namePrefix: 'analytics-dev',
  notificationEmail: 'analytics-oncall@example.com',
  prometheusRules: flinkAlertRules(),
  clusterName: 'analytics-dev-flink',
};

interface PolicyJson {
  display_name: string;
  enabled: boolean;
  severity: string;
  notification_channels: string[];
  documentation: { subject: string; content: string };
  conditions: {
    condition_prometheus_query_language?: { query: string; duration: string; alert_rule: string; rule_group: string; labels: Record<string, string> };
    condition_threshold?: { filter: string; comparison: string; threshold_value: number; duration: string; evaluation_missing_data: string };
  }[];
}

function policies(overrides: Partial<AnalyticsAlertsProps> = {}): PolicyJson[] {
  const synthesized = JSON.parse(Testing.synthScope((scope) => new AnalyticsAlerts(scope, 'alerts', { ...props, ...overrides }))) as {
    resource: Record<string, Record<string, unknown>>;
  };
  return Object.values(synthesized.resource[MonitoringAlertPolicy.tfResourceType] ?? {}) as PolicyJson[];
}

describe('AnalyticsAlerts', () => {
  it('evaluates every Flink rule in Cloud Monitoring with the expression, duration and severity promtool tests', () => {
    const rules = flinkAlertRules().flatMap((group) => group.rules.filter(isAlertRule).map((rule) => ({ group: group.name, rule })));
    const promql = policies().filter((policy) => policy.conditions[0]!.condition_prometheus_query_language);
    expect(promql.map((policy) => policy.display_name).sort()).toEqual(rules.map(({ rule }) => `analytics-dev: ${rule.alert}`).sort());
    for (const { group, rule } of rules) {
      const policy = promql.find((candidate) => candidate.display_name === `analytics-dev: ${rule.alert}`)!;
      const minutes = Number(rule.for.replace('m', ''));
      expect(policy.conditions[0]!.condition_prometheus_query_language).toMatchObject({
        query: rule.expr,
        duration: `${minutes * 60}s`,
        alert_rule: rule.alert,
        rule_group: group,
        labels: { severity: rule.labels.severity },
      });
      expect(policy.severity).toBe(rule.labels.severity.toUpperCase());
      expect(policy.documentation.content).toContain(rule.annotations.runbook_url);
      expect(policy.documentation.subject).not.toContain('{{');
    }
  });

  it('pages when the cluster runs no YARN application for 10 minutes or stops reporting', () => {
    const [yarn] = policies().filter((policy) => policy.conditions[0]!.condition_threshold);
    expect(yarn!.conditions[0]!.condition_threshold).toMatchObject({
      filter: expect.stringContaining('resource.labels.cluster_name = "analytics-dev-flink"'),
      comparison: 'COMPARISON_LT',
      threshold_value: 1,
      duration: '600s',
      evaluation_missing_data: 'EVALUATION_MISSING_DATA_ACTIVE',
    });
    expect(yarn!.conditions[0]!.condition_threshold!.filter).toContain('metric.type = "dataproc.googleapis.com/cluster/yarn/apps"');
  });

  it('mails every incident to the on-call address', () => {
    const synthesized = Testing.synthScope((scope) => new AnalyticsAlerts(scope, 'alerts', props));
    expect(Testing.toHaveResourceWithProperties(synthesized, MonitoringNotificationChannel.tfResourceType, { type: 'email', labels: { email_address: 'analytics-oncall@example.com' } })).toBe(true);
    for (const policy of policies()) expect(policy.notification_channels).toEqual([expect.stringMatching(/^\$\{google_monitoring_notification_channel\.alerts_email_\w+\.id\}$/)]);
  });

  it('disables every policy while the job is meant to be stopped', () => {
    expect(policies().map((policy) => policy.enabled)).not.toContain(false);
    expect(policies({ jobShouldRun: false }).map((policy) => policy.enabled)).not.toContain(true);
  });

  it.each([
    [{ notificationEmail: 'on-call' }, /AnalyticsAlerts: notificationEmail must be an e-mail address/],
    [{ clusterName: 'Analytics' }, /AnalyticsAlerts: clusterName must be a lowercase name/],
    [{ prometheusRules: [{ name: 'g', rules: [{ ...flinkAlertRules()[0]!.rules[0]!, for: '1d' }] }] }, /AnalyticsAlerts: prometheusRules\[\]\.for must be a Prometheus duration/],
  ])('rejects %o', (overrides, message) => {
    expect(() => Testing.synthScope((scope) => new AnalyticsAlerts(scope, 'alerts', { ...props, ...overrides }))).toThrow(message);
  });
});
