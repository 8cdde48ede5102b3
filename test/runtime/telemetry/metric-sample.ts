import type { Registry } from 'prom-client';

/** The value of one series, e.g. `sample(registry, 'sql_query_errors_total', { operation: 'select' })`; undefined when there is none. */
export async function sample(registry: Registry, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number | undefined> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      // Histograms name each series (_count, _sum, _bucket); counters and gauges leave it to the metric's name.
      const series = (value as { metricName?: string }).metricName ?? metric.name;
      if (series === name && Object.entries(labels).every(([label, wanted]) => String(value.labels[label]) === wanted)) return value.value;
    }
  }
  return undefined;
}
