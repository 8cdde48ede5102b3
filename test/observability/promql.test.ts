import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flinkAlertRules, shopDashboards } from '../../infra/observability/index';
import { exporterMetricNames, exporterMetrics } from './exporter-metrics';
import { allExpressions, exposedNames, parsePromQL, recordedNames } from './promql';

const expressions = allExpressions();

describe('PromQL of the dashboards and alert rules', () => {
  it('has every panel query and rule expression to check', () => {
    const dashboardQueries = expressions.filter((expression) => expression.source.startsWith('dashboard '));
    const panelsWithQueries = shopDashboards().flatMap((dashboard) => (dashboard.panels ?? []).filter((panel) => panel.type !== 'row'));
    expect(dashboardQueries.length).toBeGreaterThanOrEqual(panelsWithQueries.length);
    expect(expressions.filter((expression) => expression.source.startsWith('rule group flink-')).length).toBe(flinkAlertRules()[0]!.rules.length);
  });

  it('parses every expression without an error node', () => {
    const failures = expressions.flatMap(({ source, expr }) => {
      const { errorsAt } = parsePromQL(expr);
      return errorsAt.length > 0 ? [`${source}: error at ${errorsAt.join(', ')} in ${expr}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it('finds a metric name in every expression', () => {
    expect(expressions.filter(({ expr }) => parsePromQL(expr).metricNames.length === 0)).toEqual([]);
  });

  it('reports an error node for broken PromQL and for a Grafana variable no dashboard defines', () => {
    expect(parsePromQL('sum(rate(http_requests_total[5m])').errorsAt).not.toEqual([]);
    expect(parsePromQL('rate(http_requests_total[$__unknown])').errorsAt).not.toEqual([]);
    expect(parsePromQL('sum by (le) (rate(a_bucket{x="1"}[$__rate_interval])) / on() b').metricNames).toEqual(['a_bucket', 'b']);
  });

  it('lists only exporter metrics some query uses, and none that a recording rule defines', () => {
    const used = new Set(expressions.flatMap(({ expr }) => parsePromQL(expr).metricNames));
    expect([...exporterMetricNames].filter((name) => !used.has(name))).toEqual([]);
    expect([...recordedNames()].filter((name) => exporterMetricNames.has(name))).toEqual([]);
  });

  it('names in the Flink rules only what the Flink reporter serves', () => {
    const flinkNames = new Set(exporterMetrics['flink-prometheus-reporter']);
    const named = flinkAlertRules().flatMap((group) => group.rules.flatMap((rule) => parsePromQL(rule.expr).metricNames));
    expect(named.filter((name) => !flinkNames.has(name))).toEqual([]);
    // The job's own metrics test scrapes its reporter for the failed-checkpoint gauge.
    const scraped = readFileSync(new URL('../../analytics/src/test/java/com/cloudshop/analytics/SavepointUpgradeIT.java', import.meta.url), 'utf8');
    expect(scraped).toContain('"flink_jobmanager_job_numberOfFailedCheckpoints{"');
  });

  it('reads declared names, samples and histogram series from an exposition', () => {
    const exposition = ['# HELP a_seconds a', '# TYPE a_seconds histogram', '# TYPE b_total counter', 'b_total{x="1"} 3', 'c 1', ''].join('\n');
    expect([...exposedNames(exposition)].sort()).toEqual(['a_seconds', 'a_seconds_bucket', 'a_seconds_count', 'a_seconds_sum', 'b_total', 'c']);
  });
});
