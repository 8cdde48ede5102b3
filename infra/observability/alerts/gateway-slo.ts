import { alertRule, type AlertRule, type RecordingRule, type RuleGroup } from './rule.js';

/**
 * The gateway's two service level objectives, alerted on with the multiwindow, multi-burn-rate method of the
 * Google SRE workbook ("Alerting on SLOs", 30-day window): a page when the last hour burnt 14.4 times the
 * sustainable rate (2% of the month's budget) or the last six hours 6 times (5%), each confirmed by a window
 * a twelfth as long so the alert clears within minutes of the burn stopping.
 */
export interface ServiceLevelObjective {
  /** `Availability` or `Latency`; the alerts are `Gateway<name>FastBurn` and `Gateway<name>SlowBurn`. */
  readonly name: string;
  /** Fraction of requests that must be good over 30 days, e.g. 0.995. */
  readonly objective: number;
  /** What a bad request is, for the alert's text. */
  readonly badRequests: string;
  /** The fraction of bad requests over a window, e.g. `5m`. */
  readonly badRatio: (window: string) => string;
}

/** Probes and scrapes answer from the gateway itself; counting them would dilute what users see. */
const userRequests = 'service="gateway",route!~"/healthz|/readyz|/metrics"';

/** A bucket bound of http_request_duration_seconds (runtime/shared/server/metrics.ts), so the ratio is exact. */
export const LATENCY_THRESHOLD_SECONDS = 0.5;

export const gatewayObjectives: readonly ServiceLevelObjective[] = [
  {
    name: 'Availability',
    objective: 0.995,
    badRequests: 'requests answered with a 5xx status',
    badRatio: (window) =>
      `sum(rate(http_requests_total{${userRequests},status_code=~"5.."}[${window}])) / sum(rate(http_requests_total{${userRequests}}[${window}]))`,
  },
  {
    name: 'Latency',
    objective: 0.99,
    badRequests: `requests slower than ${LATENCY_THRESHOLD_SECONDS * 1000} ms (the p99 objective)`,
    badRatio: (window) =>
      `1 - sum(rate(http_request_duration_seconds_bucket{${userRequests},le="${LATENCY_THRESHOLD_SECONDS}"}[${window}])) / sum(rate(http_request_duration_seconds_count{${userRequests}}[${window}]))`,
  },
];

interface BurnRateTier {
  readonly name: 'FastBurn' | 'SlowBurn';
  readonly longWindow: string;
  readonly shortWindow: string;
  readonly burnRate: number;
  readonly for: string;
  readonly budgetSpent: string;
}

/** The workbook's two paging tiers. */
export const burnRateTiers: readonly BurnRateTier[] = [
  { name: 'FastBurn', longWindow: '1h', shortWindow: '5m', burnRate: 14.4, for: '2m', budgetSpent: '2% of the 30-day error budget in one hour' },
  { name: 'SlowBurn', longWindow: '6h', shortWindow: '30m', burnRate: 6, for: '15m', budgetSpent: '5% of the 30-day error budget in six hours' },
];

/** `gateway:slo_availability_bad:ratio_rate1h`: the level:metric:operation naming of recording rules. */
export const badRatioRecord = (slo: ServiceLevelObjective, window: string): string => `gateway:slo_${slo.name.toLowerCase()}_bad:ratio_rate${window}`;

const windows = [...new Set(burnRateTiers.flatMap((tier) => [tier.shortWindow, tier.longWindow]))];

function recordingRules(slo: ServiceLevelObjective): RecordingRule[] {
  return windows.map((window) => ({ record: badRatioRecord(slo, window), expr: slo.badRatio(window) }));
}

const percent = (fraction: number): string => `${Number((fraction * 100).toPrecision(6))}%`;

function burnRateAlert(slo: ServiceLevelObjective, tier: BurnRateTier): AlertRule {
  const budget = Number((1 - slo.objective).toFixed(6));
  const threshold = `(${tier.burnRate} * ${budget})`;
  return alertRule({
    alert: `Gateway${slo.name}${tier.name}`,
    expr: `${badRatioRecord(slo, tier.longWindow)} > ${threshold} and ${badRatioRecord(slo, tier.shortWindow)} > ${threshold}`,
    for: tier.for,
    severity: 'critical',
    summary: `Gateway ${slo.name.toLowerCase()} SLO: error budget burning ${tier.burnRate}x too fast`,
    description:
      `Over the last ${tier.longWindow} and ${tier.shortWindow}, more than ${percent(tier.burnRate * budget)} of the gateway's user requests were ` +
      `${slo.badRequests}; the ${percent(slo.objective)} objective allows ${percent(budget)}. At this rate the gateway spends ${tier.budgetSpent}.`,
  });
}

export function gatewaySloRules(): RuleGroup[] {
  return [
    { name: 'gateway-slo-ratios', rules: gatewayObjectives.flatMap(recordingRules) },
    { name: 'gateway-slo-burn-rate', rules: gatewayObjectives.flatMap((slo) => burnRateTiers.map((tier) => burnRateAlert(slo, tier))) },
  ];
}
