package io.mlcycle.cli.common;

import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.KafkaClients;
import io.mlcycle.platform.registry.RegistryTls;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka and the schema registry: a picocli mixin every command that talks to the cluster
 * includes with {@code @Mixin ConnectionOptions connection;}. The options lay over the same layered configuration
 * the services read (the file named by {@code MLCYCLE_CONFIG_FILE}, then {@code MLCYCLE_*} environment variables), so
 * {@code MLCYCLE_BOOTSTRAP_SERVERS} works for the CLI too; the defaults are the local stack's
 * ({@value PlatformConfig#DEFAULT_BOOTSTRAP_SERVERS}, {@value PlatformConfig#DEFAULT_SCHEMA_REGISTRY_URL}).
 */
public final class ConnectionOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default: $MLCYCLE_BOOTSTRAP_SERVERS or "
                    + PlatformConfig.DEFAULT_BOOTSTRAP_SERVERS + ", the local stack).")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL[,...]",
            description = "Schema registry URL(s) (default: $MLCYCLE_SCHEMA_REGISTRY_URL or "
                    + PlatformConfig.DEFAULT_SCHEMA_REGISTRY_URL + ").")
    String registryUrl;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file passed to every client as is: security.protocol, "
                    + "sasl.mechanism, sasl.jaas.config, ssl.truststore.location, ...")
    Path kafkaConfig;

    @Option(names = "--registry-user-info", paramLabel = "USER:PASSWORD",
            description = "Schema registry basic auth (default: $MLCYCLE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO).")
    String registryUserInfo;

    @Option(names = "--registry-truststore", paramLabel = "FILE",
            description = "Trust store (PKCS12) for an https registry whose certificate the JVM does not trust.")
    Path registryTruststore;

    @Option(names = "--registry-truststore-password", paramLabel = "PASSWORD", arity = "0..1", interactive = true,
            description = "The trust store's password (asked for when given without a value).")
    char[] registryTruststorePassword;

    /** The settings these options describe, as a service would read them (validated; bad keys fail in one line). */
    public PlatformConfig platformConfig() {
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (bootstrapServers != null) {
            overrides.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        if (registryUrl != null) {
            overrides.put(PlatformConfig.SCHEMA_REGISTRY_URL, registryUrl);
        }
        if (registryUserInfo != null) {
            overrides.put(PlatformConfig.SCHEMA_REGISTRY_USER_INFO, registryUserInfo);
        }
        if (registryTruststore != null) {
            overrides.put(RegistryTls.TRUSTSTORE_LOCATION, registryTruststore.toString());
        }
        if (registryTruststorePassword != null) {
            overrides.put(RegistryTls.TRUSTSTORE_PASSWORD, new String(registryTruststorePassword));
        }
        if (kafkaConfig != null) {
            kafkaProperties(kafkaConfig).forEach((k, v) -> overrides.put(PlatformConfig.KAFKA_PREFIX + k, v));
        }
        // The CLI is a client, never a server: an instance id that names it in broker logs.
        overrides.putIfAbsent(PlatformConfig.INSTANCE_ID, "mlcycle-cli");
        return PlatformConfig.from(ConfigSource.standard(Map.of()).withOverrides(overrides), 0);
    }

    /** An admin client with the passthrough security settings. */
    public Admin admin() {
        return Admin.create(KafkaClients.adminProperties(platformConfig()));
    }

    /** Consumer properties without a group (the CLI assigns partitions itself and never commits). */
    public Properties consumerProperties(String purpose) {
        return KafkaClients.consumerProperties(platformConfig(), null, purpose);
    }

    /** Producer properties with the passthrough security settings. */
    public Properties producerProperties(String purpose) {
        return KafkaClients.producerProperties(platformConfig(), purpose);
    }

    /** A registry client with the configured URLs and credentials. */
    public SchemaRegistryClient registryClient() {
        return new RestSchemaRegistryClient(platformConfig().registryClientSettings());
    }

    static Map<String, String> kafkaProperties(Path file) {
        if (!Files.isRegularFile(file)) {
            throw CliException.usage("--kafka-config: no file at " + file.toAbsolutePath());
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw CliException.usage("--kafka-config: cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> map = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k).trim()));
        return map;
    }
}
