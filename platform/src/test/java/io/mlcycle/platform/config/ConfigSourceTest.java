package io.mlcycle.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceTest {

    @TempDir
    Path dir;

    @Test
    void laterLayersWinDefaultsFileEnvironmentOverrides() throws Exception {
        Path file = Files.writeString(dir.resolve("app.properties"), "a=file\nb=file\nc=file\n");

        ConfigSource source = ConfigSource.builder()
                .overrides(Map.of("d", "override"))
                .environment(Map.of("MLCYCLE_B", "env", "MLCYCLE_D", "env", "PATH", "/usr/bin"))
                .file(file)
                .defaults(Map.of("a", "default", "e", "default"))
                .build();

        assertThat(source.getString("a")).isEqualTo("file");
        assertThat(source.getString("b")).isEqualTo("env");
        assertThat(source.getString("c")).isEqualTo("file");
        assertThat(source.getString("d")).isEqualTo("override");
        assertThat(source.getString("e")).isEqualTo("default");
        assertThat(source.keys()).containsExactly("a", "b", "c", "d", "e");
        assertThat(source.origin("b")).contains("environment MLCYCLE_B");
    }

    @Test
    void environmentNamesBecomeDottedKeysAndDottedNamesAreTakenAsIs() {
        ConfigSource source = ConfigSource.builder().environment(Map.of(
                "MLCYCLE_BOOTSTRAP_SERVERS", "h:1",
                "MLCYCLE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "u:p",
                "http.port", "9000",
                "HOME", "/root")).build();

        assertThat(source.asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "bootstrap.servers", "h:1", "schema.registry.basic.auth.user.info", "u:p", "http.port", "9000"));
        assertThat(ConfigSource.environmentName("kafka.sasl.jaas.config")).isEqualTo("MLCYCLE_KAFKA_SASL_JAAS_CONFIG");
    }

    @Test
    void yamlIsFlattenedToDottedKeysWithListsJoined() throws Exception {
        Path file = Files.writeString(dir.resolve("app.yaml"), """
                bootstrap:
                  servers: "a:1"
                http:
                  port: 8085
                kafka:
                  security.protocol: SASL_SSL
                  ssl:
                    truststore:
                      location: /etc/ts.jks
                topics: [x, y, z]
                empty:
                """);

        ConfigSource source = ConfigSource.builder().file(file).build();

        assertThat(source.getString("bootstrap.servers")).isEqualTo("a:1");
        assertThat(source.getInt("http.port")).isEqualTo(8085);
        assertThat(source.getList("topics")).containsExactly("x", "y", "z");
        assertThat(source.contains("empty")).isFalse();
        assertThat(source.subset("kafka.")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "ssl.truststore.location", "/etc/ts.jks"));
    }

    @Test
    void missingOrUnsupportedFileIsAnError() throws Exception {
        assertThatThrownBy(() -> ConfigSource.builder().file(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nope.yaml");
        Path txt = Files.writeString(dir.resolve("a.txt"), "x");
        assertThatThrownBy(() -> ConfigSource.builder().file(txt))
                .isInstanceOf(ConfigException.class).hasMessageContaining(".properties, .yaml or .yml");
        assertThat(ConfigSource.builder().file(null).build().keys()).isEmpty();
    }

    @Test
    void typedGettersParse() {
        ConfigSource source = ConfigSource.of(Map.of(
                "i", " 42 ", "l", "9000000000", "d", "0.25", "b", "TRUE",
                "p", "/tmp/x", "u", "http://127.0.0.1:8081", "list", " a, ,b ,c"));

        assertThat(source.getInt("i")).isEqualTo(42);
        assertThat(source.getLong("l")).isEqualTo(9_000_000_000L);
        assertThat(source.getDouble("d")).isEqualTo(0.25);
        assertThat(source.getBoolean("b")).isTrue();
        assertThat(source.getPath("p")).isEqualTo(Path.of("/tmp/x"));
        assertThat(source.getUri("u")).isEqualTo(URI.create("http://127.0.0.1:8081"));
        assertThat(source.getList("list")).containsExactly("a", "b", "c");
        assertThat(source.getList("absent")).isEmpty();
        assertThat(source.getInt("absent", 7)).isEqualTo(7);
        assertThat(source.getString("absent", "x")).isEqualTo("x");
    }

    @Test
    void durationsAcceptShortFormsAndIso() {
        ConfigSource source = ConfigSource.of(Map.of("a", "500ms", "b", "30s", "c", "5m", "d", "2h", "e", "1d", "f", "PT1M30S"));

        assertThat(source.getDuration("a")).isEqualTo(Duration.ofMillis(500));
        assertThat(source.getDuration("b")).isEqualTo(Duration.ofSeconds(30));
        assertThat(source.getDuration("c")).isEqualTo(Duration.ofMinutes(5));
        assertThat(source.getDuration("d")).isEqualTo(Duration.ofHours(2));
        assertThat(source.getDuration("e")).isEqualTo(Duration.ofDays(1));
        assertThat(source.getDuration("f")).isEqualTo(Duration.ofSeconds(90));
        assertThat(source.getDuration("absent", Duration.ZERO)).isEqualTo(Duration.ZERO);
    }

    @Test
    void errorsNameTheKeyTheValueItsOriginAndWhatIsExpected() {
        ConfigSource source = ConfigSource.builder()
                .environment(Map.of("MLCYCLE_HTTP_PORT", "eighty"))
                .overrides(Map.of("flag", "yes", "timeout", "10 parsecs", "ratio", "x", "n", "70000", "u", "not a uri"))
                .build();

        assertThatThrownBy(() -> source.getInt("http.port"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value 'eighty' for configuration 'http.port' (from environment MLCYCLE_HTTP_PORT): expected an integer");
        assertThatThrownBy(() -> source.getBoolean("flag")).hasMessageContaining("'flag'").hasMessageContaining("true or false");
        assertThatThrownBy(() -> source.getDuration("timeout")).hasMessageContaining("'10 parsecs'").hasMessageContaining("30s");
        assertThatThrownBy(() -> source.getDouble("ratio")).hasMessageContaining("'ratio'").hasMessageContaining("a number");
        assertThatThrownBy(() -> source.getInt("n", 1, 0, 65535)).hasMessageContaining("between 0 and 65535");
        assertThatThrownBy(() -> source.getUri("u")).hasMessageContaining("'u'").hasMessageContaining("absolute URI");
        assertThatThrownBy(() -> source.getString("missing"))
                .hasMessageContaining("Missing required configuration 'missing'").hasMessageContaining("MLCYCLE_MISSING");
    }

    @Test
    void toStringHidesValues() {
        ConfigSource source = ConfigSource.of(Map.of("kafka.sasl.jaas.config", "password=\"hunter2\""));

        assertThat(source.toString()).contains("kafka.sasl.jaas.config").doesNotContain("hunter2");
    }
}
