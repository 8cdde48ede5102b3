package com.cloudshop.analytics.records;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.flink.api.common.serialization.Encoder;

/** Data-lake encoding: one event per line as JSON (JSON Lines), readable by BigQuery, Spark and jq alike. */
public final class OrderEventLines implements Encoder<OrderEvent> {

    @Override
    public void encode(OrderEvent event, OutputStream stream) throws IOException {
        stream.write(OrderEventJson.encode(event));
        stream.write('\n');
    }
}
