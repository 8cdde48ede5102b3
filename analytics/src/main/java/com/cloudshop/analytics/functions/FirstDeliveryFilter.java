package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.OrderEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets the first delivery of an event through and drops redeliveries. The orders service publishes
 * through an outbox with at-least-once delivery, and the contract asks consumers to deduplicate on
 * {@code eventId}.
 *
 * <p>Keyed by {@link CurrencyShard} rather than by event id: copies of an event share that key, and
 * the first sales phase, keyed the same way, then follows in the same task without another shuffle
 * of every order.
 *
 * <p>An event id is remembered until the watermark passes the event's time plus {@code memory}
 * (out-of-orderness + window + lateness): as long as a copy could still change a window. After
 * that a copy would be too late for its window anyway. Measured in event time, not wall-clock time,
 * the state holds the ids of the last few minutes of orders whatever the pace: a job catching up on
 * a backlog does not remember (and checkpoint) every id it read in the last minutes. Expired ids are
 * swept by one timer per key and minute, not one per event, and a sweep touches only its own ids.
 */
public final class FirstDeliveryFilter extends KeyedProcessFunction<Tuple2<String, Integer>, OrderEvent, OrderEvent> {

    private static final long SWEEP_MILLIS = Duration.ofMinutes(1).toMillis();

    private final long memoryMillis;
    private transient MapState<String, Boolean> remembered;
    /** The ids each sweep forgets, so that a sweep touches only what it removes. */
    private transient MapState<Long, List<String>> idsBySweep;
    private transient Counter duplicateOrders;

    public FirstDeliveryFilter(Duration memory) {
        this.memoryMillis = memory.toMillis();
    }

    @Override
    public void open(Configuration parameters) {
        remembered = getRuntimeContext().getMapState(new MapStateDescriptor<>("remembered", Types.STRING, Types.BOOLEAN));
        idsBySweep = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("ids-by-sweep", Types.LONG, Types.LIST(Types.STRING)));
        duplicateOrders = getRuntimeContext().getMetricGroup().counter("duplicateOrders");
    }

    @Override
    public void processElement(OrderEvent order, Context context, Collector<OrderEvent> out) throws Exception {
        if (remembered.contains(order.eventId)) {
            duplicateOrders.inc();
            return;
        }
        remembered.put(order.eventId, Boolean.TRUE);
        // Rounded up to the next full minute: one sweep timer per key and minute, not one per event.
        long sweep = (Math.floorDiv(context.timestamp() + memoryMillis, SWEEP_MILLIS) + 1) * SWEEP_MILLIS;
        List<String> ids = idsBySweep.get(sweep);
        if (ids == null) {
            ids = new ArrayList<>();
            context.timerService().registerEventTimeTimer(sweep);
        }
        ids.add(order.eventId);
        idsBySweep.put(sweep, ids);
        out.collect(order);
    }

    @Override
    public void onTimer(long sweep, OnTimerContext context, Collector<OrderEvent> out) throws Exception {
        List<String> ids = idsBySweep.get(sweep);
        if (ids != null) {
            for (String id : ids) {
                remembered.remove(id);
            }
            idsBySweep.remove(sweep);
        }
    }
}
