package io.mlcycle.validation;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The validation service's settings: the shared {@link PlatformConfig}, the parsed pipeline spec (whose
 * {@code drift.window_records} and {@code drift.psi_threshold} drive the quality windows), and the service's own
 * keys (defaults in one place, below). Kafka Streams settings can be tuned with the {@code kafka.*} passthrough
 * (e.g. {@code kafka.num.stream.threads}).
 *
 * @param platform     shared settings ({@code http.port} defaults to {@value #DEFAULT_HTTP_PORT})
 * @param spec         the pipeline spec named by {@code pipeline.spec}
 * @param closeTimeout {@value #CLOSE_TIMEOUT}: how long closing waits for the streams client (default 30 s)
 */
public record ValidationConfig(PlatformConfig platform, PipelineSpec spec, Duration closeTimeout) {

    public static final String SERVICE_NAME = "validation";
    public static final int DEFAULT_HTTP_PORT = 8181;

    public static final String CLOSE_TIMEOUT = "validation.close.timeout";
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    public ValidationConfig {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative()) {
            throw new ConfigException("Invalid value " + closeTimeout + " for configuration '" + CLOSE_TIMEOUT
                    + "': expected a duration >= 0");
        }
    }

    /**
     * Reads and validates every setting; the spec file is parsed here.
     *
     * @throws ConfigException naming every bad key (an invalid spec is reported under {@code pipeline.spec})
     */
    public static ValidationConfig from(ConfigSource source) {
        PlatformConfig platform = PlatformConfig.from(source, DEFAULT_HTTP_PORT);
        List<String> problems = new ArrayList<>();
        Duration closeTimeout = ConfigException.collect(problems, () -> source.getDuration(CLOSE_TIMEOUT, DEFAULT_CLOSE_TIMEOUT),
                DEFAULT_CLOSE_TIMEOUT);
        PipelineSpec spec = null;
        try {
            spec = parseSpec(platform.requirePipelineSpec());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ValidationConfig(platform, spec, closeTimeout);
    }

    /** A copy with another HTTP port (0 = ephemeral, for tests and the all-in-one CLI). */
    public ValidationConfig withHttpPort(int port) {
        return new ValidationConfig(platform.withHttpPort(port), spec, closeTimeout);
    }

    public String pipeline() {
        return spec.pipeline();
    }

    /** The Kafka Streams application id, {@code mlcycle-<pipeline>-validation}. */
    public String applicationId() {
        return "mlcycle-" + spec.pipeline() + "-" + SERVICE_NAME;
    }

    /** This instance's Kafka Streams state directory, {@code <state.dir>/validation-<instance.id>}. */
    public Path stateDir() {
        return platform.stateDir().resolve(SERVICE_NAME + "-" + platform.instanceId());
    }

    static PipelineSpec parseSpec(Path path) {
        try {
            return PipelineSpecParser.parse(path);
        } catch (SpecException e) {
            throw new ConfigException("Invalid pipeline spec " + path + " (configuration '"
                    + PlatformConfig.PIPELINE_SPEC + "'):\n" + e.getMessage());
        }
    }
}
