package com.cloudshop.analytics.records;

import java.util.HashMap;
import java.util.Map;

/** Running sales figures of one window and currency, kept in window state. */
public class SalesAccumulator {
    public long orderCount;
    public long revenueCents;
    public Map<String, Long> quantityByProduct = new HashMap<>();

    public SalesAccumulator() {}
}
