package com.cloudshop.analytics.functions;

import static com.cloudshop.analytics.Orders.line;
import static com.cloudshop.analytics.Orders.placed;
import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.records.OrderEvent;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class FirstDeliveryFilterTest {

    private static final Duration MEMORY = Duration.ofMinutes(7);

    private static KeyedOneInputStreamOperatorTestHarness<Tuple2<String, Integer>, OrderEvent, OrderEvent> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new FirstDeliveryFilter(MEMORY), new CurrencyShard(), CurrencyShard.TYPE);
    }

    private static long eventTime(OrderEvent order) {
        return Instant.parse(order.occurredAt).toEpochMilli();
    }

    @Test
    void dropsARedeliveredEventButKeepsDistinctEvents() throws Exception {
        try (var harness = harness()) {
            OrderEvent first = placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100));
            OrderEvent second = placed("2026-01-15T10:00:06Z", "EUR", line("p-1", 1, 100));
            // A second event of the same order: the same key, yet not a copy.
            OrderEvent sameOrder = placed("2026-01-15T10:00:07Z", "EUR", line("p-2", 1, 100));
            sameOrder.payload.orderId = first.payload.orderId;

            harness.processElement(first, eventTime(first));
            harness.processElement(first, eventTime(first));
            harness.processElement(second, eventTime(second));
            harness.processElement(sameOrder, eventTime(sameOrder));

            assertThat(harness.extractOutputValues()).extracting(order -> order.eventId)
                    .containsExactly(first.eventId, second.eventId, sameOrder.eventId);
        }
    }

    @Test
    void remembersAnEventUntilTheWatermarkPassesItsTimePlusTheMemory() throws Exception {
        try (var harness = harness()) {
            OrderEvent order = placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100));
            OrderEvent sameOrder = placed("2026-01-15T10:00:35Z", "EUR", line("p-2", 1, 100));
            sameOrder.payload.orderId = order.payload.orderId;
            harness.processElement(order, eventTime(order));
            harness.processElement(sameOrder, eventTime(sameOrder));
            // One sweep timer per key and minute, not one per event.
            assertThat(harness.numEventTimeTimers()).isEqualTo(1);

            harness.processWatermark(eventTime(order) + MEMORY.toMillis());
            harness.processElement(order, eventTime(order));
            assertThat(harness.extractOutputValues()).hasSize(2);

            // Event time, not wall-clock time, ends the memory: once the sweep has passed, the id is forgotten.
            harness.processWatermark(Instant.parse("2026-01-15T10:08:00Z").toEpochMilli());
            assertThat(harness.numEventTimeTimers()).isZero();
            harness.processElement(order, eventTime(order));
            assertThat(harness.extractOutputValues()).hasSize(3);
        }
    }
}
