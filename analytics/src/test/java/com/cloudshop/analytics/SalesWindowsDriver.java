package com.cloudshop.analytics;

import com.cloudshop.analytics.OrderAnalyticsJob.SalesWindows;
import com.cloudshop.analytics.functions.CurrencyShard;
import com.cloudshop.analytics.functions.FirstDeliveryFilter;
import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.WindowResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * The job's deduplication and both sales-window phases (as {@link OrderAnalyticsJob#salesPerCurrency}
 * builds them), each in Flink's keyed operator test harness, chained in lockstep: whatever one stage
 * emits, records and watermarks in their order, goes into the next before the test continues, as on
 * one in-order channel.
 */
final class SalesWindowsDriver implements AutoCloseable {

    private final List<KeyedOneInputStreamOperatorTestHarness<?, ?, ?>> stages = new ArrayList<>();
    private final KeyedOneInputStreamOperatorTestHarness<?, ?, ?> perShard;

    SalesWindowsDriver(Duration window, Duration lateness) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SalesWindows windows = OrderAnalyticsJob.salesPerCurrency(
                env.fromCollection(List.of(), TypeInformation.of(OrderEvent.class)).keyBy(new CurrencyShard(), CurrencyShard.TYPE),
                window,
                lateness);
        Duration memory = window.plus(lateness).plus(Duration.ofHours(1));
        stages.add(new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new FirstDeliveryFilter(memory)), new CurrencyShard(), CurrencyShard.TYPE));
        perShard = harnessOf(windows.perShard().getTransformation());
        stages.add(perShard);
        stages.add(harnessOf(windows.perCurrency().getTransformation()));
        for (OneInputStreamOperatorTestHarness<?, ?> stage : stages) {
            stage.open();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static KeyedOneInputStreamOperatorTestHarness<?, ?, ?> harnessOf(Object transformation) throws Exception {
        OneInputTransformation keyed = (OneInputTransformation) transformation;
        return new KeyedOneInputStreamOperatorTestHarness(
                keyed.getOperator(), (KeySelector) keyed.getStateKeySelector(), keyed.getStateKeyType());
    }

    void receive(OrderEvent order) throws Exception {
        push(0, new StreamRecord<>(order, Instant.parse(order.occurredAt).toEpochMilli()));
    }

    void watermarkAt(long millis) throws Exception {
        push(0, new Watermark(millis));
    }

    void watermarkAt(String time) throws Exception {
        watermarkAt(Instant.parse(time).toEpochMilli());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void push(int stage, Object element) throws Exception {
        OneInputStreamOperatorTestHarness harness = stages.get(stage);
        if (element instanceof Watermark watermark) {
            harness.processWatermark(watermark);
        } else {
            harness.processElement((StreamRecord) element);
        }
        if (stage + 1 < stages.size()) {
            ConcurrentLinkedQueue<Object> output = harness.getOutput();
            for (Object emitted = output.poll(); emitted != null; emitted = output.poll()) {
                push(stage + 1, emitted);
            }
        }
    }

    /** Window results in the order they were published. */
    @SuppressWarnings("unchecked")
    List<WindowResult> results() {
        return (List<WindowResult>) (List<?>) stages.get(stages.size() - 1).extractOutputValues();
    }

    /** Orders sent to the late side output, in order. */
    List<OrderEvent> lateOrders() {
        ConcurrentLinkedQueue<StreamRecord<OrderEvent>> late = perShard.getSideOutput(OrderAnalyticsJob.LATE_ORDERS);
        return late == null ? List.of() : late.stream().map(StreamRecord::getValue).toList();
    }

    @Override
    public void close() throws Exception {
        for (OneInputStreamOperatorTestHarness<?, ?> stage : stages) {
            stage.close();
        }
    }
}
