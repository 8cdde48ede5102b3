package com.cloudshop.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

/**
 * A test sink that keeps what it receives in this JVM (the MiniCluster runs in the test's JVM).
 * Each instance has its own list, found through an id because Flink runs a deserialized copy.
 */
final class CollectingSink<T> implements Sink<T> {

    private static final Map<String, List<Object>> RECEIVED = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();

    CollectingSink() {
        RECEIVED.put(id, new ArrayList<>());
    }

    @Override
    public SinkWriter<T> createWriter(InitContext context) {
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context context) {
                List<Object> received = RECEIVED.get(id);
                synchronized (received) {
                    received.add(element);
                }
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    @SuppressWarnings("unchecked")
    List<T> received() {
        List<Object> received = RECEIVED.get(id);
        synchronized (received) {
            return (List<T>) List.copyOf(received);
        }
    }
}
