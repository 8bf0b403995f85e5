package io.mlcycle.platform.config;

import io.mlcycle.platform.registry.RegistryClientSettings;
import io.mlcycle.platform.registry.RegistryTls;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The settings every mlcycle service shares, read and validated once from a {@link ConfigSource}. Construction
 * fails with one {@link ConfigException} listing every bad key. Service-specific keys stay in {@link #source()}.
 *
 * @param source                 the layered source these settings were read from
 * @param pipelineSpec           {@code pipeline.spec}: the pipeline spec YAML, if set
 * @param bootstrapServers       {@code bootstrap.servers} (default {@value #DEFAULT_BOOTSTRAP_SERVERS})
 * @param schemaRegistryUrls     {@code schema.registry.url}, comma-separated (default {@value #DEFAULT_SCHEMA_REGISTRY_URL})
 * @param schemaRegistryUserInfo {@code schema.registry.basic.auth.user.info} ({@code user:password}), if set
 * @param httpHost               {@code http.host} (default {@value #DEFAULT_HTTP_HOST})
 * @param httpPort               {@code http.port} (service-specific default; 0 = ephemeral)
 * @param stateDir               {@code state.dir} (default {@value #DEFAULT_STATE_DIR})
 * @param instanceId             {@code instance.id} (default: generated, unique per process)
 * @param replicationFactor      {@code replication.factor} for topics this service creates, Streams' internal topics
 *                               included (default {@value #DEFAULT_REPLICATION_FACTOR}: the broker's
 *                               {@code default.replication.factor}, so a production cluster gets its usual 3)
 * @param kafkaProperties        every {@code kafka.*} key with the prefix removed, passed to Kafka clients as is
 *                               (SASL/SSL: {@code kafka.security.protocol}, {@code kafka.sasl.mechanism}, ...)
 */
public record PlatformConfig(ConfigSource source,
                             Optional<Path> pipelineSpec,
                             String bootstrapServers,
                             List<URI> schemaRegistryUrls,
                             Optional<String> schemaRegistryUserInfo,
                             String httpHost,
                             int httpPort,
                             Path stateDir,
                             String instanceId,
                             short replicationFactor,
                             Map<String, String> kafkaProperties) {

    public static final String PIPELINE_SPEC = "pipeline.spec";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String STATE_DIR = "state.dir";
    public static final String INSTANCE_ID = "instance.id";
    public static final String REPLICATION_FACTOR = "replication.factor";
    public static final String KAFKA_PREFIX = "kafka.";

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8081";
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    public static final String DEFAULT_STATE_DIR = "./.mlcycle/state";
    public static final int DEFAULT_REPLICATION_FACTOR = -1;

    private static final Pattern HOST_PORT = Pattern.compile("^[A-Za-z0-9._\\-\\[\\]:]+:(\\d{1,5})$");
    private static final Pattern INSTANCE_ID_PATTERN = Pattern.compile("^[A-Za-z0-9._\\-]{1,100}$");

    public PlatformConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(pipelineSpec, "pipelineSpec");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        schemaRegistryUrls = List.copyOf(schemaRegistryUrls);
        Objects.requireNonNull(schemaRegistryUserInfo, "schemaRegistryUserInfo");
        Objects.requireNonNull(httpHost, "httpHost");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(instanceId, "instanceId");
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    /**
     * Reads and validates the shared settings.
     *
     * @param source          the layered configuration
     * @param defaultHttpPort this service's HTTP port when {@code http.port} is not set (0 = ephemeral)
     * @throws ConfigException listing every bad key
     */
    public static PlatformConfig from(ConfigSource source, int defaultHttpPort) {
        List<String> problems = new ArrayList<>();
        Optional<Path> spec = ConfigException.collect(problems, () -> source.findPath(PIPELINE_SPEC), Optional.empty());
        String bootstrap = ConfigException.collect(problems, () -> bootstrapServers(source), DEFAULT_BOOTSTRAP_SERVERS);
        List<URI> registryUrls = ConfigException.collect(problems, () -> registryUrls(source), List.of());
        Optional<String> userInfo = source.find(SCHEMA_REGISTRY_USER_INFO).filter(s -> !s.isBlank());
        if (userInfo.isPresent() && !userInfo.get().contains(":")) {
            problems.add("Invalid value for configuration '" + SCHEMA_REGISTRY_USER_INFO + "' (from "
                    + source.origin(SCHEMA_REGISTRY_USER_INFO).orElse("?") + "): expected user:password");
        }
        String host = source.getString(HTTP_HOST, DEFAULT_HTTP_HOST).trim();
        if (host.isEmpty()) {
            problems.add("Invalid value '' for configuration '" + HTTP_HOST + "': expected a host name or address");
        }
        int port = ConfigException.collect(problems, () -> source.getInt(HTTP_PORT, defaultHttpPort, 0, 65535), defaultHttpPort);
        Path stateDir = ConfigException.collect(problems, () -> source.findPath(STATE_DIR).orElse(Path.of(DEFAULT_STATE_DIR)),
                Path.of(DEFAULT_STATE_DIR));
        String instanceId = source.find(INSTANCE_ID).map(String::trim).filter(s -> !s.isEmpty())
                .orElseGet(() -> "mlcycle-" + UUID.randomUUID().toString().substring(0, 8));
        if (!INSTANCE_ID_PATTERN.matcher(instanceId).matches()) {
            problems.add("Invalid value '" + instanceId + "' for configuration '" + INSTANCE_ID
                    + "': expected 1-100 letters, digits, '.', '_' or '-'");
        }
        int replication = ConfigException.collect(problems,
                () -> source.getInt(REPLICATION_FACTOR, DEFAULT_REPLICATION_FACTOR, -1, Short.MAX_VALUE), DEFAULT_REPLICATION_FACTOR);
        if (replication == 0) {
            problems.add("Invalid value '0' for configuration '" + REPLICATION_FACTOR + "': expected -1 (broker default) or >= 1");
        }
        // Open the TLS stores now, so a wrong path or password stops the service at start, naming the key.
        ConfigException.collect(problems, () -> {
            try {
                return registryTls(source).map(RegistryTls::sslContext);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }, Optional.empty());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new PlatformConfig(source, spec, bootstrap, registryUrls, userInfo, host, port, stateDir, instanceId,
                (short) replication, source.subset(KAFKA_PREFIX));
    }

    /** {@code pipeline.spec}, or a {@link ConfigException} naming the key if it is not set. */
    public Path requirePipelineSpec() {
        return pipelineSpec.orElseThrow(() -> new ConfigException("Missing required configuration '" + PIPELINE_SPEC
                + "' (the pipeline spec YAML; environment variable " + ConfigSource.environmentName(PIPELINE_SPEC) + ")"));
    }

    /**
     * Registry client settings: these URLs and credentials, TLS stores ({@code schema.registry.ssl.*}) if set, default
     * retries and timeouts.
     */
    public RegistryClientSettings registryClientSettings() {
        return RegistryClientSettings.forUrls(schemaRegistryUrls).withBasicAuth(schemaRegistryUserInfo.orElse(null))
                .withTls(registryTls(source).orElse(null));
    }

    /** The registry TLS stores from {@code schema.registry.ssl.*}, if a trust store is set. */
    static Optional<RegistryTls> registryTls(ConfigSource source) {
        Optional<String> truststore = source.find(RegistryTls.TRUSTSTORE_LOCATION).map(String::trim).filter(s -> !s.isEmpty());
        if (truststore.isEmpty()) {
            if (source.find(RegistryTls.KEYSTORE_LOCATION).filter(s -> !s.isBlank()).isPresent()) {
                throw new ConfigException("Configuration '" + RegistryTls.KEYSTORE_LOCATION + "' needs '"
                        + RegistryTls.TRUSTSTORE_LOCATION + "' too");
            }
            return Optional.empty();
        }
        return Optional.of(new RegistryTls(Path.of(truststore.get()), source.find(RegistryTls.TRUSTSTORE_PASSWORD),
                source.find(RegistryTls.TRUSTSTORE_TYPE).orElse(null),
                source.find(RegistryTls.KEYSTORE_LOCATION).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of),
                source.find(RegistryTls.KEYSTORE_PASSWORD), source.find(RegistryTls.KEYSTORE_TYPE).orElse(null)));
    }

    /** A copy with another HTTP port (tests use 0). */
    public PlatformConfig withHttpPort(int port) {
        return new PlatformConfig(source, pipelineSpec, bootstrapServers, schemaRegistryUrls, schemaRegistryUserInfo,
                httpHost, port, stateDir, instanceId, replicationFactor, kafkaProperties);
    }

    private static String bootstrapServers(ConfigSource source) {
        List<String> servers = source.contains(BOOTSTRAP_SERVERS) ? source.getList(BOOTSTRAP_SERVERS) : List.of(DEFAULT_BOOTSTRAP_SERVERS);
        if (servers.isEmpty()) {
            throw new ConfigException("Invalid value '' for configuration '" + BOOTSTRAP_SERVERS + "': expected host:port[,host:port...]");
        }
        for (String server : servers) {
            var matcher = HOST_PORT.matcher(server);
            if (!matcher.matches() || Integer.parseInt(matcher.group(1)) > 65535) {
                throw new ConfigException("Invalid value '" + source.getString(BOOTSTRAP_SERVERS) + "' for configuration '"
                        + BOOTSTRAP_SERVERS + "' (from " + source.origin(BOOTSTRAP_SERVERS).orElse("?")
                        + "): expected host:port[,host:port...], '" + server + "' is not host:port");
            }
        }
        return String.join(",", servers);
    }

    private static List<URI> registryUrls(ConfigSource source) {
        String text = source.getString(SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL);
        try {
            List<URI> urls = RegistryClientSettings.parseUrls(text);
            // Reuse the client's own checks so config and client never disagree.
            RegistryClientSettings.forUrls(urls);
            return urls;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid value '" + text + "' for configuration '" + SCHEMA_REGISTRY_URL + "' (from "
                    + source.origin(SCHEMA_REGISTRY_URL).orElse("defaults") + "): expected http(s)://host:port[,...]: " + e.getMessage());
        }
    }


    @Override
    public String toString() {
        // Never print credentials or passthrough values (they carry JAAS secrets).
        return "PlatformConfig[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrls=" + schemaRegistryUrls
                + ", schemaRegistryAuth=" + schemaRegistryUserInfo.map(s -> "***").orElse("none") + ", http=" + httpHost
                + ":" + httpPort + ", stateDir=" + stateDir + ", instanceId=" + instanceId + ", replicationFactor="
                + replicationFactor + ", pipelineSpec=" + pipelineSpec.orElse(null) + ", kafkaKeys=" + kafkaProperties.keySet() + "]";
    }
}
