package com.cloudshop.analytics.records;

/**
 * One shard's figures of one currency and window: the first of the two aggregation phases.
 * {@code sales} is the shard's whole window so far, so a later firing of the same shard replaces
 * the earlier one instead of adding to it.
 */
public class ShardSales {
    public String currency;
    public int shard;
    /** Epoch milliseconds; the window is [start, end). */
    public long windowStart;
    public long windowEnd;
    public SalesAccumulator sales;

    public ShardSales() {}
}
