import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { CONSUMER_GROUP_LAG } from '../alerts/order-pipeline.js';
import { dashboard, quantile, rateOf, stat, timeseries } from './panels.js';

// MSK open monitoring serves the brokers' JMX exporter on 11001 and node exporter on 11002; the port tells the
// two apart from the EKS nodes' exporters whatever job name the scrape config gives them.
const brokerJmx = 'instance=~".+:11001"';
const brokerNode = 'instance=~".+:11002"';

/** The MSK brokers (JMX and node exporters of open monitoring) and the shop's clients of them. */
export function kafkaDashboard(): Dashboard {
  return dashboard({
    uid: 'cloud-shop-kafka',
    title: 'Kafka (MSK)',
    description: 'Broker throughput, replication health and request latency from MSK open monitoring; consumer lag and producer latency from the services.',
    tags: ['kafka', 'msk'],
    rows: [
      {
        title: 'Cluster health',
        panels: [
          stat({
            title: 'Active controllers',
            unit: 'short',
            description: 'Exactly one broker is the controller; 0 means no metadata changes can happen.',
            queries: [{ expr: `sum(kafka_controller_KafkaController_Value{${brokerJmx},name="ActiveControllerCount"})`, legend: 'controllers' }],
          }),
          stat({
            title: 'Offline partitions',
            unit: 'short',
            threshold: 1,
            queries: [{ expr: `sum(kafka_controller_KafkaController_Value{${brokerJmx},name="OfflinePartitionsCount"})`, legend: 'offline' }],
          }),
          stat({
            title: 'Under-replicated partitions',
            unit: 'short',
            threshold: 1,
            queries: [{ expr: `sum(kafka_server_ReplicaManager_Value{${brokerJmx},name="UnderReplicatedPartitions"})`, legend: 'under-replicated' }],
          }),
        ],
      },
      {
        title: 'Brokers',
        panels: [
          timeseries({
            title: 'Messages in/s by topic',
            unit: 'ops',
            queries: [{ expr: rateOf('kafka_server_BrokerTopicMetrics_Count', `${brokerJmx},name="MessagesInPerSec",topic!=""`, ['topic']), legend: '{{topic}}' }],
          }),
          timeseries({
            title: 'Bytes in and out/s',
            unit: 'Bps',
            queries: [
              { expr: rateOf('kafka_server_BrokerTopicMetrics_Count', `${brokerJmx},name="BytesInPerSec",topic=""`, ['instance']), legend: '{{instance}} in' },
              { expr: rateOf('kafka_server_BrokerTopicMetrics_Count', `${brokerJmx},name="BytesOutPerSec",topic=""`, ['instance']), legend: '{{instance}} out' },
            ],
          }),
          timeseries({
            title: 'Request time p99 (broker side)',
            unit: 'ms',
            queries: [
              {
                expr: `max by (request) (kafka_network_RequestMetrics_99thPercentile{${brokerJmx},name="TotalTimeMs",request=~"Produce|FetchConsumer|OffsetCommit"})`,
                legend: '{{request}}',
              },
            ],
          }),
          timeseries({
            title: 'Broker CPU and data disk',
            unit: 'percentunit',
            queries: [
              { expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${brokerNode},mode="idle"}[$__rate_interval]))`, legend: '{{instance}} CPU' },
              {
                expr: `1 - max by (instance) (node_filesystem_avail_bytes{${brokerNode},mountpoint=~"/kafka.*"} / node_filesystem_size_bytes{${brokerNode},mountpoint=~"/kafka.*"})`,
                legend: '{{instance}} disk used',
              },
            ],
          }),
        ],
      },
      {
        title: 'Clients',
        panels: [
          timeseries({ title: 'Consumer lag (reported by the consumers)', unit: 'short', queries: [{ expr: CONSUMER_GROUP_LAG, legend: '{{group}} on {{topic}}' }] }),
          timeseries({
            title: 'Consumer lag (reported by MSK)',
            unit: 'short',
            description: "MSK's own view of every group, including the Flink job's, which the services' metrics do not cover.",
            queries: [{ expr: `max by (groupId, topic) (kafka_consumer_group_ConsumerLagMetrics_Value{${brokerJmx},name="SumOffsetLag"})`, legend: '{{groupId}} on {{topic}}' }],
          }),
          timeseries({
            title: 'Producer send p99 by topic',
            unit: 's',
            queries: [{ expr: quantile(0.99, 'kafka_producer_send_duration_seconds', '', ['topic', 'outcome']), legend: '{{topic}} {{outcome}}' }],
          }),
          timeseries({
            title: 'Consumer processing p99 by group',
            unit: 's',
            queries: [{ expr: quantile(0.99, 'kafka_consumer_processing_duration_seconds', '', ['group', 'topic']), legend: '{{group}} on {{topic}}' }],
          }),
        ],
      },
    ],
  });
}
