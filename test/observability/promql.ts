import { parser } from '@prometheus-io/lezer-promql';
import { type Dashboard, flinkAlertRules, isAlertRule, type RuleGroup, shopAlertRules, shopDashboards } from '../../infra/observability/index';

/** One PromQL expression and where it comes from, for failure messages. */
export interface Expression {
  readonly source: string;
  readonly expr: string;
}

interface PanelLike {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly PanelLike[];
}

function panelExpressions(dashboard: Dashboard): Expression[] {
  const walk = (panels: readonly PanelLike[]): Expression[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).flatMap((target) => (target.expr ? [{ source: `dashboard ${dashboard.uid}, panel '${panel.title}'`, expr: target.expr }] : [])),
      ...walk(panel.panels ?? []),
    ]);
  return walk((dashboard.panels ?? []) as readonly PanelLike[]);
}

const ruleExpressions = (groups: readonly RuleGroup[]): Expression[] =>
  groups.flatMap((group) => group.rules.map((rule) => ({ source: `rule group ${group.name}, ${isAlertRule(rule) ? `alert ${rule.alert}` : `record ${rule.record}`}`, expr: rule.expr })));

/** Every expression of the dashboards, the EKS rules and the Flink rules. */
export function allExpressions(): Expression[] {
  return [...shopDashboards().flatMap(panelExpressions), ...ruleExpressions(shopAlertRules()), ...ruleExpressions(flinkAlertRules())];
}

/** Names the rules themselves record; a query of one needs no exporter. */
export function recordedNames(): Set<string> {
  return new Set([...shopAlertRules(), ...flinkAlertRules()].flatMap((group) => group.rules.flatMap((rule) => ('record' in rule ? [rule.record] : []))));
}

/**
 * Grafana fills these in before the query reaches Prometheus; the parser sees a representative value. Any other
 * `$` left in an expression is a variable no dashboard defines, and fails the parse.
 */
const GRAFANA_INTERVALS: Readonly<Record<string, string>> = { $__rate_interval: '1m', $__range: '1h', $__interval: '30s' };

export interface ParsedExpression {
  /** Offsets (in the expression as Grafana sends it) of the parser's error nodes. */
  readonly errorsAt: readonly number[];
  /** Metric names of the vector selectors. */
  readonly metricNames: readonly string[];
}

export function parsePromQL(expr: string): ParsedExpression {
  const query = expr.replace(/\$__\w+/g, (variable) => GRAFANA_INTERVALS[variable] ?? variable);
  const errorsAt: number[] = [];
  const metricNames = new Set<string>();
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errorsAt.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') metricNames.add(query.slice(node.from, node.to));
    },
  });
  return { errorsAt, metricNames: [...metricNames] };
}

/** What a Prometheus exposition names: every sample's metric, and every declared metric (a labelled one has no sample until used). */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const declared = /^# TYPE (\S+) (\w+)/.exec(line);
    if (declared) {
      const [, name, type] = declared as unknown as [string, string, string];
      names.add(name);
      // A histogram's samples are its _bucket, _sum and _count series; a query names those, never the base name.
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}
