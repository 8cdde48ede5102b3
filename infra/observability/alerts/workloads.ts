import { alertRule, type RuleGroup } from './rule.js';

/** The namespace of the shop's services (issue 10's network policies name it too). */
export const SHOP_NAMESPACE = 'shop';

/**
 * Crash loops and restarts of the shop's own containers. kube-prometheus-stack's default rules cover every
 * namespace with generic text; these point at the shop's runbook and its first checks.
 */
export function workloadRules(): RuleGroup[] {
  const shop = `namespace="${SHOP_NAMESPACE}"`;
  return [
    {
      name: 'shop-workloads',
      rules: [
        alertRule({
          alert: 'ShopPodCrashLooping',
          expr: `max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{${shop},reason="CrashLoopBackOff"}) >= 1`,
          for: '5m',
          severity: 'critical',
          summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is crash-looping',
          description: 'Kubernetes has been backing off restarts of {{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} for 5 minutes.',
        }),
        alertRule({
          alert: 'ShopPodRestarting',
          expr: `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${shop}}[15m])) > 2`,
          for: '0m',
          severity: 'warning',
          summary: 'Container {{ $labels.container }} of {{ $labels.pod }} restarted more than twice in 15 minutes',
          description:
            '{{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} keeps restarting: failed liveness probes, out-of-memory kills or crashes at start.',
        }),
      ],
    },
  ];
}
