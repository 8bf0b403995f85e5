package io.mlcycle.ingestion;

import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.kafka.KafkaClients;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.lifecycle.EventIds;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingestion service: accepts events over HTTP ({@code POST /v1/pipelines/{p}/events}), converts each JSON object
 * to the pipeline's data record and writes it, keyed by event id, to {@code <p>.data.raw}; events that cannot be
 * converted go with their reasons and original text to {@code <p>.data.quarantine} (stage INGESTION), so nothing
 * is lost. Input: HTTP. Output topics: {@code <p>.data.raw}, {@code <p>.data.quarantine}. Also serves
 * {@code GET /v1/pipelines/{p}/schema}, {@code /health/live}, {@code /health/ready} and {@code /metrics}.
 *
 * <p>Writes use an idempotent producer with acks=all, and every request waits for the acknowledgements of all its
 * records before answering (503 with Retry-After when Kafka does not acknowledge within
 * {@code ingestion.ack.timeout}).
 */
public final class IngestionService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestionService.class);
    private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final IngestionConfig config;
    private final HttpServerHost http;
    private final Producer<byte[], byte[]> producer;
    private final List<AutoCloseable> owned;
    private volatile boolean closed;

    private IngestionService(IngestionConfig config, HttpServerHost http, Producer<byte[], byte[]> producer,
                             List<AutoCloseable> owned) {
        this.config = config;
        this.http = http;
        this.producer = producer;
        this.owned = owned;
    }

    /**
     * Creates the pipeline's topics (if missing), registers its schemas, and starts the producer and the HTTP
     * endpoint.
     *
     * @throws IllegalStateException when Kafka or the schema registry cannot be reached at startup
     */
    public static IngestionService start(IngestionConfig config) {
        Objects.requireNonNull(config, "config");
        PlatformConfig platform = config.platform();
        String pipeline = config.pipeline();
        PipelineSerdes serdes = PipelineBootstrap.prepare(platform, pipeline, config.spec().dataSchema()).serdes();
        Properties props = KafkaClients.producerProperties(platform, IngestionConfig.SERVICE_NAME);
        // A request must not block longer than it may wait for acknowledgements (metadata of a down broker).
        if (!platform.kafkaProperties().containsKey(ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.ackTimeout().toMillis()));
        }
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            Object maxRequestSize = props.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
            int maxRecordBytes = maxRequestSize == null ? EventIngestor.DEFAULT_MAX_RECORD_BYTES
                    : Integer.parseInt(maxRequestSize.toString().trim());
            IngestionService service = start(config, serdes, producer, maxRecordBytes);
            service.http.bindKafkaProducer(producer);
            return service;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Starts the HTTP endpoint over a given producer and serdes (the producer is owned and closed by the service).
     * Used by {@link #start(IngestionConfig)} and by tests with a MockProducer.
     */
    static IngestionService start(IngestionConfig config, PipelineSerdes serdes, Producer<byte[], byte[]> producer) {
        return start(config, serdes, producer, EventIngestor.DEFAULT_MAX_RECORD_BYTES);
    }

    /** As above, with the largest Kafka record the producer sends (its {@code max.request.size}). */
    static IngestionService start(IngestionConfig config, PipelineSerdes serdes, Producer<byte[], byte[]> producer,
                                  int maxRecordBytes) {
        Serializer<String> keys = serdes.keySerde(Topics.DATA_RAW).serializer();
        Serializer<GenericRecord> data = serdes.valueSerde(Topics.DATA_RAW).serializer();
        Serializer<QuarantineRecord> quarantine = serdes.valueSerde(Topics.DATA_QUARANTINE).serializer();
        EventIngestor ingestor = new EventIngestor(config.spec(), serdes.topicName(Topics.DATA_RAW),
                serdes.topicName(Topics.DATA_QUARANTINE), keys, data, quarantine, producer, config.ackTimeout(),
                maxRecordBytes, Clock.systemUTC(), EventIds::newTimeOrderedId);
        PlatformConfig platform = config.platform();
        HttpServerHost http = new HttpServerHost(platform.httpHost(), platform.httpPort(),
                new HttpServerHost.Options(IngestionConfig.SERVICE_NAME, config.maxBodyBytes(), config.httpThreads(),
                        200));
        List<AutoCloseable> owned = new ArrayList<>();
        owned.add(http);
        IngestionService service = new IngestionService(config, http, producer, owned);
        new IngestionHttpApi(ingestor, config.retryAfterSeconds(), http.meterRegistry(), http.objectMapper())
                .register(http);
        http.readinessCheck("producer", () -> !service.closed);
        http.start();
        LOG.info("Ingestion for pipeline {} accepting events at {}", config.pipeline(),
                http.baseUrl().resolve(IngestionHttpApi.EVENTS_ROUTE.replace("{pipeline}", config.pipeline())));
        return service;
    }

    public IngestionConfig config() {
        return config;
    }

    /** The HTTP base URL, e.g. {@code http://127.0.0.1:8180}. */
    public URI httpBaseUrl() {
        return http.baseUrl();
    }

    public int httpPort() {
        return http.port();
    }

    /** True while the service is started and not closed. */
    public boolean isReady() {
        return !closed;
    }

    /** Stops accepting requests, then flushes and closes the producer (bounded). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
        producer.close(PRODUCER_CLOSE_TIMEOUT);
        LOG.info("Ingestion for pipeline {} stopped", config.pipeline());
    }
}
