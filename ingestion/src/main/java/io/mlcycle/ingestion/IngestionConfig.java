package io.mlcycle.ingestion;

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
 * The ingestion service's settings: the shared {@link PlatformConfig}, the parsed pipeline spec, and the service's
 * own keys (defaults in one place, below).
 *
 * @param platform          shared settings ({@code http.port} defaults to {@value #DEFAULT_HTTP_PORT})
 * @param spec              the pipeline spec named by {@code pipeline.spec}
 * @param maxBodyBytes      {@value #MAX_BODY_BYTES}: larger request bodies get 413 (default 10 MiB)
 * @param ackTimeout        {@value #ACK_TIMEOUT}: how long a request waits for Kafka's acknowledgements before
 *                          answering 503 (default 10 s)
 * @param retryAfterSeconds {@value #RETRY_AFTER_SECONDS}: the Retry-After of a 503 (default 5)
 * @param httpThreads       {@value #HTTP_THREADS}: request handler threads (default 4)
 * @param maxRecordsPerRequest {@value #MAX_RECORDS_PER_REQUEST}: more events in one request get 413 (default 10,000)
 * @param producers         {@value #PRODUCERS}: transactional producers writing requests in parallel (default 4)
 * @param maxQueuedBatches  {@value #MAX_QUEUED_BATCHES}: requests waiting for a producer, beyond which 503 (default 64)
 * @param maxInflightBytes  {@value #MAX_INFLIGHT_BYTES}: record bytes waiting for Kafka, beyond which 503
 *                          (default 32 MiB)
 * @param idempotencyCacheSize {@value #IDEMPOTENCY_CACHE_SIZE}: Idempotency-Keys remembered (default 10,000)
 * @param idempotencyTtl    {@value #IDEMPOTENCY_TTL}: how long an Idempotency-Key is remembered (default 1 h)
 */
public record IngestionConfig(PlatformConfig platform, PipelineSpec spec, int maxBodyBytes, Duration ackTimeout,
                              int retryAfterSeconds, int httpThreads, int maxRecordsPerRequest, int producers,
                              int maxQueuedBatches, long maxInflightBytes, int idempotencyCacheSize,
                              Duration idempotencyTtl) {

    public static final String SERVICE_NAME = "ingestion";
    public static final int DEFAULT_HTTP_PORT = 8180;

    public static final String MAX_BODY_BYTES = "ingestion.max.body.bytes";
    public static final String ACK_TIMEOUT = "ingestion.ack.timeout";
    public static final String RETRY_AFTER_SECONDS = "ingestion.retry.after.seconds";
    public static final String HTTP_THREADS = "ingestion.http.threads";
    public static final String MAX_RECORDS_PER_REQUEST = "ingestion.max.records.per.request";
    public static final String PRODUCERS = "ingestion.producers";
    public static final String MAX_QUEUED_BATCHES = "ingestion.max.queued.batches";
    public static final String MAX_INFLIGHT_BYTES = "ingestion.max.inflight.bytes";
    public static final String IDEMPOTENCY_CACHE_SIZE = "ingestion.idempotency.cache.size";
    public static final String IDEMPOTENCY_TTL = "ingestion.idempotency.ttl";

    public static final int DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_RETRY_AFTER_SECONDS = 5;
    public static final int DEFAULT_HTTP_THREADS = 4;
    public static final int DEFAULT_MAX_RECORDS_PER_REQUEST = 10_000;
    public static final int DEFAULT_PRODUCERS = 4;
    public static final int DEFAULT_MAX_QUEUED_BATCHES = 64;
    public static final long DEFAULT_MAX_INFLIGHT_BYTES = 32L * 1024 * 1024;
    public static final int DEFAULT_IDEMPOTENCY_CACHE_SIZE = 10_000;
    public static final Duration DEFAULT_IDEMPOTENCY_TTL = Duration.ofHours(1);

    /** The settings of earlier versions, the newer ones at their defaults. */
    public IngestionConfig(PlatformConfig platform, PipelineSpec spec, int maxBodyBytes, Duration ackTimeout,
                           int retryAfterSeconds, int httpThreads) {
        this(platform, spec, maxBodyBytes, ackTimeout, retryAfterSeconds, httpThreads, DEFAULT_MAX_RECORDS_PER_REQUEST,
                DEFAULT_PRODUCERS, DEFAULT_MAX_QUEUED_BATCHES, DEFAULT_MAX_INFLIGHT_BYTES,
                DEFAULT_IDEMPOTENCY_CACHE_SIZE, DEFAULT_IDEMPOTENCY_TTL);
    }

    public IngestionConfig {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(ackTimeout, "ackTimeout");
        if (maxBodyBytes < 1) {
            throw new ConfigException("Invalid value " + maxBodyBytes + " for configuration '" + MAX_BODY_BYTES
                    + "': expected a positive number of bytes");
        }
        if (ackTimeout.isNegative() || ackTimeout.isZero()) {
            throw new ConfigException("Invalid value " + ackTimeout + " for configuration '" + ACK_TIMEOUT
                    + "': expected a positive duration");
        }
        if (retryAfterSeconds < 1) {
            throw new ConfigException("Invalid value " + retryAfterSeconds + " for configuration '"
                    + RETRY_AFTER_SECONDS + "': expected a positive number of seconds");
        }
        if (httpThreads < 1) {
            throw new ConfigException("Invalid value " + httpThreads + " for configuration '" + HTTP_THREADS
                    + "': expected at least 1");
        }
        Objects.requireNonNull(idempotencyTtl, "idempotencyTtl");
        requirePositive(maxRecordsPerRequest, MAX_RECORDS_PER_REQUEST);
        requirePositive(producers, PRODUCERS);
        requirePositive(maxQueuedBatches, MAX_QUEUED_BATCHES);
        requirePositive(maxInflightBytes, MAX_INFLIGHT_BYTES);
        requirePositive(idempotencyCacheSize, IDEMPOTENCY_CACHE_SIZE);
        requirePositive(idempotencyTtl.toMillis(), IDEMPOTENCY_TTL);
    }

    private static void requirePositive(long value, String key) {
        if (value < 1) {
            throw new ConfigException("Invalid value " + value + " for configuration '" + key
                    + "': expected a positive number");
        }
    }

    /**
     * Reads and validates every setting; the spec file is parsed here.
     *
     * @throws ConfigException naming every bad key (an invalid spec is reported under {@code pipeline.spec})
     */
    public static IngestionConfig from(ConfigSource source) {
        PlatformConfig platform = PlatformConfig.from(source, DEFAULT_HTTP_PORT);
        List<String> problems = new ArrayList<>();
        int maxBody = ConfigException.collect(problems, () -> source.getInt(MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, 1, Integer.MAX_VALUE - 1),
                DEFAULT_MAX_BODY_BYTES);
        Duration ackTimeout = ConfigException.collect(problems, () -> source.getDuration(ACK_TIMEOUT, DEFAULT_ACK_TIMEOUT),
                DEFAULT_ACK_TIMEOUT);
        int retryAfter = ConfigException.collect(problems, () -> source.getInt(RETRY_AFTER_SECONDS, DEFAULT_RETRY_AFTER_SECONDS, 1, 3600),
                DEFAULT_RETRY_AFTER_SECONDS);
        int threads = ConfigException.collect(problems, () -> source.getInt(HTTP_THREADS, DEFAULT_HTTP_THREADS, 1, 256),
                DEFAULT_HTTP_THREADS);
        int maxRecords = ConfigException.collect(problems, () -> source.getInt(MAX_RECORDS_PER_REQUEST,
                DEFAULT_MAX_RECORDS_PER_REQUEST, 1, 10_000_000), DEFAULT_MAX_RECORDS_PER_REQUEST);
        int producers = ConfigException.collect(problems, () -> source.getInt(PRODUCERS, DEFAULT_PRODUCERS, 1, 64),
                DEFAULT_PRODUCERS);
        int queued = ConfigException.collect(problems, () -> source.getInt(MAX_QUEUED_BATCHES,
                DEFAULT_MAX_QUEUED_BATCHES, 1, 100_000), DEFAULT_MAX_QUEUED_BATCHES);
        long inflight = ConfigException.collect(problems, () -> source.getLong(MAX_INFLIGHT_BYTES,
                DEFAULT_MAX_INFLIGHT_BYTES), DEFAULT_MAX_INFLIGHT_BYTES);
        if (inflight < 1) {
            problems.add("Invalid value " + inflight + " for configuration '" + MAX_INFLIGHT_BYTES
                    + "': expected a positive number of bytes");
            inflight = DEFAULT_MAX_INFLIGHT_BYTES;
        }
        int cacheSize = ConfigException.collect(problems, () -> source.getInt(IDEMPOTENCY_CACHE_SIZE,
                DEFAULT_IDEMPOTENCY_CACHE_SIZE, 1, 10_000_000), DEFAULT_IDEMPOTENCY_CACHE_SIZE);
        Duration ttl = ConfigException.collect(problems, () -> source.getDuration(IDEMPOTENCY_TTL,
                DEFAULT_IDEMPOTENCY_TTL), DEFAULT_IDEMPOTENCY_TTL);
        if (ttl.toMillis() < 1) {
            problems.add("Invalid value " + ttl + " for configuration '" + IDEMPOTENCY_TTL
                    + "': expected a positive duration");
            ttl = DEFAULT_IDEMPOTENCY_TTL;
        }
        PipelineSpec spec = null;
        try {
            spec = parseSpec(platform.requirePipelineSpec());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new IngestionConfig(platform, spec, maxBody, ackTimeout, retryAfter, threads, maxRecords, producers,
                queued, inflight, cacheSize, ttl);
    }

    /** A copy with another HTTP port (0 = ephemeral, for tests and the all-in-one CLI). */
    public IngestionConfig withHttpPort(int port) {
        return new IngestionConfig(platform.withHttpPort(port), spec, maxBodyBytes, ackTimeout, retryAfterSeconds,
                httpThreads, maxRecordsPerRequest, producers, maxQueuedBatches, maxInflightBytes, idempotencyCacheSize,
                idempotencyTtl);
    }

    /** A copy with another record cap per request. */
    public IngestionConfig withMaxRecordsPerRequest(int records) {
        return new IngestionConfig(platform, spec, maxBodyBytes, ackTimeout, retryAfterSeconds, httpThreads, records,
                producers, maxQueuedBatches, maxInflightBytes, idempotencyCacheSize, idempotencyTtl);
    }

    /** The pipeline this service ingests for. */
    public String pipeline() {
        return spec.pipeline();
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
