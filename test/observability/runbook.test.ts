import { readFileSync } from 'node:fs';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AnalyticsAlerts } from '../../infra/gcp/analytics-alerts.js';
import { flinkAlertRules, isAlertRule, RUNBOOK_PATH, shopAlertRules } from '../../infra/observability/index';

const runbook = readFileSync(new URL(`../../${RUNBOOK_PATH}`, import.meta.url), 'utf8');

/** The `## <name>` sections of the runbook, each with its text up to the next heading of level 1 or 2. */
const sections = new Map(
  [...runbook.matchAll(/^## (\S+)\n([\s\S]*?)(?=^#{1,2} |(?![\s\S]))/gm)].map((match) => [match[1]!, match[2]!] as const),
);

const rules = [...shopAlertRules(), ...flinkAlertRules()].flatMap((group) => group.rules.filter(isAlertRule));

/** The GCP policies' alert names: the last word of their display names. */
const gcpPolicyNames = (() => {
  const synthesized = JSON.parse(
    Testing.synthScope(
      (scope) => new AnalyticsAlerts(scope, 'alerts', { namePrefix: 'x', notificationEmail: 'a@example.com', prometheusRules: flinkAlertRules(), clusterName: 'c' }),
    ),
  ) as { resource: { google_monitoring_alert_policy: Record<string, { display_name: string }> } };
  return Object.values(synthesized.resource.google_monitoring_alert_policy).map((policy) => policy.display_name.replace(/^x: /, ''));
})();

describe('docs/runbook.md', () => {
  it('has a section per alert, EKS and GCP, saying what it means, the first checks, the mitigation and the escalation', () => {
    const names = [...new Set([...rules.map((rule) => rule.alert), ...gcpPolicyNames])];
    expect(names.filter((name) => !sections.has(name))).toEqual([]);
    for (const name of names) {
      const text = sections.get(name)!;
      for (const part of ['**What it means.**', '**First checks.**', '**Mitigation.**', '**Escalation.**']) expect(text, `${name}: ${part}`).toContain(part);
      expect(text.match(/^\d\. /gm)?.length, `${name}: three first checks`).toBe(3);
    }
  });

  it('is where every rule links, at its own section', () => {
    for (const rule of rules) expect(rule.annotations.runbook_url).toBe(`${RUNBOOK_PATH}#${rule.alert.toLowerCase()}`);
  });

  it('describes no alert that does not exist', () => {
    const names = new Set([...rules.map((rule) => rule.alert), ...gcpPolicyNames]);
    expect([...sections.keys()].filter((name) => !names.has(name))).toEqual([]);
  });
});
