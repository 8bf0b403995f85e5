package io.mlcycle.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlatformConfigTest {

    @Test
    void defaultsApply() {
        PlatformConfig config = PlatformConfig.from(ConfigSource.of(Map.of()), 8081);

        assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(config.schemaRegistryUrls()).containsExactly(URI.create("http://127.0.0.1:8081"));
        assertThat(config.schemaRegistryUserInfo()).isEmpty();
        assertThat(config.httpHost()).isEqualTo("127.0.0.1");
        assertThat(config.httpPort()).isEqualTo(8081);
        assertThat(config.stateDir()).isEqualTo(Path.of("./.mlcycle/state"));
        assertThat(config.instanceId()).startsWith("mlcycle-");
        assertThat(config.replicationFactor()).as("the broker's default").isEqualTo((short) -1);
        assertThat(config.kafkaProperties()).isEmpty();
        assertThat(config.pipelineSpec()).isEmpty();
        assertThatThrownBy(config::requirePipelineSpec).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pipeline.spec").hasMessageContaining("MLCYCLE_PIPELINE_SPEC");
    }

    @Test
    void valuesAndPassthroughAreRead() {
        PlatformConfig config = PlatformConfig.from(ConfigSource.builder()
                .environment(Map.of(
                        "MLCYCLE_BOOTSTRAP_SERVERS", "b1:9092, b2:9093",
                        "MLCYCLE_SCHEMA_REGISTRY_URL", "http://r1:8081,https://r2:8081/",
                        "MLCYCLE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "u:p",
                        "MLCYCLE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "MLCYCLE_KAFKA_SASL_MECHANISM", "PLAIN"))
                .overrides(Map.of("pipeline.spec", "specs/fraud.yaml", "http.port", "0", "instance.id", "val-1",
                        "state.dir", "/var/mlcycle", "replication.factor", "-1"))
                .build(), 8080);

        assertThat(config.bootstrapServers()).isEqualTo("b1:9092,b2:9093");
        assertThat(config.schemaRegistryUrls()).containsExactly(URI.create("http://r1:8081"), URI.create("https://r2:8081"));
        assertThat(config.schemaRegistryUserInfo()).contains("u:p");
        assertThat(config.httpPort()).isZero();
        assertThat(config.instanceId()).isEqualTo("val-1");
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/mlcycle"));
        assertThat(config.replicationFactor()).isEqualTo((short) -1);
        assertThat(config.requirePipelineSpec()).isEqualTo(Path.of("specs/fraud.yaml"));
        assertThat(config.kafkaProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"));
        assertThat(config.registryClientSettings().basicAuthUserInfo()).contains("u:p");
        assertThat(config.toString()).doesNotContain("u:p");
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        ConfigSource source = ConfigSource.of(Map.of(
                "bootstrap.servers", "localhost",
                "schema.registry.url", "ftp://x",
                "http.port", "99999",
                "replication.factor", "0",
                "instance.id", "bad id!",
                "schema.registry.basic.auth.user.info", "nocolon"));

        assertThatThrownBy(() -> PlatformConfig.from(source, 8080))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(6))
                .hasMessageContaining("'bootstrap.servers'").hasMessageContaining("host:port")
                .hasMessageContaining("'schema.registry.url'")
                .hasMessageContaining("'http.port'").hasMessageContaining("between 0 and 65535")
                .hasMessageContaining("'replication.factor'")
                .hasMessageContaining("'instance.id'")
                .hasMessageContaining("'schema.registry.basic.auth.user.info'")
                .hasMessageNotContaining("nocolon");
    }
}
