/**
 * Synthetic series for `promtool test rules`, one scenario per situation an operator would recognise. Each scenario
 * says, for the alerts it is about, which ones fire at its evaluation time (with the labels that identify them) and
 * which stay silent; alert-rules.test.ts checks that every alert has at least one of each.
 */
export interface AlertScenario {
  readonly name: string;
  /** Minutes after the first sample at which the alerts are evaluated. */
  readonly atMinute: number;
  /** One sample per minute, in promtool's expanding notation (`0+10x60`). */
  readonly series: readonly { readonly series: string; readonly values: string }[];
  /** Per alert: the labels of each expected firing instance beyond the rule's own; `[]` means silent. */
  readonly expect: Readonly<Record<string, readonly Readonly<Record<string, string>>[]>>;
}

/**
 * A counter rising by `perMinute` for `minutes` minutes, segment after segment, without a step at the joins:
 * `counter([90, 60], [0, 10])` is `0+90x60 5400+0x9`.
 */
export function counter(...segments: readonly (readonly [perMinute: number, minutes: number])[]): string {
  let value = 0;
  return segments
    .map(([perMinute, minutes], index) => {
      const start = index === 0 ? 0 : value + perMinute;
      const steps = index === 0 ? minutes : minutes - 1;
      value = start + perMinute * steps;
      return `${start}+${perMinute}x${steps}`;
    })
    .join(' ');
}

/** A gauge moving by `step` a minute from `start`, for `minutes` minutes. */
export const gauge = (start: number, step: number, minutes: number): string => `${start}${step < 0 ? '-' : '+'}${Math.abs(step)}x${minutes}`;

const orders = 'service="gateway",route="/api/orders",method="POST"';
const probes = 'service="gateway",route="/healthz",method="GET",status_code="200"';

/** The gateway's user requests at 100 a minute: `errorsPerMinute` of them 5xx and `slowPerMinute` slower than 500 ms. */
function gatewayTraffic(minutes: number, segments: readonly { readonly errors: number; readonly slow: number; readonly minutes: number }[]) {
  const total = 100;
  return [
    { series: `http_requests_total{${orders},status_code="201"}`, values: counter(...segments.map((s) => [total - s.errors, s.minutes] as const)) },
    { series: `http_requests_total{${orders},status_code="503"}`, values: counter(...segments.map((s) => [s.errors, s.minutes] as const)) },
    { series: `http_request_duration_seconds_bucket{${orders},le="0.5"}`, values: counter(...segments.map((s) => [total - s.slow, s.minutes] as const)) },
    { series: `http_request_duration_seconds_count{${orders}}`, values: counter([total, minutes]) },
    // Probes answer fast and well many times a minute; counted, they would hide the users' errors.
    { series: `http_requests_total{${probes}}`, values: counter([1000, minutes]) },
    { series: `http_request_duration_seconds_bucket{${probes},le="0.5"}`, values: counter([1000, minutes]) },
    { series: `http_request_duration_seconds_count{${probes}}`, values: counter([1000, minutes]) },
  ];
}

const group = { group: 'notifications', topic: 'orders' };
const flinkJob = 'job_name="order-analytics",job_id="5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f"';

