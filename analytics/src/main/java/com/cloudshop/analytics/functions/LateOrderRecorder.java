package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.DeadLetter;
import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderEventJson;
import java.nio.charset.StandardCharsets;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Orders that arrive after their window closed and its allowed lateness passed: counted in the
 * {@code lateOrders} metric and kept as dead letters, so the figures they miss can be traced.
 */
public final class LateOrderRecorder extends ProcessFunction<OrderEvent, DeadLetter> {

    static final String REASON = "late: arrived after its window and the allowed lateness had passed";

    private transient Counter lateOrders;

    @Override
    public void open(Configuration parameters) {
        lateOrders = getRuntimeContext().getMetricGroup().counter("lateOrders");
    }

    @Override
    public void processElement(OrderEvent order, Context context, Collector<DeadLetter> out) {
        lateOrders.inc();
        byte[] value = order.raw != null ? order.raw : OrderEventJson.encode(order);
        out.collect(DeadLetter.of(order.payload.orderId.getBytes(StandardCharsets.UTF_8), value, REASON));
    }
}
