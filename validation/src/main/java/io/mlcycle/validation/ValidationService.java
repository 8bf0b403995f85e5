package io.mlcycle.validation;

import io.mlcycle.mlcore.quarantine.QuarantineFit;
import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.kafka.StreamsSettings;
import io.mlcycle.platform.lifecycle.StreamsRunner;
import io.mlcycle.platform.lifecycle.Terminating;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validation service: a Kafka Streams application (exactly-once v2) that decodes and checks every raw event
 * against the pipeline's record gates, and profiles windows of passing records for data quality and drift.
 * Input topics: {@code <p>.data.raw} (as bytes, so undecodable records can be quarantined as they are) and
 * {@code <p>.models} (global store: the champion's reference profile). Output topics: {@code <p>.data.validated}
 * (normalised records), {@code <p>.data.quarantine} (failures with reasons, original bytes and source offsets),
 * {@code <p>.quality.reports} (one per window), {@code <p>.monitoring.alerts} and {@code <p>.training.triggers}
 * (drift, at most once per champion version). Invariant: every raw record ends in exactly one of validated or
 * quarantine, once. HTTP: {@code /health/live}, {@code /health/ready} (streams running), {@code /metrics}.
 */
public final class ValidationService implements AutoCloseable, Terminating {

    private static final Logger LOG = LoggerFactory.getLogger(ValidationService.class);

    private final ValidationConfig config;
    private final StreamsRunner streams;
    private final HttpServerHost http;

    private ValidationService(ValidationConfig config, StreamsRunner streams, HttpServerHost http) {
        this.config = config;
        this.streams = streams;
        this.http = http;
    }

    /**
     * Creates the pipeline's topics (if missing), registers its schemas, and starts the streams application and
     * the HTTP endpoint.
     */
    public static ValidationService start(ValidationConfig config) {
        Objects.requireNonNull(config, "config");
        PlatformConfig platform = config.platform();
        String pipeline = config.pipeline();
        PipelineSerdes serdes = PipelineBootstrap.prepare(platform, pipeline, config.spec().dataSchema()).serdes();
        Properties props = StreamsSettings.forApplication(platform, config.applicationId());
        Topology topology = ValidationTopology.buildTopology(config.spec(), serdes,
                io.mlcycle.mlcore.registry.ModelSigning.fromConfig(
                        platform.source().find(io.mlcycle.mlcore.registry.ModelSigning.CONFIG_KEY)),
                maxRequestSize(props));
        if (!platform.kafkaProperties().containsKey(StreamsConfig.STATE_DIR_CONFIG)) {
            props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        }
        HttpServerHost http = HttpServerHost.create(platform, ValidationConfig.SERVICE_NAME);
        StreamsRunner streams = StreamsRunner.start(config.applicationId(), topology, props);
        try {
            http.bindKafkaStreams(streams.streams());
            http.readinessCheck("streams", streams::isReady);
            http.start();
        } catch (RuntimeException e) {
            streams.close(config.closeTimeout());
            http.close();
            throw e;
        }
        LOG.info("Validation for pipeline {} started: {} -> {} | {}, window {} records, PSI threshold {}", pipeline,
                serdes.topicName(Topics.DATA_RAW), serdes.topicName(Topics.DATA_VALIDATED),
                serdes.topicName(Topics.DATA_QUARANTINE), config.spec().drift().windowRecords(),
                config.spec().drift().psiThreshold());
        return new ValidationService(config, streams, http);
    }

    /** The streams producer's {@code max.request.size}, which quarantine copies must fit. */
    static int maxRequestSize(Properties props) {
        Object value = props.getOrDefault(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                props.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        if (value == null) {
            return QuarantineFit.DEFAULT_MAX_REQUEST_SIZE;
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("Invalid value " + value + " for configuration 'kafka."
                    + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + "': expected a whole number of bytes");
        }
    }

    public ValidationConfig config() {
        return config;
    }

    /** True when the streams application is running (or rebalancing after having run). */
    public boolean isReady() {
        return streams.isReady();
    }

    public URI httpBaseUrl() {
        return http.baseUrl();
    }

    public int httpPort() {
        return http.port();
    }

    @Override
    public CompletionStage<?> terminated() {
        return streams.terminated();
    }

    /** Stops the HTTP endpoint, then the streams application (bounded by {@code validation.close.timeout}). */
    @Override
    public void close() {
        http.close();
        streams.close(config.closeTimeout());
        LOG.info("Validation for pipeline {} stopped", config.pipeline());
    }
}
