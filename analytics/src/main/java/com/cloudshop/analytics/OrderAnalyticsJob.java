package com.cloudshop.analytics;

import com.cloudshop.analytics.functions.CurrencySalesMerge;
import com.cloudshop.analytics.functions.CurrencyShard;
import com.cloudshop.analytics.functions.EventHourBuckets;
import com.cloudshop.analytics.functions.FirstDeliveryFilter;
import com.cloudshop.analytics.functions.LateOrderRecorder;
import com.cloudshop.analytics.functions.OrderWatermarks;
import com.cloudshop.analytics.functions.RejectionSplitter;
import com.cloudshop.analytics.functions.SalesAggregate;
import com.cloudshop.analytics.functions.ShardSalesEmitter;
import com.cloudshop.analytics.records.DeadLetter;
import com.cloudshop.analytics.records.DeadLetterSerializer;
import com.cloudshop.analytics.records.DecodedOrder;
import com.cloudshop.analytics.records.OrderEvent;
import com.cloudshop.analytics.records.OrderEventLines;
import com.cloudshop.analytics.records.OrderRecordDeserializer;
import com.cloudshop.analytics.records.SalesAccumulator;
import com.cloudshop.analytics.records.ShardSales;
import com.cloudshop.analytics.records.WindowResult;
import com.cloudshop.analytics.records.WindowResultSerializer;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.time.Time;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Orders in, sales figures out: per currency and tumbling event-time window, the order count,
 * revenue, average order value and top five products, published exactly once to
 * {@code analytics-results}; every valid event also lands in the data lake, once however often it
 * was delivered, and every record the job cannot use lands in {@code orders.dlq} (and only there).
 *
 * <p>The job takes its source and sinks, so tests run the same pipeline on test sources and sinks;
 * {@link #main} wires Kafka and the file system from the flags. Operator uids are fixed: a
 * savepoint taken from one version restores into the next.
 */
public final class OrderAnalyticsJob {

    public static final String NAME = PlatformContract.JOB_NAME;

    /** Orders that arrived after their window closed and its allowed lateness passed. */
    public static final OutputTag<OrderEvent> LATE_ORDERS = new OutputTag<>("late-orders") {};

    static final TypeInformation<SalesAccumulator> SALES_ACCUMULATOR = Types.POJO(
            SalesAccumulator.class,
            Map.of(
                    "orderCount", Types.LONG,
                    "revenueCents", Types.LONG,
                    "quantityByProduct", Types.MAP(Types.STRING, Types.LONG)));

    static final TypeInformation<ShardSales> SHARD_SALES = Types.POJO(
            ShardSales.class,
            Map.of(
                    "currency", Types.STRING,
                    "shard", Types.INT,
                    "windowStart", Types.LONG,
                    "windowEnd", Types.LONG,
                    "sales", SALES_ACCUMULATOR));

    /** Producer transactions must outlive a checkpoint plus a restart, and stay within the brokers' 15-minute maximum. */
    private static final String TRANSACTION_TIMEOUT_MS = Long.toString(Duration.ofMinutes(15).toMillis());

    private final JobFlags flags;
    private final Source<DecodedOrder, ?, ?> orders;
    private final Sink<WindowResult> results;
    private final Sink<DeadLetter> deadLetters;
    private final Sink<OrderEvent> lake;

    public OrderAnalyticsJob(
            JobFlags flags,
            Source<DecodedOrder, ?, ?> orders,
            Sink<WindowResult> results,
            Sink<DeadLetter> deadLetters,
            Sink<OrderEvent> lake) {
        this.flags = flags;
        this.orders = orders;
        this.results = results;
        this.deadLetters = deadLetters;
        this.lake = lake;
    }

    public static void main(String[] args) throws Exception {
        onKafkaIn(JobFlags.parse(args)).execute(NAME);
    }

    /** An environment configured from the flags (checkpoints, state backend, restore) holding the Kafka-wired job. */
    public static StreamExecutionEnvironment onKafkaIn(JobFlags flags) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flags.flinkConfiguration());
        onKafka(flags).buildPipeline(env);
        return env;
    }

    /** The production wiring: Kafka in and out, raw events to the lake path. */
    public static OrderAnalyticsJob onKafka(JobFlags flags) {
        KafkaSource<DecodedOrder> orders = KafkaSource.<DecodedOrder>builder()
                .setProperties(flags.security().clientProperties())
                .setBootstrapServers(flags.brokers())
                .setTopics(flags.ordersTopic())
                .setGroupId(flags.group())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new OrderRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", Long.toString(Duration.ofMinutes(1).toMillis()))
                .build();
        KafkaSink<WindowResult> results = kafkaSink(
                        flags, new WindowResultSerializer(flags.resultsTopic()), DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(flags.transactionalIdPrefix())
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
        // A dead letter written twice after a restart is harmless for a triage topic, so no transactions here.
        KafkaSink<DeadLetter> deadLetters = kafkaSink(
                        flags, new DeadLetterSerializer(flags.deadLetterTopic(), flags.group()), DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
        return new OrderAnalyticsJob(flags, orders, results, deadLetters, dataLake(flags.lake()));
    }

    private static <T> KafkaSinkBuilder<T> kafkaSink(
            JobFlags flags, KafkaRecordSerializationSchema<T> serializer, DeliveryGuarantee guarantee) {
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(flags.security().clientProperties())
                .setBootstrapServers(flags.brokers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(guarantee);
    }

    /**
     * Accepted events as JSON Lines under {@code date=.../hour=...} of their event time. Part files
     * are committed with the checkpoint that covers their events and become visible only then, so a
     * restart from that checkpoint neither loses nor repeats a line: exactly once, like the Kafka
     * results. Size and compaction policy: docs/analytics.md.
     */
    public static FileSink<OrderEvent> dataLake(String path) {
        return FileSink.forRowFormat(new Path(path), new OrderEventLines())
                .withBucketAssigner(new EventHourBuckets())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("orders").withPartSuffix(".jsonl").build())
                .build();
    }

    public void buildPipeline(StreamExecutionEnvironment env) {
        // Every record type has a Flink serializer; fail at build time rather than fall back to Kryo.
        env.getConfig().disableGenericTypes();
        // No defensive copy of every record between chained operators: none of the job's functions keeps or
        // changes an input it has passed on (CurrencySalesMerge copies what it keeps).
        env.getConfig().enableObjectReuse();

        SingleOutputStreamOperator<OrderEvent> validOrders = env
                .fromSource(orders, OrderWatermarks.strategy(flags.outOfOrderness(), flags.idleness()), "orders-source")
                .uid("orders-source")
                .process(new RejectionSplitter())
                .name("split-rejected-orders")
                .uid("split-rejected-orders");

        SingleOutputStreamOperator<OrderEvent> firstDeliveries = validOrders
                .keyBy(new CurrencyShard(), CurrencyShard.TYPE)
                .process(new FirstDeliveryFilter(flags.deduplicationMemory()))
                .name("drop-redelivered-orders")
                // A new uid since the key changed from the event id: the old state cannot be restored under this key.
                .uid("drop-redelivered-orders-by-shard");
        // After deduplication: the lake holds every accepted event once, however often the outbox delivered it.
        firstDeliveries.sinkTo(lake).name("data-lake").uid("data-lake-sink");

        // Still partitioned by CurrencyShard: the first sales phase runs in the same task, without a shuffle.
        SalesWindows sales = salesPerCurrency(
                DataStreamUtils.reinterpretAsKeyedStream(firstDeliveries, new CurrencyShard(), CurrencyShard.TYPE),
                flags.window(),
                flags.lateness());
        sales.perCurrency().sinkTo(results).name("analytics-results").uid("analytics-results-sink");

        DataStream<DeadLetter> lateOrders = sales.lateOrders()
                .process(new LateOrderRecorder())
                .name("record-late-orders")
                .uid("record-late-orders");
        validOrders.getSideOutput(RejectionSplitter.REJECTED)
                .union(lateOrders)
                .sinkTo(deadLetters)
                .name("dead-letters")
                .uid("dead-letters-sink");
    }

    /** The two phases of the sales windows; late orders leave from the first, where they are dropped. */
    record SalesWindows(
            SingleOutputStreamOperator<ShardSales> perShard, SingleOutputStreamOperator<WindowResult> perCurrency) {

        DataStream<OrderEvent> lateOrders() {
            return perShard.getSideOutput(LATE_ORDERS);
        }
    }

    /**
     * Tumbling event-time windows per currency, with allowed lateness; later orders go to
     * {@link #LATE_ORDERS}. Summed in two phases so that one busy currency is not one hot key: per
     * {@link CurrencyShard} in Flink's window operator, then per (currency, window) in
     * {@link CurrencySalesMerge}, which publishes what a window keyed by currency alone would have.
     */
    static SalesWindows salesPerCurrency(
            KeyedStream<OrderEvent, Tuple2<String, Integer>> ordersByShard, Duration window, Duration lateness) {
        SingleOutputStreamOperator<ShardSales> perShard = ordersByShard
                .window(TumblingEventTimeWindows.of(Time.milliseconds(window.toMillis())))
                .allowedLateness(Time.milliseconds(lateness.toMillis()))
                .sideOutputLateData(LATE_ORDERS)
                .aggregate(new SalesAggregate(), new ShardSalesEmitter(), SALES_ACCUMULATOR, SALES_ACCUMULATOR, SHARD_SALES)
                .name("sales-per-shard-window")
                .uid("sales-per-shard-window");
        SingleOutputStreamOperator<WindowResult> perCurrency = perShard
                .keyBy(partial -> Tuple2.of(partial.currency, partial.windowStart), Types.TUPLE(Types.STRING, Types.LONG))
                .process(new CurrencySalesMerge(window, lateness, SALES_ACCUMULATOR), TypeInformation.of(WindowResult.class))
                .name("sales-per-currency-window")
                .uid("sales-per-currency-merge");
        return new SalesWindows(perShard, perCurrency);
    }
}
