package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.SalesAccumulator;
import com.cloudshop.analytics.records.ShardSales;
import com.cloudshop.analytics.records.WindowResult;
import java.time.Duration;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The second aggregation phase, keyed by (currency, window start): keeps the latest figures of
 * every shard and publishes their sum when the window would have fired had it been keyed by
 * currency alone.
 *
 * <ul>
 *   <li>On time: the shards fire when the watermark passes the window's end and forward the
 *       watermark only afterwards, so a timer at the window's last millisecond sees every shard.
 *   <li>Within the allowed lateness: a late order makes its shard fire again with its whole window,
 *       which replaces the shard's earlier figures; the sum goes out at once, one update per late
 *       order, as the single-key window did.
 *   <li>State is dropped when the lateness has passed; no shard can fire for the window after that,
 *       because its own watermark, which leads this one, has passed the same point.
 * </ul>
 */
public final class CurrencySalesMerge extends KeyedProcessFunction<Tuple2<String, Long>, ShardSales, WindowResult> {

    private final long windowMillis;
    private final long latenessMillis;
    private final TypeInformation<SalesAccumulator> accumulatorType;
    private transient MapState<Integer, SalesAccumulator> salesByShard;

    public CurrencySalesMerge(Duration window, Duration lateness, TypeInformation<SalesAccumulator> accumulatorType) {
        this.windowMillis = window.toMillis();
        this.latenessMillis = lateness.toMillis();
        this.accumulatorType = accumulatorType;
    }

    @Override
    public void open(Configuration parameters) {
        salesByShard = getRuntimeContext().getMapState(new MapStateDescriptor<>("sales-by-shard", Types.INT, accumulatorType));
    }

    @Override
    public void processElement(ShardSales partial, Context context, Collector<WindowResult> out) throws Exception {
        // A copy: with object reuse the input may be handed out again, and upstream may still be changing its accumulator.
        salesByShard.put(partial.shard, SalesAggregate.copy(partial.sales));
        long lastMillisecond = partial.windowEnd - 1;
        TimerService timers = context.timerService();
        if (timers.currentWatermark() >= lastMillisecond) {
            out.collect(merged(partial.currency, partial.windowStart));
        } else {
            timers.registerEventTimeTimer(lastMillisecond);
        }
        timers.registerEventTimeTimer(lastMillisecond + latenessMillis);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<WindowResult> out) throws Exception {
        Tuple2<String, Long> currencyAndWindow = context.getCurrentKey();
        long lastMillisecond = currencyAndWindow.f1 + windowMillis - 1;
        if (timestamp == lastMillisecond) {
            out.collect(merged(currencyAndWindow.f0, currencyAndWindow.f1));
        }
        if (timestamp == lastMillisecond + latenessMillis) {
            salesByShard.clear();
        }
    }

    private WindowResult merged(String currency, long windowStart) throws Exception {
        SalesAccumulator total = new SalesAccumulator();
        for (SalesAccumulator shard : salesByShard.values()) {
            SalesAggregate.addInto(total, shard);
        }
        return WindowResults.of(currency, windowStart, windowStart + windowMillis, total);
    }
}
