package io.mlcycle.localstack;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole local infrastructure in one process: a real Kafka broker ({@link EmbeddedKafka}) and a
 * Confluent-API schema registry ({@link SchemaRegistryServer}) storing its schemas in that broker.
 * Used by {@code mlcycle up} / {@code mlcycle demo} ({@link #start(LocalStackConfig)}, data kept
 * across restarts) and by tests ({@link #ephemeral()}, nothing kept).
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.ephemeral()) {
 *     props.put("bootstrap.servers", stack.bootstrapServers());
 *     props.put("schema.registry.url", stack.registryUrl());
 * }
 * }</pre>
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final EmbeddedKafka kafka;
    private final SchemaRegistryServer registry;

    private LocalStack(EmbeddedKafka kafka, SchemaRegistryServer registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    /**
     * Starts a persistent stack. Both fixed ports are checked before anything starts, so a taken
     * port fails fast with a {@link PortInUseException} naming the port and its flag.
     */
    public static LocalStack start(LocalStackConfig config) {
        Ports.requireFree(config.kafkaPort(), "Kafka broker", EmbeddedKafka.PORT_SETTING);
        Ports.requireFree(config.registryPort(), "schema registry", SchemaRegistryServer.PORT_SETTING);
        return startWith(EmbeddedKafka.persistent(config.kafkaDataDir(), config.kafkaPort()), config.registryPort());
    }

    /** A throw-away stack for tests: temporary data, free ports. Start once per test class. */
    public static LocalStack ephemeral() {
        return startWith(EmbeddedKafka.ephemeral(), 0);
    }

    private static LocalStack startWith(EmbeddedKafka kafka, int registryPort) {
        kafka.start();
        try {
            SchemaRegistryServer registry = SchemaRegistryServer.start(kafka.bootstrapServers(), registryPort);
            log.info("Local stack up: Kafka {} , schema registry {}", kafka.bootstrapServers(), registry.url());
            return new LocalStack(kafka, registry);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    /** {@code 127.0.0.1:<kafkaPort>} */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** {@code http://127.0.0.1:<registryPort>} */
    public String registryUrl() {
        return registry.url();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public SchemaRegistryServer registry() {
        return registry;
    }

    /** Stops the registry, then the broker; releases ports and file locks. */
    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }
}
