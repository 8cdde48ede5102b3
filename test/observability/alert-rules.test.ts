import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type AlertRule, flinkAlertRules, isAlertRule, type RuleGroup, shopAlertRules } from '../../infra/observability/index';
import { runToCompletion } from '../../runtime/local/child-process';
import { consoleProgress } from '../../runtime/local/progress';
import { ensurePromtool } from '../../runtime/local/promtool';
import { type AlertScenario, alertScenarios } from './alert-cases';

// The first run unpacks Debian's prometheus package (seconds); evaluating 7-hour series takes a few more.
const PROMTOOL_TIMEOUT = 300_000;

const ruleFiles: Record<string, RuleGroup[]> = { 'shop-rules.yaml': shopAlertRules(), 'flink-rules.yaml': flinkAlertRules() };
const alerts = new Map<string, AlertRule>(
  Object.values(ruleFiles)
    .flat()
    .flatMap((group) => group.rules.filter(isAlertRule))
    .map((rule) => [rule.alert, rule]),
);

/** Annotations may use `{{ $labels.<name> }}` and nothing else, so the expected text follows from the alert's labels. */
function renderAnnotations(rule: AlertRule, labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rule.annotations).map(([name, text]) => [
      name,
      text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_match, label: string) => {
        const value = labels[label];
        if (value === undefined) throw new Error(`${rule.alert}.${name} uses $labels.${label}, which the alert does not carry`);
        return value;
      }),
    ]),
  );
}

/** One promtool test per scenario, every expectation at the scenario's evaluation time. */
function promtoolTest(scenario: AlertScenario) {
  return {
    name: scenario.name,
    interval: '1m',
    input_series: scenario.series,
    alert_rule_test: Object.entries(scenario.expect).map(([alertname, instances]) => {
      const rule = alerts.get(alertname);
      if (rule === undefined) throw new Error(`scenario '${scenario.name}' expects ${alertname}, which no rule defines`);
      return {
        eval_time: `${scenario.atMinute}m`,
        alertname,
        exp_alerts: instances.map((labels) => ({ exp_labels: { ...rule.labels, ...labels }, exp_annotations: renderAnnotations(rule, labels) })),
      };
    }),
  };
}

describe('alert rules under promtool', () => {
  let workDir: string;
  let promtool: string;

  beforeAll(async () => {
    promtool = await ensurePromtool(consoleProgress());
    workDir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    for (const [file, groups] of Object.entries(ruleFiles)) writeFileSync(join(workDir, file), stringify({ groups }));
  }, PROMTOOL_TIMEOUT);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('every alert has a scenario where it fires and one where it stays silent', () => {
    const coverage = [...alerts.keys()].map((alert) => ({
      alert,
      fires: alertScenarios.some((scenario) => (scenario.expect[alert]?.length ?? 0) > 0),
      silent: alertScenarios.some((scenario) => scenario.expect[alert]?.length === 0),
    }));
    expect(coverage.filter((entry) => !entry.fires || !entry.silent)).toEqual([]);
  });

  it('passes promtool check rules', async () => {
    const output = await runToCompletion(promtool, ['check', 'rules', ...Object.keys(ruleFiles).map((file) => join(workDir, file))]);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  }, PROMTOOL_TIMEOUT);

  it('fires and stays silent as each scenario expects (promtool test rules)', async () => {
    const testFile = join(workDir, 'alert-scenarios.test.yaml');
    writeFileSync(testFile, stringify({ rule_files: Object.keys(ruleFiles), evaluation_interval: '1m', tests: alertScenarios.map(promtoolTest) }));
    // promtool prints each failing expectation with the alerts it got instead; the rejection carries that output.
    const output = await runToCompletion(promtool, ['test', 'rules', testFile], { cwd: workDir });
    expect(output).toContain('SUCCESS');
  }, PROMTOOL_TIMEOUT);
});
