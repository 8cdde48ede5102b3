import { gatewaySloRules } from './gateway-slo.js';
import { orderPipelineRules } from './order-pipeline.js';
import type { RuleGroup } from './rule.js';
import { workloadRules } from './workloads.js';

export * from './flink.js';
export * from './gateway-slo.js';
export * from './order-pipeline.js';
export * from './rule.js';
export * from './workloads.js';

/** Every rule the EKS Prometheus evaluates, as PrometheusRule `spec.groups`; the Flink rules run in GCP instead. */
export function shopAlertRules(): RuleGroup[] {
  return [...gatewaySloRules(), ...orderPipelineRules(), ...workloadRules()];
}
