package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderLine;
import com.cloudshop.analytics.records.SalesAccumulator;
import java.util.Map;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Adds orders into their window's running figures as they arrive, so window state holds one small
 * accumulator per currency instead of every order. Revenue is the order total (what the customer
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
        left.orderCount += right.orderCount;
        left.revenueCents += right.revenueCents;
        for (Map.Entry<String, Long> product : right.quantityByProduct.entrySet()) {
            left.quantityByProduct.merge(product.getKey(), product.getValue(), Long::sum);
        }
        return left;
    }
}
