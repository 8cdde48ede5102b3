import { Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from './circuit-breaker';
import type { CallOutcome } from './upstream';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Upstream call latency by outcome and each upstream's circuit state. Created before the app (the
 * upstreams need them) and attached to the app's registry once it exists.
 */
export function createGatewayMetrics() {
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Time from sending a request to an upstream to having its whole answer, by outcome',
    labelNames: ['upstream', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  const circuitState = new Gauge({
    name: 'gateway_upstream_circuit_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    registers: [],
  });
  return {
    observeCall: (upstream: string, outcome: CallOutcome, seconds: number) => upstreamDuration.observe({ upstream, outcome }, seconds),
    setCircuitState: (upstream: string, state: BreakerState) => circuitState.set({ upstream }, STATE_VALUE[state]),
    registerOn(registry: Registry) {
      registry.registerMetric(upstreamDuration);
      registry.registerMetric(circuitState);
    },
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
