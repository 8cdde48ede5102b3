package com.cloudshop.analytics.functions;

import static com.cloudshop.analytics.Orders.line;
import static com.cloudshop.analytics.Orders.placed;
import static org.assertj.core.api.Assertions.assertThat;

import com.cloudshop.analytics.records.OrderEvent;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class FirstDeliveryFilterTest {

    @Test
    void dropsARedeliveredEventButKeepsDistinctEvents() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, OrderEvent, OrderEvent> harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new FirstDeliveryFilter(Duration.ofMinutes(7)), order -> order.eventId, Types.STRING)) {
            OrderEvent first = placed("2026-01-15T10:00:05Z", "EUR", line("p-1", 1, 100));
            OrderEvent second = placed("2026-01-15T10:00:06Z", "EUR", line("p-1", 1, 100));

            harness.processElement(first, 1);
            harness.processElement(first, 2);
            harness.processElement(second, 3);

            assertThat(harness.extractOutputValues()).extracting(order -> order.eventId)
                    .containsExactly(first.eventId, second.eventId);
        }
    }
}
