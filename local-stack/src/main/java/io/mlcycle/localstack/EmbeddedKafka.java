package io.mlcycle.localstack;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real Apache Kafka broker, in-process: one KRaft node in combined mode (broker and controller,
 * node id 1), listening on 127.0.0.1 only.
 *
 * <p>Two flavours:
 * <ul>
 *   <li>{@link #persistent(Path, int)}: the local mode. A fixed broker port (default 9092) and a data
 *       directory that survives restarts. The directory is formatted once, as {@code kafka-storage
 *       format} does; later starts reuse it and keep its cluster id, topics and records.</li>
 *   <li>{@link #ephemeral()}: for tests. Free ports and a temporary directory deleted on close.</li>
 * </ul>
 *
 * <p>Settings suit a single broker: replication factor 1 everywhere (including the offsets and
 * transaction state topics, so transactions and Kafka Streams {@code exactly_once_v2} work), no
 * rebalance delay, 3 partitions by default, and no automatic topic creation.
 *
 * <p>{@link #close()} shuts the broker down cleanly and releases its ports and file locks, so the
 * same directory can be started again in the same JVM.
 */
public final class EmbeddedKafka implements AutoCloseable {

    public static final int DEFAULT_PORT = 9092;
    public static final Path DEFAULT_DATA_DIR = Path.of(".mlcycle", "kafka");
    /** The CLI flag that changes the broker port; named in port-in-use errors. */
    public static final String PORT_SETTING = "--kafka-port";
    public static final String CONTROLLER_PORT_SETTING = "--kafka-controller-port";
    public static final String DATA_DIR_SETTING = "--data-dir";

    static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path configuredDataDir;
    private final int configuredPort;
    private final int configuredControllerPort;
    private final boolean temporary;

    private KafkaRaftServer server;
    private Path dataDir;
    private int port;
    private int controllerPort;
    private String clusterId;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort, boolean temporary) {
        Ports.requireValid(port, PORT_SETTING);
        Ports.requireValid(controllerPort, CONTROLLER_PORT_SETTING);
        if (port != 0 && port == controllerPort) {
            throw new IllegalArgumentException(PORT_SETTING + " and " + CONTROLLER_PORT_SETTING
                    + " must differ, both were " + port);
        }
        this.configuredDataDir = dataDir;
        this.configuredPort = port;
        this.configuredControllerPort = controllerPort;
        this.temporary = temporary;
    }

    /**
     * A broker over {@code dataDir} on a fixed {@code port}; the controller listener takes a free
     * port (a single-node static quorum does not record it, so it may change between restarts).
     */
    public static EmbeddedKafka persistent(Path dataDir, int port) {
        return persistent(dataDir, port, 0);
    }

    /** As {@link #persistent(Path, int)} with a fixed controller port too (0 = a free port). */
    public static EmbeddedKafka persistent(Path dataDir, int port, int controllerPort) {
        Objects.requireNonNull(dataDir, DATA_DIR_SETTING + " must not be null");
        return new EmbeddedKafka(dataDir.toAbsolutePath().normalize(), port, controllerPort, false);
    }

    /** The local-mode defaults: {@code ./.mlcycle/kafka} on port 9092. */
    public static EmbeddedKafka localDefaults() {
        return persistent(DEFAULT_DATA_DIR, DEFAULT_PORT);
    }

    /** A throw-away broker for tests: temporary directory (deleted on close) and free ports. */
    public static EmbeddedKafka ephemeral() {
        return new EmbeddedKafka(null, 0, 0, true);
    }

    /**
     * Starts the broker and returns once it serves requests. Fails with a {@link PortInUseException}
     * when a fixed port is taken, before anything is started or written.
     */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("The Kafka broker is already running on " + bootstrapServers());
        }
        Ports.requireFree(configuredPort, "Kafka broker", PORT_SETTING);
        Ports.requireFree(configuredControllerPort, "Kafka controller", CONTROLLER_PORT_SETTING);
        long startedAt = System.nanoTime();
        try {
            dataDir = temporary ? Files.createTempDirectory("mlcycle-kafka-") : configuredDataDir;
            port = configuredPort == 0 ? Ports.freePort() : configuredPort;
            controllerPort = configuredControllerPort == 0 ? freePortOtherThan(port) : configuredControllerPort;
            clusterId = formatOnce(dataDir);
            KafkaRaftServer candidate = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties(), false), Time.SYSTEM);
            try {
                candidate.startup();
            } catch (RuntimeException | Error e) {
                shutDownQuietly(candidate);
                throw e;
            }
            server = candidate;
        } catch (IOException e) {
            cleanUpAfterFailedStart();
            throw new LocalStackException("Could not prepare the Kafka data directory " + dataDir + ": " + e.getMessage(), e);
        } catch (LocalStackException e) {
            cleanUpAfterFailedStart();
            throw e;
        } catch (RuntimeException e) {
            cleanUpAfterFailedStart();
            throw new LocalStackException("The Kafka broker did not start: " + e.getMessage(), e);
        }
        log.info("Kafka broker (cluster {}) serving on {} with data in {}, started in {} ms",
                clusterId, bootstrapServers(), dataDir, (System.nanoTime() - startedAt) / 1_000_000);
        return this;
    }

    /** {@code 127.0.0.1:<port>}; valid once started. */
    public synchronized String bootstrapServers() {
        requireStarted();
        return Ports.LOOPBACK_HOST + ":" + port;
    }

    public synchronized int port() {
        requireStarted();
        return port;
    }

    public synchronized Path dataDir() {
        requireStarted();
        return dataDir;
    }

    /** The cluster id recorded in {@code meta.properties} when the directory was formatted. */
    public synchronized String clusterId() {
        requireStarted();
        return clusterId;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Clean shutdown; waits until ports and the directory lock are released. Idempotent. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        long stoppingAt = System.nanoTime();
        KafkaRaftServer stopping = server;
        server = null;
        try {
            stopping.shutdown();
            stopping.awaitShutdown();
        } finally {
            if (temporary) {
                deleteRecursively(dataDir);
            }
        }
        log.info("Kafka broker on 127.0.0.1:{} stopped in {} ms", port, (System.nanoTime() - stoppingAt) / 1_000_000);
    }

    private Properties brokerProperties() {
        Properties props = new Properties();
        props.setProperty("process.roles", "broker,controller");
        props.setProperty("node.id", Integer.toString(NODE_ID));
        props.setProperty("controller.quorum.voters", NODE_ID + "@" + Ports.LOOPBACK_HOST + ":" + controllerPort);
        props.setProperty("listeners", BROKER_LISTENER + "://" + Ports.LOOPBACK_HOST + ":" + port + ","
                + CONTROLLER_LISTENER + "://" + Ports.LOOPBACK_HOST + ":" + controllerPort);
        props.setProperty("advertised.listeners", BROKER_LISTENER + "://" + Ports.LOOPBACK_HOST + ":" + port);
        props.setProperty("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        props.setProperty("inter.broker.listener.name", BROKER_LISTENER);
        props.setProperty("log.dirs", dataDir.toString());
        props.setProperty("metadata.log.dir", dataDir.toString());

        // One broker: every internal topic must be satisfiable with a single replica.
        props.setProperty("default.replication.factor", "1");
        props.setProperty("min.insync.replicas", "1");
        props.setProperty("offsets.topic.replication.factor", "1");
        props.setProperty("transaction.state.log.replication.factor", "1");
        props.setProperty("transaction.state.log.min.isr", "1");
        props.setProperty("share.coordinator.state.topic.replication.factor", "1");
        props.setProperty("share.coordinator.state.topic.min.isr", "1");
        // Fewer internal partitions than the production default of 50: the first consumer group and
        // the first transaction come up much faster. Fixed forever, since the coordinators map
        // group and transactional ids onto these partition counts.
        props.setProperty("offsets.topic.num.partitions", "10");
        props.setProperty("transaction.state.log.num.partitions", "10");

        props.setProperty("group.initial.rebalance.delay.ms", "0");
        props.setProperty("auto.create.topics.enable", "false");
        props.setProperty("num.partitions", "3");

        // A laptop or a 2-core CI box, not a server: keep threads and memory modest.
        props.setProperty("num.network.threads", "2");
        props.setProperty("num.io.threads", "4");
        props.setProperty("background.threads", "4");
        props.setProperty("num.recovery.threads.per.data.dir", "1");
        props.setProperty("log.cleaner.threads", "1");
        props.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        return props;
    }

    /**
     * Formats {@code dir} as {@code kafka-storage format} would, unless it already holds a formatted
     * node; returns the cluster id either way.
     */
    private static String formatOnce(Path dir) throws IOException {
        Path metaProperties = dir.resolve(META_PROPERTIES);
        if (Files.exists(metaProperties)) {
            return existingClusterId(dir, metaProperties);
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new LocalStackException(dir + " is not empty and is not a Kafka data directory (it has no "
                            + META_PROPERTIES + "). Choose another directory with " + DATA_DIR_SETTING
                            + " or empty this one.");
                }
            }
        } else if (Files.exists(dir)) {
            throw new LocalStackException(dir + " is a file, not a directory. Choose another directory with "
                    + DATA_DIR_SETTING + ".");
        }
        Files.createDirectories(dir);
        String newClusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream formatterOutput = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(formatterOutput, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(NODE_ID)
                    .setClusterId(newClusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(dir.toString())
                    .addDirectory(dir.toString())
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setHasDynamicQuorum(false)
                    .run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new LocalStackException("Formatting the Kafka data directory " + dir + " failed: " + e.getMessage(), e);
        }
        log.debug("Formatted {}: {}", dir, formatterOutput.toString(StandardCharsets.UTF_8).trim());
        log.info("Formatted a new Kafka data directory {} (cluster {})", dir, newClusterId);
        return newClusterId;
    }

    private static String existingClusterId(Path dir, Path metaProperties) throws IOException {
        Properties meta = new Properties();
        try (InputStream in = Files.newInputStream(metaProperties)) {
            meta.load(in);
        }
        String nodeId = meta.getProperty("node.id");
        if (!Integer.toString(NODE_ID).equals(nodeId)) {
            throw new LocalStackException(dir + " belongs to Kafka node " + nodeId + ", not to the local node "
                    + NODE_ID + ". Choose another directory with " + DATA_DIR_SETTING + ".");
        }
        String existing = meta.getProperty("cluster.id");
        if (existing == null || existing.isBlank()) {
            throw new LocalStackException(metaProperties + " has no cluster.id; the directory is damaged. "
                    + "Choose another directory with " + DATA_DIR_SETTING + ".");
        }
        return existing;
    }

    private static int freePortOtherThan(int taken) {
        int candidate = Ports.freePort();
        while (candidate == taken) {
            candidate = Ports.freePort();
        }
        return candidate;
    }

    private void cleanUpAfterFailedStart() {
        if (temporary && dataDir != null) {
            deleteRecursively(dataDir);
        }
    }

    private static void shutDownQuietly(KafkaRaftServer candidate) {
        try {
            candidate.shutdown();
            candidate.awaitShutdown();
        } catch (RuntimeException e) {
            log.warn("Shutting down a broker that failed to start also failed: {}", e.toString());
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not delete the temporary Kafka directory {}: {}", dir, e.toString());
        }
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("The Kafka broker is not running; call start() first");
        }
    }
}
