package com.cloudshop.analytics.records;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** Value of topic {@code analytics-results}: contracts/schemas/window-result.schema.json. */
@JsonPropertyOrder({
    "windowStart", "windowEnd", "orderCount", "revenueCents", "currency", "averageOrderValueCents", "topProducts"
})
public class WindowResult {
    public String windowStart;
    public String windowEnd;
    public long orderCount;
    public long revenueCents;
    public String currency;
    public long averageOrderValueCents;
    public ProductQuantity[] topProducts;

    public WindowResult() {}
}
