package io.mlcycle.localstack;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the local stack keeps its data and which ports it serves on.
 *
 * @param dataDir      root data directory; the broker's log lives in {@code <dataDir>/kafka}
 * @param kafkaPort    broker port on 127.0.0.1 (CLI flag {@code --kafka-port}); 0 picks a free port
 * @param registryPort schema registry port on 127.0.0.1 (CLI flag {@code --registry-port}); 0 picks a free port
 */
public record LocalStackConfig(Path dataDir, int kafkaPort, int registryPort) {

    public static final Path DEFAULT_DATA_DIR = Path.of(".mlcycle");

    public LocalStackConfig {
        Objects.requireNonNull(dataDir, EmbeddedKafka.DATA_DIR_SETTING + " must not be null");
        Ports.requireValid(kafkaPort, EmbeddedKafka.PORT_SETTING);
        Ports.requireValid(registryPort, SchemaRegistryServer.PORT_SETTING);
        if (kafkaPort != 0 && kafkaPort == registryPort) {
            throw new IllegalArgumentException(EmbeddedKafka.PORT_SETTING + " and " + SchemaRegistryServer.PORT_SETTING
                    + " must differ, both were " + kafkaPort);
        }
    }

    /** {@code ./.mlcycle}, Kafka on 9092, registry on 8081. */
    public static LocalStackConfig defaults() {
        return new LocalStackConfig(DEFAULT_DATA_DIR, EmbeddedKafka.DEFAULT_PORT, SchemaRegistryServer.DEFAULT_PORT);
    }

    public LocalStackConfig withDataDir(Path newDataDir) {
        return new LocalStackConfig(newDataDir, kafkaPort, registryPort);
    }

    public LocalStackConfig withKafkaPort(int newKafkaPort) {
        return new LocalStackConfig(dataDir, newKafkaPort, registryPort);
    }

    public LocalStackConfig withRegistryPort(int newRegistryPort) {
        return new LocalStackConfig(dataDir, kafkaPort, newRegistryPort);
    }

    /** The broker's data directory inside {@link #dataDir()}. */
    public Path kafkaDataDir() {
        return dataDir.resolve("kafka");
    }
}
