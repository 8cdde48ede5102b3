/**
 * Metric names the dashboards and rules read from exporters that do not run locally, so no local scrape can
 * show them. Only names the queries use are listed (promql.test.ts keeps it so); each group says where its names
 * come from. Everything else a query names must be served by the services' /metrics (test/integration/
 * observability-metrics.test.ts scrapes them after driving an order through the gateway).
 */
export const exporterMetrics: Readonly<Record<string, readonly string[]>> = {
  // kube-state-metrics (kube-prometheus-stack): objects of the Kubernetes API as series.
  'kube-state-metrics': [
    'kube_deployment_spec_replicas',
    'kube_deployment_status_replicas_available',
    'kube_horizontalpodautoscaler_status_current_replicas',
    'kube_node_status_allocatable',
    'kube_node_status_condition',
    'kube_pod_container_resource_requests',
    'kube_pod_container_status_restarts_total',
    'kube_pod_container_status_waiting_reason',
    'kube_pod_status_phase',
  ],
  // node-exporter on every EKS node (kube-prometheus-stack), and MSK open monitoring's node exporter (port 11002).
  'node-exporter': [
    'node_cpu_seconds_total',
    'node_filesystem_avail_bytes',
    'node_filesystem_size_bytes',
    'node_memory_MemAvailable_bytes',
    'node_memory_MemTotal_bytes',
    'node_network_receive_bytes_total',
    'node_network_transmit_bytes_total',
  ],
  // cAdvisor in the kubelet: per-container resource use and CFS throttling.
  cadvisor: ['container_cpu_cfs_periods_total', 'container_cpu_cfs_throttled_periods_total', 'container_cpu_usage_seconds_total', 'container_memory_working_set_bytes'],
  // MSK open monitoring's JMX exporter (port 11001): Kafka's MBeans under the exporter's default naming
  // (<domain>_<type>_<attribute>, the MBean's name as a label), and MSK's own consumer-lag MBeans.
  'msk-jmx-exporter': [
    'kafka_consumer_group_ConsumerLagMetrics_Value',
    'kafka_controller_KafkaController_Value',
    'kafka_network_RequestMetrics_99thPercentile',
    'kafka_server_BrokerTopicMetrics_Count',
    'kafka_server_ReplicaManager_Value',
  ],
  // Flink's Prometheus reporter on the Dataproc cluster (docs/analytics.md). analytics/ SavepointUpgradeIT scrapes
  // numberOfFailedCheckpoints from the job's reporter; numRunningJobs and numberOfCompletedCheckpoints are Flink's
  // standard JobManager and job metrics under the same reporter's naming.
  'flink-prometheus-reporter': ['flink_jobmanager_job_numberOfCompletedCheckpoints', 'flink_jobmanager_job_numberOfFailedCheckpoints', 'flink_jobmanager_numRunningJobs'],
};

export const exporterMetricNames: ReadonlySet<string> = new Set(Object.values(exporterMetrics).flat());
