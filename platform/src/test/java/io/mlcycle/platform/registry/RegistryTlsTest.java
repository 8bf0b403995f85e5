package io.mlcycle.platform.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryTlsTest {

    @TempDir
    Path dir;

    private Path truststore(String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        Path file = dir.resolve("registry-trust.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    @Test
    void trustStoreSettingsReachTheRegistryClient() throws Exception {
        Path trust = truststore("changeit");
        PlatformConfig config = PlatformConfig.from(ConfigSource.of(Map.of(
                "schema.registry.url", "https://registry:8081",
                RegistryTls.TRUSTSTORE_LOCATION, trust.toString(),
                RegistryTls.TRUSTSTORE_PASSWORD, "changeit")), 0);
        RegistryClientSettings settings = config.registryClientSettings();
        assertThat(settings.tls()).isPresent();
        assertThat(settings.tls().get().truststore()).isEqualTo(trust);
        assertThat(settings.tls().get().sslContext().getProtocol()).isEqualTo("TLS");
        assertThat(settings.toString()).doesNotContain("changeit");
        // The client builds its HTTP client with the context.
        assertThat(new RestSchemaRegistryClient(settings).settings().tls()).isPresent();
    }

    @Test
    void aWrongPasswordOrPathStopsTheServiceNamingTheKey() throws Exception {
        Path trust = truststore("changeit");
        assertThatThrownBy(() -> PlatformConfig.from(ConfigSource.of(Map.of(
                RegistryTls.TRUSTSTORE_LOCATION, trust.toString(), RegistryTls.TRUSTSTORE_PASSWORD, "wrong")), 0))
                .isInstanceOf(ConfigException.class).hasMessageContaining(RegistryTls.TRUSTSTORE_LOCATION);
        assertThatThrownBy(() -> PlatformConfig.from(ConfigSource.of(Map.of(
                RegistryTls.TRUSTSTORE_LOCATION, dir.resolve("nope.p12").toString())), 0))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nope.p12").hasMessageContaining("no such file");
    }

    @Test
    void withoutATrustStoreTheJvmDefaultsApply() {
        assertThat(PlatformConfig.from(ConfigSource.of(Map.of()), 0).registryClientSettings().tls()).isEmpty();
    }
}
