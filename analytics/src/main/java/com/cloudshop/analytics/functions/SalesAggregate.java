package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderLine;
import com.cloudshop.analytics.records.SalesAccumulator;
import java.util.Map;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Adds orders into their window's running figures as they arrive, so window state holds one small
 * accumulator per currency and shard instead of every order. Revenue is the order total (what the customer
 * paid), not a recomputation from the lines.
 */
public final class SalesAggregate implements AggregateFunction<OrderEvent, SalesAccumulator, SalesAccumulator> {

    @Override
    public SalesAccumulator createAccumulator() {
        return new SalesAccumulator();
    }

    @Override
    public SalesAccumulator add(OrderEvent order, SalesAccumulator sales) {
        sales.orderCount += 1;
        sales.revenueCents += order.payload.totalCents;
        for (OrderLine line : order.payload.items) {
            sales.quantityByProduct.merge(line.productId, (long) line.quantity, Long::sum);
        }
        return sales;
    }

    @Override
    public SalesAccumulator getResult(SalesAccumulator sales) {
        return sales;
    }

    @Override
    public SalesAccumulator merge(SalesAccumulator left, SalesAccumulator right) {
        return addInto(left, right);
    }

    /** Adds {@code part}'s figures to {@code total}; the merge of both aggregation phases. */
    static SalesAccumulator addInto(SalesAccumulator total, SalesAccumulator part) {
        total.orderCount += part.orderCount;
        total.revenueCents += part.revenueCents;
        for (Map.Entry<String, Long> product : part.quantityByProduct.entrySet()) {
            total.quantityByProduct.merge(product.getKey(), product.getValue(), Long::sum);
        }
        return total;
    }

    static SalesAccumulator copy(SalesAccumulator sales) {
        return addInto(new SalesAccumulator(), sales);
    }
}
