package com.cloudshop.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka 3.9 broker in KRaft mode (combined broker and controller), started as its
 * own JVM from the classpath that kafka-broker/pom.xml resolves: the broker's kafka-clients 3.9
 * and the job's kafka-clients 3.4 (from flink-connector-kafka) cannot share one classpath.
 * Single node, so the transaction log runs with replication factor 1.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final Path log;
    private final String bootstrapServers;
    private final Admin admin;

    private LocalKafkaBroker(Process process, Path log, String bootstrapServers) {
        this.process = process;
        this.log = log;
        this.bootstrapServers = bootstrapServers;
        Properties adminConfig = new Properties();
        adminConfig.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(adminConfig);
    }

    public static LocalKafkaBroker start(Path directory) throws Exception {
        Files.createDirectories(directory);
        int port = freePort();
        int controllerPort = freePort();
        Path serverProperties = directory.resolve("server.properties");
        Files.writeString(serverProperties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + directory.resolve("data"),
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        Path log4j = directory.resolve("log4j.properties");
        try (InputStream config = LocalKafkaBroker.class.getResourceAsStream("/kafka-broker-log4j.properties")) {
            Files.write(log4j, config.readAllBytes());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = brokerClasspath();

        Path formatLog = directory.resolve("format.log");
        Process format = new ProcessBuilder(java, "-Dlog4j.configuration=" + log4j.toUri(), "-cp", classpath,
                        "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", serverProperties.toString())
                .redirectErrorStream(true)
                .redirectOutput(formatLog.toFile())
                .start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("Formatting the Kafka log directory failed:\n" + Files.readString(formatLog));
        }

        Path brokerLog = directory.resolve("broker.log");
        Process broker = new ProcessBuilder(java, "-Xms256m", "-Xmx512m", "-Dlog4j.configuration=" + log4j.toUri(),
                        "-cp", classpath, "kafka.Kafka", serverProperties.toString())
                .redirectErrorStream(true)
                .redirectOutput(brokerLog.toFile())
                .start();
        LocalKafkaBroker started = new LocalKafkaBroker(broker, brokerLog, "127.0.0.1:" + port);
        started.awaitReady();
        return started;
    }

    private static String brokerClasspath() throws IOException {
        String file = System.getProperty("kafka.broker.classpath.file");
        if (file == null || !Files.exists(Path.of(file))) {
            throw new IllegalStateException("No Kafka broker classpath at " + file
                    + "; run through Maven (mvn -f analytics/pom.xml verify), which resolves it from kafka-broker/pom.xml");
        }
        return Files.readString(Path.of(file)).trim();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws Exception {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The Kafka broker exited:\n" + Files.readString(log));
            }
            try {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                Thread.sleep(250);
            }
        }
        close();
        throw new IllegalStateException("The Kafka broker did not start within " + STARTUP_TIMEOUT + ":\n" + Files.readString(log));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Declares topics (auto-creation is off, as everywhere in the platform). */
    public void createTopics(Map<String, Integer> partitionsByTopic) throws Exception {
        List<NewTopic> topics = partitionsByTopic.entrySet().stream()
                .map(topic -> new NewTopic(topic.getKey(), topic.getValue(), (short) 1))
                .toList();
        admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    }

    /** CPU time the broker's JVM has used so far, so a benchmark can tell the broker's cost from its own. */
    public Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElseThrow();
    }

    public Admin admin() {
        return admin;
    }

    @Override
    public void close() throws Exception {
        admin.close(Duration.ofSeconds(5));
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
