package com.cloudshop.analytics.functions;

import com.cloudshop.analytics.records.ProductQuantity;
import com.cloudshop.analytics.records.SalesAccumulator;
import com.cloudshop.analytics.records.WindowResult;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;

/** Turns a window's accumulated sales for one currency into the published {@link WindowResult}. */
public final class WindowResults {

    static final int TOP_PRODUCTS = 5;

    private static final Comparator<Map.Entry<String, Long>> BY_QUANTITY_THEN_PRODUCT_ID =
            Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey());

    private WindowResults() {}

    public static WindowResult of(String currency, long windowStartMillis, long windowEndMillis, SalesAccumulator sales) {
        WindowResult result = new WindowResult();
        result.windowStart = Instant.ofEpochMilli(windowStartMillis).toString();
        result.windowEnd = Instant.ofEpochMilli(windowEndMillis).toString();
        result.currency = currency;
        result.orderCount = sales.orderCount;
        result.revenueCents = sales.revenueCents;
        result.averageOrderValueCents = divideRoundingHalfUp(sales.revenueCents, sales.orderCount);
        result.topProducts = sales.quantityByProduct.entrySet().stream()
                .sorted(BY_QUANTITY_THEN_PRODUCT_ID)
                .limit(TOP_PRODUCTS)
                .map(product -> new ProductQuantity(product.getKey(), product.getValue()))
                .toArray(ProductQuantity[]::new);
        return result;
    }

    /** Integer division of non-negative amounts, rounding halves up, without going through floating point. */
    static long divideRoundingHalfUp(long dividend, long divisor) {
        return (2 * dividend + divisor) / (2 * divisor);
    }
}
