package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.SalesAccumulator;
import com.cloudshop.analytics.records.ShardSales;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Labels a (currency, shard) window's accumulated sales with its key and window, for the per-currency merge. */
public final class ShardSalesEmitter
        extends ProcessWindowFunction<SalesAccumulator, ShardSales, Tuple2<String, Integer>, TimeWindow> {

    @Override
    public void process(
            Tuple2<String, Integer> currencyAndShard,
            Context context,
            Iterable<SalesAccumulator> aggregated,
            Collector<ShardSales> out) {
        ShardSales partial = new ShardSales();
        partial.currency = currencyAndShard.f0;
        partial.shard = currencyAndShard.f1;
        partial.windowStart = context.window().getStart();
        partial.windowEnd = context.window().getEnd();
        partial.sales = aggregated.iterator().next();
        out.collect(partial);
    }
}
