package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.DeadLetter;
import com.cloudshop.analytics.records.DecodedOrder;
import com.cloudshop.analytics.records.OrderEvent;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Passes valid orders on and sends rejected records to the dead-letter side output, counting them. */
public final class RejectionSplitter extends ProcessFunction<DecodedOrder, OrderEvent> {

    public static final OutputTag<DeadLetter> REJECTED = new OutputTag<>("rejected-orders") {};

    private transient Counter rejectedOrders;

    @Override
    public void open(Configuration parameters) {
        rejectedOrders = getRuntimeContext().getMetricGroup().counter("rejectedOrders");
    }

    @Override
    public void processElement(DecodedOrder order, Context context, Collector<OrderEvent> out) {
        if (order.isAccepted()) {
            out.collect(order.event);
        } else {
            rejectedOrders.inc();
            context.output(REJECTED, order.rejection);
        }
    }
}
