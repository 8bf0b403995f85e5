package io.mlcycle.cli.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ConnectionOptionsTest {

    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        ConnectionOptions connection;
        @Mixin
        OutputOptions output;

        @Override
        public void run() {
        }
    }

    private static Probe parse(String... args) {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs(args);
        return probe;
    }

    @Test
    void optionsBecomeTheSettingsServicesUse(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, """
                security.protocol=SASL_SSL
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";
                """);
        Probe probe = parse("--bootstrap-servers", "broker-1:9093,broker-2:9093", "--registry-url", "https://sr:8081",
                "--registry-user-info", "ops:secret", "--kafka-config", file.toString(), "--json");
        assertThat(probe.output.json()).isTrue();
        var config = probe.connection.platformConfig();
        assertThat(config.bootstrapServers()).isEqualTo("broker-1:9093,broker-2:9093");
        assertThat(config.registryClientSettings().urls()).extracting(Object::toString).containsExactly("https://sr:8081");
        assertThat(config.registryClientSettings().basicAuthUserInfo()).contains("ops:secret");
        Properties consumer = probe.connection.consumerProperties("tail");
        assertThat(consumer).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("bootstrap.servers", "broker-1:9093,broker-2:9093").doesNotContainKey("group.id");
        assertThat(probe.connection.producerProperties("x")).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void defaultsAreTheLocalStack() {
        var config = parse().connection.platformConfig();
        assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(config.registryClientSettings().urls()).extracting(Object::toString).containsExactly("http://127.0.0.1:8081");
    }

    @Test
    void aMissingKafkaConfigFileIsAUsageErrorNamingIt() {
        Probe probe = parse("--kafka-config", "nope.properties");
        assertThatThrownBy(() -> probe.connection.platformConfig()).isInstanceOf(CliException.class)
                .hasMessageContaining("nope.properties")
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(ExitCodes.USAGE));
    }

    @Test
    void aBadBootstrapValueFailsNamingTheKey() {
        assertThatThrownBy(() -> parse("--bootstrap-servers", "no-port").connection.platformConfig())
                .hasMessageContaining("bootstrap.servers").hasMessageContaining("no-port");
    }
}
