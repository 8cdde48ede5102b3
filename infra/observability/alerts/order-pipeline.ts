import { alertRule, type RuleGroup } from './rule.js';

/** The orders relay polls the outbox about every second: an event this old means publishing has stopped. */
export const OUTBOX_OLDEST_EVENT_AGE_LIMIT_SECONDS = 120;

/** Below this many messages a consumer group catches up within seconds; above it, growth is worth a look. */
export const CONSUMER_LAG_LIMIT_MESSAGES = 1000;

/**
 * Every replica of a consumer reports the lag of every partition of its group (log-end minus committed), so the
 * group's lag is the sum over partitions of one report each, not the sum over replicas.
 */
export const CONSUMER_GROUP_LAG = 'sum by (group, topic) (max by (group, topic, partition) (kafka_consumer_lag))';

/** The recorded {@link CONSUMER_GROUP_LAG} the lag alert reads. */
export const CONSUMER_LAG_RECORD = 'group_topic:kafka_consumer_lag:sum';

export function orderPipelineRules(): RuleGroup[] {
  return [
    {
      name: 'order-pipeline',
      rules: [
        { record: CONSUMER_LAG_RECORD, expr: CONSUMER_GROUP_LAG },
        alertRule({
          alert: 'OutboxEventsStuck',
          expr: `max(outbox_oldest_event_age_seconds) > ${OUTBOX_OLDEST_EVENT_AGE_LIMIT_SECONDS}`,
          for: '5m',
          severity: 'critical',
          summary: 'Order events are not leaving the outbox',
          description:
            `The oldest unpublished outbox event has waited more than ${OUTBOX_OLDEST_EVENT_AGE_LIMIT_SECONDS} s for 5 minutes: orders are committed ` +
            'but their OrderPlaced events do not reach Kafka, so no confirmation is sent and analytics miss them.',
        }),
        alertRule({
          alert: 'KafkaConsumerLagGrowing',
          // deriv over 15 minutes: a steady climb, not the saw-tooth of a consumer committing in batches.
          expr: `${CONSUMER_LAG_RECORD} > ${CONSUMER_LAG_LIMIT_MESSAGES} and deriv(${CONSUMER_LAG_RECORD}[15m]) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Consumer group {{ $labels.group }} falls behind on {{ $labels.topic }}',
          description:
            `Group {{ $labels.group }} is more than ${CONSUMER_LAG_LIMIT_MESSAGES} messages behind on {{ $labels.topic }} and the lag has kept ` +
            'growing for 10 minutes: it consumes more slowly than events arrive.',
        }),
        alertRule({
          alert: 'KafkaDeadLetters',
          // increase() cannot see the first dead letter of a series that did not exist before it (a consumer that
          // started since); the second term catches a series that is new within the window and already non-zero.
          expr:
            'sum by (group, topic) (increase(kafka_consumer_dead_letters_total[10m])) > 0 or ' +
            'sum by (group, topic) (kafka_consumer_dead_letters_total unless kafka_consumer_dead_letters_total offset 10m) > 0',
          for: '0m',
          severity: 'warning',
          summary: 'Group {{ $labels.group }} sent events from {{ $labels.topic }} to the dead-letter topic',
          description:
            'In the last 10 minutes group {{ $labels.group }} could not use at least one event of {{ $labels.topic }} and sent it, unchanged, ' +
            'to the dead-letter topic with its reason in the dlq-reason header. Each one is an order whose confirmation was not sent.',
        }),
      ],
    },
  ];
}
