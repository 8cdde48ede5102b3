package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.OrderEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;

/**
 * The key of deduplication and of the first sales phase: (currency, shard of the order id). Every
 * copy of an event carries the same currency and order id, so redeliveries meet their first
 * delivery under one key, and one busy currency still spreads over {@link #SHARDS} keys.
 */
public final class CurrencyShard implements KeySelector<OrderEvent, Tuple2<String, Integer>> {

    /**
     * Shards per currency: enough for the keys to spread over prod's parallelism of 4 even when the
     * shop sells in one currency, few enough that the per-currency merge adds a handful of small maps
     * per window. Part of the state's keys: changing it needs a restart without the keyed state.
     */
    public static final int SHARDS = 32;

    public static final TypeInformation<Tuple2<String, Integer>> TYPE = Types.TUPLE(Types.STRING, Types.INT);

    @Override
    public Tuple2<String, Integer> getKey(OrderEvent order) {
        return Tuple2.of(order.payload.currency, Math.floorMod(order.payload.orderId.hashCode(), SHARDS));
    }
}
