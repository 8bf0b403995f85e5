package io.mlcycle.serving;

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
 * The serving-feedback service's settings: the shared {@link PlatformConfig}, the parsed pipeline spec and the
 * service's own keys. Immutable; every key, default and environment variable lives here.
 *
 * <table>
 *   <caption>Service keys (environment: MLCYCLE_ + upper case, dots as underscores)</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #JOIN_WINDOW}</td><td>the spec's label.delay</td><td>how long events and early feedback wait
 *       for each other, in event time (record timestamps, from the first record of the event id)</td></tr>
 *   <tr><td>{@value #PUNCTUATE_INTERVAL}</td><td>PT5S</td><td>how often (in stream time) expired join state is
 *       swept</td></tr>
 *   <tr><td>{@value #UNMATCHED_ALERT_INTERVAL}</td><td>PT1M</td><td>at most one FEEDBACK_UNMATCHED alert per task
 *       per interval</td></tr>
 *   <tr><td>{@value #PREDICT_MAX_RECORDS}</td><td>1000</td><td>records per predict or feedback request</td></tr>
 *   <tr><td>{@value #SEND_TIMEOUT}</td><td>PT10S</td><td>how long an HTTP feedback request waits for Kafka</td></tr>
 *   <tr><td>{@value #MAX_RECORD_BYTES}</td><td>262144</td><td>largest input record (value bytes) the join accepts;
 *       larger ones are quarantined, cut to a bounded prefix</td></tr>
 *   <tr><td>{@value #REGISTRY_REPLAY_TIMEOUT}</td><td>PT2M</td><td>how long start waits for the model registry
 *       replay (stream scoring starts after it)</td></tr>
 *   <tr><td>{@value #METRICS_WINDOW}</td><td>PT15M</td><td>event-time window of the online metrics written to
 *       &lt;p&gt;.monitoring.metrics</td></tr>
 *   <tr><td>{@value #TRUTH_WINDOW}</td><td>PT1H</td><td>event-time window of the online-truth metrics (performance
 *       estimated before labels, reconciled with the outcomes) written to &lt;p&gt;.monitoring.metrics</td></tr>
 *   <tr><td>{@value #TRUTH_EMIT_INTERVAL}</td><td>PT10S</td><td>how often (wall clock) changed online-truth windows
 *       are written</td></tr>
 *   <tr><td>{@value #PREDICTION_LOG_CAPACITY}</td><td>10000</td><td>HTTP predictions waiting at most to be written
 *       to &lt;p&gt;.predictions (about 10 s at 1,000/s); beyond it, while Kafka does not keep up, predictions are
 *       answered but not logged, and counted</td></tr>
 * </table>
 *
 * @param platform               shared settings (bootstrap servers, registry, HTTP host/port, state dir, ...)
 * @param spec                   the pipeline spec
 * @param joinWindow             feedback join window
 * @param punctuateInterval      expiry sweep interval
 * @param unmatchedAlertInterval debounce of FEEDBACK_UNMATCHED alerts
 * @param maxRecordsPerRequest   upper bound of records in one HTTP request
 * @param sendTimeout            how long HTTP feedback waits for the broker's acknowledgement
 * @param maxRecordBytes         largest input value the join accepts
 * @param registryReplayTimeout  how long start waits for the model registry replay before stream scoring starts
 * @param metricsWindow          width of the event-time windows of the online metrics
 * @param truthWindow            width of the event-time windows of the online-truth metrics
 * @param truthEmitInterval      how often changed online-truth windows are written
 * @param predictionLogCapacity  HTTP predictions waiting at most for the prediction log
 */
public record ServingFeedbackConfig(PlatformConfig platform, PipelineSpec spec, Duration joinWindow,
                                    Duration punctuateInterval, Duration unmatchedAlertInterval,
                                    int maxRecordsPerRequest, Duration sendTimeout, int maxRecordBytes,
                                    Duration registryReplayTimeout, Duration metricsWindow, Duration truthWindow,
                                    Duration truthEmitInterval, int predictionLogCapacity) {

    public static final String SERVICE_NAME = "serving-feedback";
    public static final int DEFAULT_HTTP_PORT = 8182;

    public static final String JOIN_WINDOW = "serving.join.window";
    public static final String PUNCTUATE_INTERVAL = "serving.join.punctuate.interval";
    public static final String UNMATCHED_ALERT_INTERVAL = "serving.feedback.unmatched.alert.interval";
    public static final String PREDICT_MAX_RECORDS = "serving.http.max.records";
    public static final String SEND_TIMEOUT = "serving.http.send.timeout";
    public static final String MAX_RECORD_BYTES = "serving.max.record.bytes";
    public static final String REGISTRY_REPLAY_TIMEOUT = "serving.registry.replay.timeout";
    public static final String METRICS_WINDOW = "serving.metrics.window";
    public static final String TRUTH_WINDOW = "serving.truth.window";
    public static final String TRUTH_EMIT_INTERVAL = "serving.truth.emit.interval";
    public static final String PREDICTION_LOG_CAPACITY = "serving.http.prediction.log.capacity";

    public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_UNMATCHED_ALERT_INTERVAL = Duration.ofMinutes(1);
    public static final int DEFAULT_MAX_RECORDS = 1000;
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_RECORD_BYTES = 256 * 1024;
    public static final Duration DEFAULT_REGISTRY_REPLAY_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_METRICS_WINDOW = Duration.ofMinutes(15);
    public static final Duration DEFAULT_TRUTH_WINDOW = Duration.ofHours(1);
    public static final Duration DEFAULT_TRUTH_EMIT_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_PREDICTION_LOG_CAPACITY = 10_000;

    public ServingFeedbackConfig {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(spec, "spec");
        requirePositive(JOIN_WINDOW, joinWindow);
        requirePositive(PUNCTUATE_INTERVAL, punctuateInterval);
        requirePositive(UNMATCHED_ALERT_INTERVAL, unmatchedAlertInterval);
        requirePositive(SEND_TIMEOUT, sendTimeout);
        requirePositive(REGISTRY_REPLAY_TIMEOUT, registryReplayTimeout);
        requirePositive(METRICS_WINDOW, metricsWindow);
        requirePositive(TRUTH_WINDOW, truthWindow);
        requirePositive(TRUTH_EMIT_INTERVAL, truthEmitInterval);
        if (maxRecordBytes < 1024) {
            throw new ConfigException("Invalid value '" + maxRecordBytes + "' for configuration '"
                    + MAX_RECORD_BYTES + "': expected at least 1024");
        }
        if (predictionLogCapacity < 1) {
            throw new ConfigException("Invalid value '" + predictionLogCapacity + "' for configuration '"
                    + PREDICTION_LOG_CAPACITY + "': expected at least 1");
        }
        if (maxRecordsPerRequest < 1) {
            throw new ConfigException("Invalid value '" + maxRecordsPerRequest + "' for configuration '"
                    + PREDICT_MAX_RECORDS + "': expected at least 1");
        }
    }

    /**
     * Reads the configuration: the shared keys, the spec at {@code pipeline.spec}, and the service keys.
     *
     * @throws ConfigException naming every bad key (a spec that does not parse is reported under pipeline.spec)
     */
    public static ServingFeedbackConfig from(ConfigSource source) {
        PlatformConfig platform = PlatformConfig.from(source, DEFAULT_HTTP_PORT);
        Path specPath = platform.requirePipelineSpec();
        PipelineSpec spec;
        try {
            spec = PipelineSpecParser.parse(specPath);
        } catch (SpecException e) {
            throw new ConfigException("Invalid pipeline spec for configuration '" + PlatformConfig.PIPELINE_SPEC
                    + "' (" + specPath + "): " + e.getMessage());
        }
        return from(platform, spec);
    }

    /** The service keys read from the platform config's source, for an already parsed spec. */
    public static ServingFeedbackConfig from(PlatformConfig platform, PipelineSpec spec) {
        ConfigSource source = platform.source();
        List<String> problems = new ArrayList<>();
        Duration window = ConfigException.collect(problems, () -> source.getDuration(JOIN_WINDOW, spec.label().delay()), spec.label().delay());
        Duration punctuate = ConfigException.collect(problems, () -> source.getDuration(PUNCTUATE_INTERVAL, DEFAULT_PUNCTUATE_INTERVAL),
                DEFAULT_PUNCTUATE_INTERVAL);
        Duration alertInterval = ConfigException.collect(problems, () -> source.getDuration(UNMATCHED_ALERT_INTERVAL,
                DEFAULT_UNMATCHED_ALERT_INTERVAL), DEFAULT_UNMATCHED_ALERT_INTERVAL);
        int maxRecords = ConfigException.collect(problems, () -> source.getInt(PREDICT_MAX_RECORDS, DEFAULT_MAX_RECORDS, 1, 1_000_000),
                DEFAULT_MAX_RECORDS);
        Duration sendTimeout = ConfigException.collect(problems, () -> source.getDuration(SEND_TIMEOUT, DEFAULT_SEND_TIMEOUT),
                DEFAULT_SEND_TIMEOUT);
        int maxRecordBytes = ConfigException.collect(problems, () -> source.getInt(MAX_RECORD_BYTES,
                DEFAULT_MAX_RECORD_BYTES, 1024, 64 * 1024 * 1024), DEFAULT_MAX_RECORD_BYTES);
        Duration replayTimeout = ConfigException.collect(problems, () -> source.getDuration(REGISTRY_REPLAY_TIMEOUT,
                DEFAULT_REGISTRY_REPLAY_TIMEOUT), DEFAULT_REGISTRY_REPLAY_TIMEOUT);
        Duration metricsWindow = ConfigException.collect(problems, () -> source.getDuration(METRICS_WINDOW,
                DEFAULT_METRICS_WINDOW), DEFAULT_METRICS_WINDOW);
        Duration truthWindow = ConfigException.collect(problems, () -> source.getDuration(TRUTH_WINDOW,
                DEFAULT_TRUTH_WINDOW), DEFAULT_TRUTH_WINDOW);
        if (truthWindow.isZero() || truthWindow.isNegative()) {
            problems.add("Invalid value '" + truthWindow + "' for configuration '" + TRUTH_WINDOW
                    + "': expected a positive duration such as PT1H");
            truthWindow = DEFAULT_TRUTH_WINDOW;
        }
        Duration truthEmit = ConfigException.collect(problems, () -> source.getDuration(TRUTH_EMIT_INTERVAL,
                DEFAULT_TRUTH_EMIT_INTERVAL), DEFAULT_TRUTH_EMIT_INTERVAL);
        if (truthEmit.isZero() || truthEmit.isNegative()) {
            problems.add("Invalid value '" + truthEmit + "' for configuration '" + TRUTH_EMIT_INTERVAL
                    + "': expected a positive duration such as PT10S");
            truthEmit = DEFAULT_TRUTH_EMIT_INTERVAL;
        }
        int logCapacity = ConfigException.collect(problems, () -> source.getInt(PREDICTION_LOG_CAPACITY,
                DEFAULT_PREDICTION_LOG_CAPACITY, 1, 10_000_000), DEFAULT_PREDICTION_LOG_CAPACITY);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ServingFeedbackConfig(platform, spec, window, punctuate, alertInterval, maxRecords, sendTimeout,
                maxRecordBytes, replayTimeout, metricsWindow, truthWindow, truthEmit, logCapacity);
    }

    /** Kafka Streams application id: {@code mlcycle-<pipeline>-serving-feedback}. */
    public String applicationId() {
        return "mlcycle-" + spec.pipeline() + "-" + SERVICE_NAME;
    }

    /** This instance's Kafka Streams state directory: {@code state.dir/serving-feedback-<instance>}. */
    public Path stateDir() {
        return platform.stateDir().resolve(SERVICE_NAME + "-" + platform.instanceId());
    }

    /** The pipeline name. */
    public String pipeline() {
        return spec.pipeline();
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new ConfigException("Invalid value '" + value + "' for configuration '" + key
                    + "': expected a positive duration such as PT5S");
        }
    }
}
