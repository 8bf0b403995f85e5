package io.mlcycle.localstack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A taken port is reported in words, naming the port and its flag, before anything starts. */
class PortInUseTest {

    @TempDir
    Path dataDir;

    private static ServerSocket occupy() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void brokerPortInUseNamesThePortAndTheKafkaPortFlag() throws IOException {
        try (ServerSocket taken = occupy()) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> EmbeddedKafka.persistent(dataDir.resolve("kafka"), port).start())
                    .isInstanceOfSatisfying(PortInUseException.class, e -> {
                        assertThat(e.port()).isEqualTo(port);
                        assertThat(e.setting()).isEqualTo("--kafka-port");
                        assertThat(e.getMessage()).isEqualTo("Port " + port + " on 127.0.0.1 (Kafka broker) is already in use. "
                                + "Stop the process using it or choose another port with --kafka-port.");
                    });
            assertThat(dataDir.resolve("kafka")).doesNotExist();
        }
    }

    @Test
    void registryPortInUseNamesTheRegistryPortFlagWithoutTouchingKafka() throws IOException {
        try (ServerSocket taken = occupy()) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> SchemaRegistryServer.start("127.0.0.1:1", port))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("Port " + port)
                    .hasMessageContaining("schema registry")
                    .hasMessageContaining("--registry-port");
        }
    }

    @Test
    void localStackChecksBothPortsBeforeStartingTheBroker() throws IOException {
        try (ServerSocket taken = occupy()) {
            int kafkaPort = Ports.freePort();
            LocalStackConfig config = new LocalStackConfig(dataDir, kafkaPort, taken.getLocalPort());

            assertThatThrownBy(() -> LocalStack.start(config))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("--registry-port");
            assertThat(Files.exists(config.kafkaDataDir())).isFalse();
        }
    }

    @Test
    void configRejectsBadPortsNamingTheFlag() {
        assertThatThrownBy(() -> new LocalStackConfig(dataDir, 70000, 8081)).hasMessageContaining("--kafka-port");
        assertThatThrownBy(() -> new LocalStackConfig(dataDir, 9092, -1)).hasMessageContaining("--registry-port");
        assertThatThrownBy(() -> new LocalStackConfig(dataDir, 9092, 9092)).hasMessageContaining("must differ");
        assertThat(LocalStackConfig.defaults()).isEqualTo(new LocalStackConfig(Path.of(".mlcycle"), 9092, 8081));
        assertThat(LocalStackConfig.defaults().kafkaDataDir()).isEqualTo(Path.of(".mlcycle", "kafka"));
    }

    @Test
    void aNonKafkaDirectoryIsRefusedInsteadOfOverwritten() throws IOException {
        Files.writeString(dataDir.resolve("notes.txt"), "mine");

        assertThatThrownBy(() -> EmbeddedKafka.persistent(dataDir, Ports.freePort()).start())
                .isInstanceOf(LocalStackException.class)
                .hasMessageContaining("is not a Kafka data directory")
                .hasMessageContaining("--data-dir");
        assertThat(dataDir.resolve("notes.txt")).hasContent("mine");
    }
}
