/**
 * The shapes of a PrometheusRule's `spec.groups` (prometheus-operator), which is also the rule-file format that
 * `promtool` and Prometheus read: one definition serves the cluster, the tests and the GCP alert policies.
 */
export type Severity = 'critical' | 'warning';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the expression must hold before the alert fires, a Prometheus duration (`5m`). */
  readonly for: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface RuleGroup {
  readonly name: string;
  /** @default - Prometheus's global evaluation interval */
  readonly interval?: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

export const isAlertRule = (rule: AlertRule | RecordingRule): rule is AlertRule => 'alert' in rule;

/**
 * The runbook, one `## <AlertName>` section per alert, as a path in this repository: the repository has no
 * published address of its own, and whoever reads the alert reads it next to the code.
 */
export const RUNBOOK_PATH = 'docs/runbook.md';

/** Markdown renderers (GitHub's among them) anchor a `## <AlertName>` heading at the name in lower case. */
export const runbookUrl = (alert: string): string => `${RUNBOOK_PATH}#${alert.toLowerCase()}`;

interface AlertDefinition {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

/** An alert rule whose runbook link follows from its name, so no rule can point at a section that is not its own. */
export function alertRule(definition: AlertDefinition): AlertRule {
  return {
    alert: definition.alert,
    expr: definition.expr,
    for: definition.for,
    labels: { severity: definition.severity },
    annotations: { summary: definition.summary, description: definition.description, runbook_url: runbookUrl(definition.alert) },
  };
}