export const alertScenarios: readonly AlertScenario[] = [
  {
    name: 'the gateway answers 10% of user requests with a 5xx for 70 minutes',
    atMinute: 70,
    series: gatewayTraffic(70, [{ errors: 10, slow: 0, minutes: 70 }]),
    expect: { GatewayAvailabilityFastBurn: [{}], GatewayAvailabilitySlowBurn: [{}], GatewayLatencyFastBurn: [] },
  },
  {
    name: 'a 10% 5xx burst ended 10 minutes ago: the 5-minute window has recovered',
    atMinute: 70,
    series: gatewayTraffic(70, [{ errors: 10, slow: 0, minutes: 60 }, { errors: 0, slow: 0, minutes: 10 }]),
    expect: { GatewayAvailabilityFastBurn: [] },
  },
  {
    name: '5% of user requests fail for an hour: too slow a burn to page at once, fast enough for the 6-hour tier',
    atMinute: 60,
    series: gatewayTraffic(60, [{ errors: 5, slow: 0, minutes: 60 }]),
    expect: { GatewayAvailabilityFastBurn: [], GatewayAvailabilitySlowBurn: [{}] },
  },
  {
    name: 'seven hours within both objectives: 0.4% 5xx and 0.5% slower than 500 ms',
    atMinute: 420,
    series: gatewayTraffic(420, [{ errors: 0.4, slow: 0.5, minutes: 420 }]),
    expect: { GatewayAvailabilityFastBurn: [], GatewayAvailabilitySlowBurn: [], GatewayLatencyFastBurn: [], GatewayLatencySlowBurn: [] },
  },
  {
    name: '20% of user requests take longer than 500 ms for 70 minutes',
    atMinute: 70,
    series: gatewayTraffic(70, [{ errors: 0, slow: 20, minutes: 70 }]),
    expect: { GatewayLatencyFastBurn: [{}], GatewayLatencySlowBurn: [{}], GatewayAvailabilityFastBurn: [] },
  },
  {
    name: '8% of user requests take longer than 500 ms for an hour',
    atMinute: 60,
    series: gatewayTraffic(60, [{ errors: 0, slow: 8, minutes: 60 }]),
    expect: { GatewayLatencyFastBurn: [], GatewayLatencySlowBurn: [{}] },
  },
  {
    name: 'the outbox relay stopped: the oldest event ages a minute every minute',
    atMinute: 15,
    series: [{ series: 'outbox_oldest_event_age_seconds{service="orders",pod="orders-1"}', values: gauge(0, 60, 15) }],
    expect: { OutboxEventsStuck: [{}] },
  },
  {
    name: 'the relay keeps up: events wait a few seconds',
    atMinute: 15,
    series: [{ series: 'outbox_oldest_event_age_seconds{service="orders",pod="orders-1"}', values: gauge(5, 0, 15) }],
    expect: { OutboxEventsStuck: [] },
  },
  {
    name: 'notifications fall 200 messages a minute further behind, two replicas reporting the same partition',
    atMinute: 30,
    series: [
      { series: 'kafka_consumer_lag{group="notifications",topic="orders",partition="0",pod="notifications-a"}', values: gauge(0, 100, 30) },
      { series: 'kafka_consumer_lag{group="notifications",topic="orders",partition="0",pod="notifications-b"}', values: gauge(0, 100, 30) },
      { series: 'kafka_consumer_lag{group="notifications",topic="orders",partition="1",pod="notifications-a"}', values: gauge(0, 100, 30) },
    ],
    expect: { KafkaConsumerLagGrowing: [group] },
  },
  {
    name: 'a large lag that drains, and a growing lag that stays small',
    atMinute: 30,
    series: [
      { series: 'kafka_consumer_lag{group="notifications",topic="orders",partition="0"}', values: gauge(6000, -100, 30) },
      { series: 'kafka_consumer_lag{group="gateway-analytics-a",topic="analytics-results",partition="0"}', values: gauge(0, 20, 30) },
    ],
    expect: { KafkaConsumerLagGrowing: [] },
  },
  {
    name: 'notifications dead-letter one event',
    atMinute: 15,
    series: [{ series: 'kafka_consumer_dead_letters_total{group="notifications",topic="orders",pod="notifications-a"}', values: `${gauge(0, 0, 10)} ${gauge(1, 0, 5)}` }],
    expect: { KafkaDeadLetters: [group] },
  },
  {
    name: 'a consumer that started 5 minutes ago dead-letters its first event (the series begins at 1)',
    atMinute: 10,
    series: [{ series: 'kafka_consumer_dead_letters_total{group="notifications",topic="orders",pod="notifications-b"}', values: `_x5 ${gauge(1, 0, 5)}` }],
    expect: { KafkaDeadLetters: [group] },
  },
  {
    name: 'the last dead letter is more than 10 minutes old',
    atMinute: 30,
    series: [{ series: 'kafka_consumer_dead_letters_total{group="notifications",topic="orders",pod="notifications-a"}', values: `${gauge(0, 0, 5)} ${gauge(3, 0, 25)}` }],
    expect: { KafkaDeadLetters: [] },
  },
  {
    name: 'an orders container crash-loops (and one in another namespace, which is not the shop runbook\'s)',
    atMinute: 10,
    series: [
      { series: 'kube_pod_container_status_waiting_reason{namespace="shop",pod="orders-7d9f",container="orders",reason="CrashLoopBackOff"}', values: gauge(1, 0, 10) },
      { series: 'kube_pod_container_status_waiting_reason{namespace="monitoring",pod="grafana-5c6b",container="grafana",reason="CrashLoopBackOff"}', values: gauge(1, 0, 10) },
    ],
    expect: { ShopPodCrashLooping: [{ namespace: 'shop', pod: 'orders-7d9f', container: 'orders' }] },
  },
  {
    name: 'a container waits for its image, which is not a crash loop',
    atMinute: 10,
    series: [{ series: 'kube_pod_container_status_waiting_reason{namespace="shop",pod="orders-7d9f",container="orders",reason="ContainerCreating"}', values: gauge(1, 0, 10) }],
    expect: { ShopPodCrashLooping: [] },
  },
  {
    name: 'a gateway container restarts every minute',
    atMinute: 15,
    series: [{ series: 'kube_pod_container_status_restarts_total{namespace="shop",pod="gateway-6c8d",container="gateway"}', values: gauge(0, 1, 15) }],
    expect: { ShopPodRestarting: [{ namespace: 'shop', pod: 'gateway-6c8d', container: 'gateway' }] },
  },
  {
    name: 'a gateway container restarted once',
    atMinute: 15,
    series: [{ series: 'kube_pod_container_status_restarts_total{namespace="shop",pod="gateway-6c8d",container="gateway"}', values: `${gauge(0, 0, 5)} ${gauge(1, 0, 10)}` }],
    expect: { ShopPodRestarting: [] },
  },
  {
    name: 'the Flink JobManager runs no job for 10 minutes',
    atMinute: 10,
    series: [{ series: 'flink_jobmanager_numRunningJobs{host="analytics-m"}', values: gauge(0, 0, 10) }],
    expect: { FlinkJobNotRunning: [{}] },
  },
  {
    name: 'the analytics job runs and checkpoints every 10 seconds',
    atMinute: 25,
    series: [
      { series: 'flink_jobmanager_numRunningJobs{host="analytics-m"}', values: gauge(1, 0, 25) },
      { series: `flink_jobmanager_job_numberOfCompletedCheckpoints{${flinkJob}}`, values: gauge(0, 6, 25) },
      { series: `flink_jobmanager_job_numberOfFailedCheckpoints{${flinkJob}}`, values: gauge(1, 0, 25) },
    ],
    expect: { FlinkJobNotRunning: [], FlinkCheckpointsFailing: [], FlinkCheckpointsStalled: [] },
  },
  {
    name: 'every checkpoint fails for 20 minutes',
    atMinute: 20,
    series: [
      { series: `flink_jobmanager_job_numberOfCompletedCheckpoints{${flinkJob}}`, values: gauge(40, 0, 20) },
      { series: `flink_jobmanager_job_numberOfFailedCheckpoints{${flinkJob}}`, values: gauge(0, 6, 20) },
    ],
    expect: { FlinkCheckpointsFailing: [{ job_name: 'order-analytics' }], FlinkCheckpointsStalled: [{ job_name: 'order-analytics' }] },
  },
  {
    name: 'no checkpoint completes or fails for 25 minutes (stuck behind back-pressure)',
    atMinute: 25,
    series: [
      { series: `flink_jobmanager_job_numberOfCompletedCheckpoints{${flinkJob}}`, values: gauge(40, 0, 25) },
      { series: `flink_jobmanager_job_numberOfFailedCheckpoints{${flinkJob}}`, values: gauge(0, 0, 25) },
    ],
    expect: { FlinkCheckpointsStalled: [{ job_name: 'order-analytics' }], FlinkCheckpointsFailing: [] },
  },
];
