import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * Panels are small functions over PromQL: a dashboard is a list of rows of these. Every query goes to the
 * Prometheus the `datasource` variable selects, so one JSON model works in any Grafana with any datasource uid.
 */
export const DATASOURCE_VARIABLE = 'datasource';
const prometheus = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

/** One PromQL query and its legend (`{{route}}`). */
export interface Query {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  /** Grafana unit id: `reqps`, `percentunit`, `s`, `bytes`, `short`, `ops`. */
  readonly unit: string;
  readonly queries: readonly Query[];
  readonly description?: string;
  /** Draws a dashed red line at this value: the alert threshold the panel relates to. */
  readonly threshold?: number;
}

export type Panel = TimeseriesPanelBuilder | StatPanelBuilder;

export interface Row {
  readonly title: string;
  readonly panels: readonly Panel[];
}

export interface DashboardSpec {
  /** Stable, so links and provisioned copies survive a rebuild; Grafana allows 40 characters. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly Row[];
}

const targets = (queries: readonly Query[]) =>
  queries.map((query, index) =>
    new DataqueryBuilder()
      .datasource(prometheus)
      .expr(query.expr)
      .legendFormat(query.legend)
      .refId(String.fromCharCode(65 + index)),
  );

const alertThreshold = (value: number) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value, color: 'red' },
  ]);

/** A time series, half the row wide. */
export function timeseries(spec: PanelSpec): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder().title(spec.title).datasource(prometheus).unit(spec.unit).span(12).height(8).targets(targets(spec.queries));
  if (spec.description) panel.description(spec.description);
  if (spec.threshold !== undefined) {
    panel.thresholds(alertThreshold(spec.threshold)).thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return panel;
}

/** A single figure (the last value), a sixth of the row wide, red from `threshold` on. */
export function stat(spec: PanelSpec): StatPanelBuilder {
  const panel = new StatPanelBuilder()
    .title(spec.title)
    .datasource(prometheus)
    .unit(spec.unit)
    .span(4)
    .height(4)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .targets(targets(spec.queries));
  if (spec.description) panel.description(spec.description);
  if (spec.threshold !== undefined) panel.thresholds(alertThreshold(spec.threshold));
  return panel;
}

/** A dashboard with the Prometheus datasource variable, its rows laid out in order, panel ids numbered from 1. */
export function dashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['cloud-shop', ...spec.tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('utc')
    .withVariable(new DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Prometheus').type('prometheus'));
  let id = 0;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(++id));
    for (const panel of row.panels) builder.withPanel(panel.id(++id));
  }
  return builder.build();
}

const select = (metric: string, selector: string) => (selector ? `${metric}{${selector}}` : metric);

/** `histogram_quantile(0.99, sum by (le, route) (rate(<histogram>_bucket{<selector>}[$__rate_interval])))`. */
export function quantile(q: number, histogram: string, selector: string, by: readonly string[] = []): string {
  return `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (rate(${select(`${histogram}_bucket`, selector)}[$__rate_interval])))`;
}

/** `sum by (route) (rate(<counter>{<selector>}[$__rate_interval]))`, or a plain sum without grouping labels. */
export function rateOf(counter: string, selector: string, by: readonly string[] = []): string {
  const grouping = by.length > 0 ? ` by (${by.join(', ')})` : '';
  return `sum${grouping} (rate(${select(counter, selector)}[$__rate_interval]))`;
}
