import { alertRule, type RuleGroup } from './rule.js';

/**
 * The analytics job's alerts, over the metrics of Flink's Prometheus reporter (docs/analytics.md). They run in
 * Cloud Monitoring (infra/gcp/analytics-alerts.ts), because the job runs on Dataproc where the EKS Prometheus
 * cannot scrape; promtool tests the same definitions. The reporter serves counters as gauges, hence `delta`.
 */
export function flinkAlertRules(): RuleGroup[] {
  return [
    {
      name: 'flink-analytics',
      rules: [
        alertRule({
          alert: 'FlinkJobNotRunning',
          expr: 'max(flink_jobmanager_numRunningJobs) < 1',
          for: '5m',
          severity: 'critical',
          summary: 'The Flink JobManager runs no job',
          description:
            'The analytics JobManager has reported no running job for 5 minutes: it is restarting or has failed the job, and no sales ' +
            'windows reach analytics-results. (If the whole YARN application is gone, the Dataproc policy on YARN applications fires instead.)',
        }),
        alertRule({
          alert: 'FlinkCheckpointsFailing',
          expr: 'max by (job_name) (delta(flink_jobmanager_job_numberOfFailedCheckpoints[10m])) > 2',
          for: '5m',
          severity: 'critical',
          summary: 'Checkpoints of {{ $labels.job_name }} keep failing',
          description:
            'More than two checkpoints of {{ $labels.job_name }} failed in 10 minutes. Its sinks are exactly-once: results and lake files ' +
            'are committed only with a checkpoint, so output stops, and a restart would replay from the last good one.',
        }),
        alertRule({
          alert: 'FlinkCheckpointsStalled',
          expr: 'max by (job_name) (delta(flink_jobmanager_job_numberOfCompletedCheckpoints[15m])) <= 0',
          for: '5m',
          severity: 'critical',
          summary: 'No checkpoint of {{ $labels.job_name }} completed in 15 minutes',
          description:
            '{{ $labels.job_name }} runs but completed no checkpoint in 15 minutes (the interval is seconds): checkpoints are stuck behind ' +
            'back-pressure or slow storage, so nothing new is committed to analytics-results or the lake.',
        }),
      ],
    },
  ];
}
