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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.mlcycle.mlcore.normalize.NormalizationRule;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.metrics.FixedTagCounters;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>Each request's records are written in one Kafka transaction by a pool of transactional producers
 * ({@link TransactionalWriter}; acks=all, idempotent), so a request is written whole or not at all; request threads
 * never wait for Kafka, and the answer is sent when the transaction committed (503 with Retry-After when Kafka does
 * not take it within {@code ingestion.ack.timeout}, or when too much is waiting for Kafka already).
 */
public final class IngestionService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestionService.class);

    private final IngestionConfig config;
    private final HttpServerHost http;
    private final TransactionalWriter writer;
    private volatile boolean closed;

    private IngestionService(IngestionConfig config, HttpServerHost http, TransactionalWriter writer) {
        this.config = config;
        this.http = http;
        this.writer = writer;
    }

    /**
     * Creates the pipeline's topics (if missing), registers its schemas, and starts the producers and the HTTP
     * endpoint.
     *
     * @throws IllegalStateException when Kafka or the schema registry cannot be reached at startup
     */
    public static IngestionService start(IngestionConfig config) {
        Objects.requireNonNull(config, "config");
        PlatformConfig platform = config.platform();
        String pipeline = config.pipeline();
        PipelineSerdes serdes = PipelineBootstrap.prepare(platform, pipeline, config.spec().dataSchema()).serdes();
        Properties base = producerProperties(config);
        Object maxRequestSize = base.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int maxRecordBytes = maxRequestSize == null ? EventIngestor.DEFAULT_MAX_RECORD_BYTES
                : Integer.parseInt(maxRequestSize.toString().trim());
        List<Producer<?, ?>> created = new CopyOnWriteArrayList<>();
        AtomicReference<HttpServerHost> host = new AtomicReference<>();
        TransactionalWriter.ProducerFactory factory = lane -> {
            Properties props = new Properties();
            props.putAll(base);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, base.getProperty(ProducerConfig.CLIENT_ID_CONFIG, "ingestion")
                    + "-" + lane);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(config, lane));
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer());
            HttpServerHost current = host.get();
            if (current != null && created.size() < config.producers()) {
                current.bindKafkaProducer(producer);
            }
            created.add(producer);
            return producer;
        };
        IngestionService service = start(config, serdes, factory, config.producers(), maxRecordBytes);
        host.set(service.http);
        return service;
    }

    /**
     * The producer settings of every lane: the platform's (acks=all, idempotent, lz4, {@code kafka.*}), bounded in
     * how long a call may block, with a transaction timeout that lets a crashed instance's open transaction expire
     * soon (read_committed readers wait for it).
     */
    static Properties producerProperties(IngestionConfig config) {
        PlatformConfig platform = config.platform();
        Properties props = KafkaClients.producerProperties(platform, IngestionConfig.SERVICE_NAME);
        Map<String, String> overrides = platform.kafkaProperties();
        if (!overrides.containsKey(ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.ackTimeout().toMillis()));
        }
        if (!overrides.containsKey(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)) {
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "30000");
        }
        if (!overrides.containsKey(ProducerConfig.LINGER_MS_CONFIG)) {
            // The commit flushes a request's records, so lingering until then delays nothing, and they go out in
            // full batches. With linger 0 the sender shipped each partial batch as soon as it woke while the lane was
            // still appending: several produce requests per transaction for the broker, and a new compression
            // buffer (64 KiB, zeroed) per small batch, the lanes' largest cost in a profile.
            props.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(LANE_LINGER_MS));
        }
        if (!overrides.containsKey(ProducerConfig.BATCH_SIZE_CONFIG)) {
            // A batch of 500 events is about 25 KB per partition of three: one batch each, not two.
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(LANE_BATCH_BYTES));
        }
        return props;
    }

    /** How long a lane's records may wait for the commit that flushes them (see {@link #producerProperties}). */
    static final int LANE_LINGER_MS = 50;
    /** A lane's producer batch per partition: a request's records for one partition usually fit one. */
    static final int LANE_BATCH_BYTES = 64 * 1024;

    /** Stable per instance and lane, so a restarted instance (same {@code instance.id}) fences its predecessor. */
    static String transactionalId(IngestionConfig config, int lane) {
        return "mlcycle-" + config.pipeline() + "-ingestion-" + config.platform().instanceId() + "-" + lane;
    }

    /**
     * Starts the HTTP endpoint over one given producer (owned and closed by the service), for tests with a
     * MockProducer: one lane.
     */
    static IngestionService start(IngestionConfig config, PipelineSerdes serdes, Producer<byte[], byte[]> producer) {
        return start(config, serdes, lane -> producer, 1, EventIngestor.DEFAULT_MAX_RECORD_BYTES);
    }

    /** Metric name of the normalisations applied, tagged {@code field} (a spec field) and {@code rule}. */
    static final String NORMALIZATIONS = "mlcycle.ingestion.normalizations";

    /** One counter per spec field and normalisation rule (fixed tag sets, never raw input). */
    static FixedTagCounters normalizationCounters(MeterRegistry meters, PipelineSpec spec) {
        return new FixedTagCounters(meters, NORMALIZATIONS, "values changed by a declared normalisation",
                Tags.of("pipeline", spec.pipeline()), "field", spec.data().fields().stream().map(FieldSpec::name).toList(),
                "rule", Arrays.stream(NormalizationRule.values()).map(NormalizationRule::key).toList());
    }

    /** As above, with a producer per lane and the largest Kafka record the producers send. */
    static IngestionService start(IngestionConfig config, PipelineSerdes serdes,
                                  TransactionalWriter.ProducerFactory producers, int lanes, int maxRecordBytes) {
        Serializer<String> keys = serdes.keySerde(Topics.DATA_RAW).serializer();
        Serializer<GenericRecord> data = serdes.valueSerde(Topics.DATA_RAW).serializer();
        Serializer<QuarantineRecord> quarantine = serdes.valueSerde(Topics.DATA_QUARANTINE).serializer();
        TransactionalWriter writer = new TransactionalWriter(producers, lanes, config.maxQueuedBatches(),
                config.maxInflightBytes(), config.ackTimeout(), IngestionConfig.SERVICE_NAME + "-kafka");
        HttpServerHost http;
        try {
            PlatformConfig platform = config.platform();
            HttpServerHost.Options options = HttpServerHost.Options.from(platform.source(), IngestionConfig.SERVICE_NAME)
                    .withMaxBodyBytes(config.maxBodyBytes())
                    .withThreads(config.httpThreads());
            http = new HttpServerHost(platform.httpHost(), platform.httpPort(), options);
            FixedTagCounters normalizations = normalizationCounters(http.meterRegistry(), config.spec());
            EventIngestor ingestor = new EventIngestor(config.spec(), serdes.topicName(Topics.DATA_RAW),
                    serdes.topicName(Topics.DATA_QUARANTINE), keys, data, quarantine, writer, maxRecordBytes,
                    Clock.systemUTC(), EventIds::newTimeOrderedId,
                    (field, rule) -> normalizations.increment(field, rule.key()));
            new IngestionHttpApi(ingestor, config.retryAfterSeconds(), config.maxRecordsPerRequest(),
                    config.idempotencyCacheSize(), config.idempotencyTtl(), http.meterRegistry(), http.objectMapper())
                    .register(http);
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
        IngestionService service = new IngestionService(config, http, writer);
        http.readinessCheck("producer", () -> !service.closed);
        try {
            http.start();
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
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

    /** Stops accepting requests, then finishes the transactions under way and closes the producers (bounded). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            http.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the HTTP endpoint failed: {}", e.toString());
        }
        writer.close();
        LOG.info("Ingestion for pipeline {} stopped", config.pipeline());
    }
}
