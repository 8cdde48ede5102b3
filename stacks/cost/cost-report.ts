import { HOURS_PER_MONTH } from './price-table';
import { pricingRuleFor, type CostLine, type PricingContext } from './pricing-rules';
import type { Cloud, SynthesizedResource } from './synthesized-resources';
import type { UsageAssumptions } from './usage-assumptions';

/** A line with its money, in whole cents so that totals are exact sums of what is printed. */
export interface PricedLine extends CostLine {
  readonly monthlyCents: number;
  readonly atMaxCents: number;
}

export interface CostReport {
  readonly lines: readonly PricedLine[];
  readonly totalCents: number;
  /** Everything at its configured maximum (nodes, ACUs); usage assumptions unchanged. */
  readonly totalAtMaxCents: number;
  /** Types (or a variant of one: an instance type, a storage class) with no price: someone forgot them. */
  readonly unpriced: readonly { readonly type: string; readonly resources: readonly string[] }[];
  /** Types of the synth that the table lists as free, with the reason. */
  readonly free: readonly { readonly type: string; readonly reason: string }[];
}

/**
 * Where traces leave the cluster for X-Ray: the `awsxray` exporter in a chart's values, a Kubernetes object or an
 * add-on's configuration. X-Ray has no resource to deploy, so its usage is priced once per environment when found.
 */
function xrayExporters(resources: readonly SynthesizedResource[]): SynthesizedResource[] {
  const exporting = resources.filter((resource) => JSON.stringify(resource.properties).includes('awsxray'));
  return exporting.length === 0 ? [] : [{ cloud: 'AWS', type: 'AWS X-Ray', id: exporting.map((resource) => resource.id).join(', '), properties: {} }];
}

export function computeCostReport(synthesized: readonly SynthesizedResource[], assumptions: UsageAssumptions): CostReport {
  const resources = [...synthesized, ...xrayExporters(synthesized)];
  const context: PricingContext = { assumptions, resources };
  const lines: PricedLine[] = [];
  const unpriced = new Map<string, string[]>();
  const free = new Map<string, string>();
  for (const resource of resources) {
    const rule = pricingRuleFor(resource.type);
    if (!rule) {
      unpriced.set(resource.type, [...(unpriced.get(resource.type) ?? []), resource.id]);
      continue;
    }
    if ('free' in rule) {
      free.set(resource.type, rule.free);
      continue;
    }
    const priced = rule.price(resource, context);
    if ('unpriced' in priced) {
      const key = `${resource.type} (${priced.unpriced})`;
      unpriced.set(key, [...(unpriced.get(key) ?? []), resource.id]);
      continue;
    }
    for (const line of priced) {
      const atMaxQuantity = line.atMaxQuantity ?? line.quantity;
      lines.push({
        ...line,
        cloud: resource.cloud,
        service: rule.service,
        resource: resource.id,
        atMaxQuantity,
        monthlyCents: Math.round(line.quantity * line.unitPrice * 100),
        atMaxCents: Math.round(atMaxQuantity * line.unitPrice * 100),
      });
    }
  }
  const ordered = lines
    .filter((line) => line.monthlyCents > 0 || line.atMaxCents > 0)
    .sort((a, b) => a.cloud.localeCompare(b.cloud) || a.service.localeCompare(b.service) || a.resource.localeCompare(b.resource));
  return {
    lines: ordered,
    totalCents: sum(ordered.map((line) => line.monthlyCents)),
    totalAtMaxCents: sum(ordered.map((line) => line.atMaxCents)),
    unpriced: [...unpriced].map(([type, ids]) => ({ type, resources: ids })).sort((a, b) => a.type.localeCompare(b.type)),
    free: [...free].map(([type, reason]) => ({ type, reason })).sort((a, b) => a.type.localeCompare(b.type)),
  };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

const dollars = (cents: number) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function quantityText(line: CostLine): string {
  const quantity = Number.isInteger(line.quantity) ? String(line.quantity) : line.quantity.toFixed(line.quantity < 10 ? 3 : 1).replace(/\.?0+$/, '');
  const hours = line.unit.endsWith('h') && line.quantity % HOURS_PER_MONTH === 0 && line.quantity > 0 ? ` (${line.quantity / HOURS_PER_MONTH} × ${HOURS_PER_MONTH} h)` : '';
  return `${quantity} ${line.unit}${hours} × $${line.unitPrice.toPrecision(4).replace(/\.?0+$/, '')}`;
}

export interface ReportHeading {
  readonly environment: string;
  readonly regions: Readonly<Record<Cloud, string>>;
  readonly pricesTakenOn: string;
  readonly priceSource: string;
}

/** The report as a Markdown document: a table per cloud grouped by service, the totals, then free and unpriced types. */
export function formatCostReport(report: CostReport, heading: ReportHeading): string {
  const out: string[] = [
    `## Monthly cost: ${heading.environment}`,
    '',
    `Prices: AWS ${heading.regions.AWS}, GCP ${heading.regions.GCP}, taken on ${heading.pricesTakenOn} (${heading.priceSource}); ${HOURS_PER_MONTH} hours a month; usage as assumed in stacks/cost/usage-assumptions.ts.`,
    '',
  ];
  for (const cloud of ['AWS', 'GCP'] as const) {
    const lines = report.lines.filter((line) => line.cloud === cloud);
    out.push(`### ${cloud}`, '', '| service | resource | item | quantity × unit price | per month | at max |', '|---|---|---|---|---:|---:|');
    for (const service of [...new Set(lines.map((line) => line.service))]) {
      const ofService = lines.filter((line) => line.service === service);
      for (const line of ofService) {
        out.push(`| ${service} | ${line.resource} | ${line.item} | ${quantityText(line)} | ${dollars(line.monthlyCents)} | ${dollars(line.atMaxCents)} |`);
      }
      out.push(`| **${service}** | | | | **${dollars(sum(ofService.map((line) => line.monthlyCents)))}** | **${dollars(sum(ofService.map((line) => line.atMaxCents)))}** |`);
    }
    out.push(`| **${cloud} total** | | | | **${dollars(sum(lines.map((line) => line.monthlyCents)))}** | **${dollars(sum(lines.map((line) => line.atMaxCents)))}** |`, '');
  }
  out.push(`**Total: ${dollars(report.totalCents)} a month** (at the configured maxima: ${dollars(report.totalAtMaxCents)}).`, '');
  // Types only: the snapshot then moves when a new kind of resource appears, not with every security group.
  out.push(`Free types in the synth (reasons in stacks/cost/pricing-rules.ts): ${report.free.map(({ type }) => type).join(', ')}.`, '');
  out.push(
    report.unpriced.length === 0
      ? 'Unpriced: none.'
      : ['Unpriced (no entry in stacks/cost/pricing-rules.ts; add one):', ...report.unpriced.map(({ type, resources }) => `- ${type}: ${resources.join(', ')}`)].join('\n'),
    '',
  );
  return out.join('\n');
}
