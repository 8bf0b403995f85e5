package io.mlcycle.orchestrator;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The training orchestrator's settings: the shared platform settings, the parsed pipeline spec, and the orchestrator's
 * own keys (all in this one place, with their defaults).
 *
 * <table>
 * <caption>Orchestrator keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code orchestrator.volume.check.interval}</td><td>PT1S</td><td>how often new labeled data is counted
 * for the bootstrap and volume triggers</td></tr>
 * <tr><td>{@code orchestrator.runs.history}</td><td>100</td><td>recent runs kept for {@code GET .../runs}</td></tr>
 * <tr><td>{@code orchestrator.dataset.timeout}</td><td>PT5M</td><td>longest time reading a dataset may take</td></tr>
 * <tr><td>{@code orchestrator.kafka.timeout}</td><td>PT30S</td><td>timeout of blocking Kafka calls (publish,
 * metadata, close)</td></tr>
 * <tr><td>{@code orchestrator.code.version}</td><td>the jar's Implementation-Version, else {@code dev}</td>
 * <td>code version written into lineage</td></tr>
 * </table>
 *
 * @param platform             shared settings (bootstrap servers, registry, HTTP, instance id, kafka.* passthrough)
 * @param spec                 the pipeline spec
 * @param volumeCheckInterval  {@code orchestrator.volume.check.interval}
 * @param runsHistory          {@code orchestrator.runs.history}
 * @param datasetTimeout       {@code orchestrator.dataset.timeout}
 * @param kafkaTimeout         {@code orchestrator.kafka.timeout}
 * @param codeVersion          {@code orchestrator.code.version}
 */
public record OrchestratorConfig(PlatformConfig platform, PipelineSpec spec, Duration volumeCheckInterval,
                                 int runsHistory, Duration datasetTimeout, Duration kafkaTimeout, String codeVersion) {

    /** The service name: in logs, Kafka client ids, the application id and stage transitions. */
    public static final String SERVICE_NAME = "training-orchestrator";
    public static final int DEFAULT_HTTP_PORT = 8183;

    public static final String VOLUME_CHECK_INTERVAL = "orchestrator.volume.check.interval";
    public static final String RUNS_HISTORY = "orchestrator.runs.history";
    public static final String DATASET_TIMEOUT = "orchestrator.dataset.timeout";
    public static final String KAFKA_TIMEOUT = "orchestrator.kafka.timeout";
    public static final String CODE_VERSION = "orchestrator.code.version";

    public static final Duration DEFAULT_VOLUME_CHECK_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_RUNS_HISTORY = 100;
    public static final Duration DEFAULT_DATASET_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_KAFKA_TIMEOUT = Duration.ofSeconds(30);

    public OrchestratorConfig {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(volumeCheckInterval, "volumeCheckInterval");
        Objects.requireNonNull(datasetTimeout, "datasetTimeout");
        Objects.requireNonNull(kafkaTimeout, "kafkaTimeout");
        Objects.requireNonNull(codeVersion, "codeVersion");
    }

    /** The pipeline name (topic prefix). */
    public String pipeline() {
        return spec.pipeline();
    }

    /** The Kafka Streams-style application id, {@code mlcycle-<pipeline>-training-orchestrator}: the trigger group. */
    public String applicationId() {
        return "mlcycle-" + pipeline() + "-" + SERVICE_NAME;
    }

    /**
     * Reads and validates the settings; the spec is parsed from {@code pipeline.spec}.
     *
     * @throws ConfigException listing every bad key (a spec that does not parse is reported under pipeline.spec)
     */
    public static OrchestratorConfig from(ConfigSource source) {
        PlatformConfig platform = PlatformConfig.from(source, DEFAULT_HTTP_PORT);
        List<String> problems = new ArrayList<>();
        PipelineSpec spec = null;
        try {
            spec = PipelineSpecParser.parse(platform.requirePipelineSpec());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        } catch (SpecException e) {
            problems.add("Invalid pipeline spec in configuration '" + PlatformConfig.PIPELINE_SPEC + "': "
                    + e.getMessage());
        }
        Duration interval = ConfigException.collect(problems, () -> positive(source.getDuration(VOLUME_CHECK_INTERVAL,
                DEFAULT_VOLUME_CHECK_INTERVAL), VOLUME_CHECK_INTERVAL), DEFAULT_VOLUME_CHECK_INTERVAL);
        int history = ConfigException.collect(problems, () -> source.getInt(RUNS_HISTORY, DEFAULT_RUNS_HISTORY, 1, 100_000),
                DEFAULT_RUNS_HISTORY);
        Duration datasetTimeout = ConfigException.collect(problems, () -> positive(source.getDuration(DATASET_TIMEOUT,
                DEFAULT_DATASET_TIMEOUT), DATASET_TIMEOUT), DEFAULT_DATASET_TIMEOUT);
        Duration kafkaTimeout = ConfigException.collect(problems, () -> positive(source.getDuration(KAFKA_TIMEOUT,
                DEFAULT_KAFKA_TIMEOUT), KAFKA_TIMEOUT), DEFAULT_KAFKA_TIMEOUT);
        String codeVersion = source.find(CODE_VERSION).map(String::trim).filter(s -> !s.isEmpty())
                .orElseGet(OrchestratorConfig::jarVersion);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new OrchestratorConfig(platform, spec, interval, history, datasetTimeout, kafkaTimeout, codeVersion);
    }

    /** The Implementation-Version of this module's jar, or {@code dev} when running from classes. */
    static String jarVersion() {
        String version = OrchestratorConfig.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? "dev" : version;
    }

    private static Duration positive(Duration value, String key) {
        if (value.isNegative() || value.isZero()) {
            throw new ConfigException("Invalid value '" + value + "' for configuration '" + key
                    + "': expected a positive duration");
        }
        return value;
    }
}
