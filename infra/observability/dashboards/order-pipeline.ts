import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { CONSUMER_GROUP_LAG, OUTBOX_OLDEST_EVENT_AGE_LIMIT_SECONDS } from '../alerts/order-pipeline.js';
import { dashboard, quantile, rateOf, stat, timeseries } from './panels.js';

/** One order's way: placed (orders), outbox, Kafka, notifications consumer, mail; and where it can get stuck. */
export function orderPipelineDashboard(): Dashboard {
  return dashboard({
    uid: 'cloud-shop-order-pipeline',
    title: 'Order pipeline',
    description: 'Orders placed, stock reservations refused, the outbox and its relay, the notifications consumer, and dead letters.',
    tags: ['pipeline', 'orders', 'kafka'],
    rows: [
      {
        title: 'Overview',
        panels: [
          stat({ title: 'Orders/s', unit: 'ops', queries: [{ expr: rateOf('orders_placed_total', ''), legend: 'orders' }] }),
          stat({
            title: 'Outbox oldest event',
            unit: 's',
            threshold: OUTBOX_OLDEST_EVENT_AGE_LIMIT_SECONDS,
            queries: [{ expr: 'max(outbox_oldest_event_age_seconds)', legend: 'age' }],
          }),
          stat({
            title: 'Dead letters in range',
            unit: 'short',
            threshold: 1,
            queries: [{ expr: 'sum(increase(kafka_consumer_dead_letters_total[$__range]))', legend: 'dead letters' }],
          }),
          stat({
            title: 'Order to mail p99',
            unit: 's',
            queries: [{ expr: quantile(0.99, 'notifications_order_to_send_seconds', ''), legend: 'p99' }],
          }),
        ],
      },
      {
        title: 'Orders',
        panels: [
          timeseries({ title: 'Orders placed/s', unit: 'ops', queries: [{ expr: rateOf('orders_placed_total', ''), legend: 'placed' }] }),
          timeseries({
            title: 'Stock reservations refused/s by reason',
            unit: 'ops',
            queries: [{ expr: rateOf('orders_stock_reservation_failures_total', '', ['reason']), legend: '{{reason}}' }],
          }),
        ],
      },
      {
        title: 'Outbox',
        panels: [
          timeseries({
            title: 'Outbox backlog and oldest event',
            unit: 's',
            threshold: OUTBOX_OLDEST_EVENT_AGE_LIMIT_SECONDS,
            description: 'Unpublished rows (right axis in the legend) and how long the oldest has waited; the dashed line is the alert threshold.',
            queries: [
              { expr: 'max(outbox_oldest_event_age_seconds)', legend: 'oldest event age' },
              { expr: 'max(outbox_backlog_events)', legend: 'backlog (events)' },
            ],
          }),
          timeseries({
            title: 'Relay publishes/s',
            unit: 'ops',
            queries: [
              { expr: rateOf('outbox_published_events_total', ''), legend: 'published' },
              { expr: rateOf('outbox_publish_failures_total', ''), legend: 'failed' },
            ],
          }),
        ],
      },
      {
        title: 'Notifications consumer',
        panels: [
          timeseries({ title: 'Consumer lag by group', unit: 'short', queries: [{ expr: CONSUMER_GROUP_LAG, legend: '{{group}} on {{topic}}' }] }),
          timeseries({
            title: 'Events handled/s by outcome',
            unit: 'ops',
            queries: [{ expr: rateOf('kafka_consumer_messages_total', '', ['group', 'outcome']), legend: '{{group}} {{outcome}}' }],
          }),
          timeseries({
            title: 'Order to mail latency',
            unit: 's',
            description: "From the event's occurredAt to the end of the send: the whole pipeline as the shopper feels it.",
            queries: [
              { expr: quantile(0.5, 'notifications_order_to_send_seconds', ''), legend: 'p50' },
              { expr: quantile(0.99, 'notifications_order_to_send_seconds', ''), legend: 'p99' },
            ],
          }),
          timeseries({
            title: 'Send p99 by channel',
            unit: 's',
            queries: [{ expr: quantile(0.99, 'notification_send_duration_seconds', '', ['channel', 'outcome']), legend: '{{channel}} {{outcome}}' }],
          }),
          timeseries({
            title: 'Notifications sent/s',
            unit: 'ops',
            queries: [
              { expr: rateOf('notifications_sent_total', '', ['channel']), legend: '{{channel}}' },
              { expr: rateOf('notifications_duplicate_events_total', ''), legend: 'duplicates skipped' },
            ],
          }),
          timeseries({
            title: 'Dead letters/s',
            unit: 'ops',
            threshold: 0,
            queries: [{ expr: rateOf('kafka_consumer_dead_letters_total', '', ['group', 'topic']), legend: '{{group}} from {{topic}}' }],
          }),
        ],
      },
    ],
  });
}
