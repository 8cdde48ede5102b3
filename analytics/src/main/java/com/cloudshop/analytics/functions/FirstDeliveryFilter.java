package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.OrderEvent;
import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.time.Time;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by {@code eventId}: lets the first delivery of an event through and drops redeliveries.
 * The orders service publishes through an outbox with at-least-once delivery, and the contract
 * asks consumers to deduplicate on {@code eventId}. An event id is remembered for as long as a
 * redelivery could still change a window; after that the window is closed and the copy would go
 * to the dead-letter topic as late anyway.
 */
public final class FirstDeliveryFilter extends KeyedProcessFunction<String, OrderEvent, OrderEvent> {

    private final Duration memory;
    private transient ValueState<Boolean> seen;
    private transient Counter duplicateOrders;

    public FirstDeliveryFilter(Duration memory) {
        this.memory = memory;
    }

    @Override
    public void open(Configuration parameters) {
        ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen", Types.BOOLEAN);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Time.milliseconds(memory.toMillis())).build());
        seen = getRuntimeContext().getState(descriptor);
        duplicateOrders = getRuntimeContext().getMetricGroup().counter("duplicateOrders");
    }

    @Override
    public void processElement(OrderEvent order, Context context, Collector<OrderEvent> out) throws Exception {
        if (seen.value() != null) {
            duplicateOrders.inc();
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(order);
    }
}
