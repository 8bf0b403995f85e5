package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Prediction;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.kafka.KafkaClients;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.kafka.StreamsSettings;
import io.mlcycle.platform.lifecycle.StreamsRunner;
import io.mlcycle.platform.lifecycle.Terminating;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving-feedback service of one pipeline: serves the champion model and joins outcomes with predictions.
 *
 * <ul>
 *   <li>Reads {@code <p>.models} (the registry, from the beginning) and hot-swaps the champion
 *       ({@link ModelRegistryWatcher}); refused versions raise MODEL_LOAD_FAILURE on {@code <p>.monitoring.alerts}.</li>
 *   <li>One Kafka Streams application ({@link ServingTopology}, exactly-once v2) reads {@code <p>.data.validated},
 *       {@code <p>.predictions} and {@code <p>.feedback}; writes {@code <p>.predictions},
 *       {@code <p>.examples.labeled}, {@code <p>.data.quarantine} and {@code <p>.monitoring.alerts}.</li>
 *   <li>HTTP: {@code POST /v1/pipelines/{p}/predict} (logged to {@code <p>.predictions}),
 *       {@code POST /v1/pipelines/{p}/feedback} (to {@code <p>.feedback}), {@code GET /v1/pipelines/{p}/model},
 *       plus the platform's {@code /health/live}, {@code /health/ready} and {@code /metrics}.</li>
 * </ul>
 * The streams application starts only once the registry has been replayed to the end it had at start, so events are
 * never scored before the champion loads. Ready while the streams client runs and the registry is followed.
 */
public final class ServingFeedbackService implements AutoCloseable, Terminating {
    private static final Logger LOG = LoggerFactory.getLogger(ServingFeedbackService.class);

    private final ServingFeedbackConfig config;
    private final List<AutoCloseable> resources;
    private final HttpServerHost http;
    private final StreamsRunner streams;
    private final ModelRegistryConsumer registryConsumer;
    private final ModelRegistryWatcher watcher;
    private final ServingMetrics metrics;
    private volatile boolean closed;

    private ServingFeedbackService(ServingFeedbackConfig config, List<AutoCloseable> resources, HttpServerHost http,
                                   StreamsRunner streams, ModelRegistryConsumer registryConsumer,
                                   ModelRegistryWatcher watcher, ServingMetrics metrics) {
        this.config = config;
        this.resources = resources;
        this.http = http;
        this.streams = streams;
        this.registryConsumer = registryConsumer;
        this.watcher = watcher;
        this.metrics = metrics;
    }

    /** Creates the pipeline's topics and registers its schemas, starts the registry watcher, the streams application and the HTTP host. */
    public static ServingFeedbackService start(ServingFeedbackConfig config) {
        PlatformConfig platform = config.platform();
        String pipeline = config.pipeline();
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            PipelineSerdes serdes = PipelineBootstrap.prepare(platform, pipeline, config.spec().dataSchema()).serdes();

            HttpServerHost http = HttpServerHost.create(platform, ServingFeedbackConfig.SERVICE_NAME);
            resources.add(http);
            ServingMetrics metrics = new ServingMetrics(http.meterRegistry(), pipeline);

            Properties producerProps = KafkaClients.producerProperties(platform, ServingFeedbackConfig.SERVICE_NAME);
            // A request thread must not hang for the default minute when Kafka is unreachable.
            producerProps.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG,
                    Long.toString(config.sendTimeout().toMillis()));
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    new ByteArraySerializer());
            resources.add(() -> producer.close(Duration.ofSeconds(10)));
            http.bindKafkaProducer(producer);
            // Predictions get a producer of their own, tuned for many small records logged off the request path:
            // a longer linger fills batches, no compression spares CPU; a predict never queues behind feedback.
            Properties predictionProps = KafkaClients.producerProperties(platform,
                    ServingFeedbackConfig.SERVICE_NAME + "-predictions");
            predictionProps.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            predictionProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
            predictionProps.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG,
                    Long.toString(config.sendTimeout().toMillis()));
            KafkaProducer<String, byte[]> predictionProducer = new KafkaProducer<>(predictionProps,
                    new StringSerializer(), new ByteArraySerializer());
            resources.add(() -> predictionProducer.close(Duration.ofSeconds(10)));
            TopicWriter writer = new TopicWriter(producer, predictionProducer, serdes, metrics);
            // A predict hands its predictions to this queue and answers; its own thread serialises and sends them,
            // so a slow or absent Kafka never holds a request (closed before the producer, sending what is queued).
            PredictionLogQueue predictionLog = new PredictionLogQueue(writer::prediction,
                    config.predictionLogCapacity(), metrics, "prediction-log-" + pipeline);
            resources.add(predictionLog);

            ModelRegistryWatcher watcher = new ModelRegistryWatcher(config.spec(), writer::alert, metrics,
                    Clock.systemUTC(), io.mlcycle.mlcore.registry.ModelSigning.fromConfig(
                            platform.source().find(io.mlcycle.mlcore.registry.ModelSigning.CONFIG_KEY)));
            Properties consumerProps = KafkaClients.consumerProperties(platform, null, "model-registry");
            // No group: every instance reads the whole registry and never commits.
            consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
            KafkaConsumer<String, ModelVersion> consumer = new KafkaConsumer<>(consumerProps,
                    new StringDeserializer(), serdes.valueSerde(Topics.MODELS).deserializer());
            ModelRegistryConsumer registryConsumer = new ModelRegistryConsumer(consumer, Topics.MODELS.name(pipeline),
                    watcher);
            resources.add(registryConsumer);
            registryConsumer.start();
            // Stream scoring must not start before the champion present at start is loaded: an event processed
            // earlier would be logged unscored, for good (also after a crash, as its offset is committed).
            awaitRegistry(registryConsumer, config);

            Properties streamsProps = StreamsSettings.forApplication(platform, config.applicationId());
            streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
            StreamsRunner streams = StreamsRunner.start(config.applicationId(),
                    ServingTopology.buildTopology(config, serdes, watcher, metrics), streamsProps);
            resources.add(streams);
            http.bindKafkaStreams(streams.streams());
            resources.add(io.mlcycle.serving.truth.TruthTopology.start(config, platform, serdes, watcher));

            Clock clock = Clock.systemUTC();
            // A small predict (a few records) takes microseconds and never blocks: answered on the event loop, with
            // a smaller limit while a canary and shadows score each record as well.
            http.routeInline("POST", "/v1/pipelines/{pipeline}/predict", new PredictHandler(config.spec(),
                    watcher, predictionLog, metrics, clock, config.maxRecordsPerRequest()),
                    () -> PredictHandler.inlineMaxBodyBytes(watcher.models()));
            http.route("POST", "/v1/pipelines/{pipeline}/feedback", new FeedbackHandler(config.spec(),
                    writer::feedback, clock, config.maxRecordsPerRequest(), config.sendTimeout()));
            http.route("GET", "/v1/pipelines/{pipeline}/model", new ModelHandler(pipeline, watcher));
            http.readinessCheck("streams", streams::isReady);
            http.readinessCheck("model-registry", registryConsumer::isFollowing);
            http.start();
            LOG.info("serving-feedback for pipeline {} listening on {}", pipeline, http.baseUrl());
            return new ServingFeedbackService(config, resources, http, streams, registryConsumer, watcher, metrics);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    private static void awaitRegistry(ModelRegistryConsumer registryConsumer, ServingFeedbackConfig config) {
        try {
            if (!registryConsumer.awaitReplayed(config.registryReplayTimeout())) {
                throw new IllegalStateException("The model registry " + Topics.MODELS.name(config.pipeline())
                        + " was not replayed within " + config.registryReplayTimeout() + " (configuration '"
                        + ServingFeedbackConfig.REGISTRY_REPLAY_TIMEOUT + "'); stream scoring cannot start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the model registry", e);
        }
    }

    /** e.g. {@code http://127.0.0.1:8182}. */
    public URI httpBaseUrl() {
        return http.baseUrl();
    }

    public int httpPort() {
        return http.port();
    }

    /** Streams running, the model registry replayed once and followed now. */
    public boolean isReady() {
        return !closed && streams.isReady() && registryConsumer.isFollowing();
    }

    /** Every model serving now: champion, canary, shadows. */
    public ServingModels models() {
        return watcher.models();
    }

    /** The champion serving now. */
    public Optional<LoadedModel> champion() {
        return watcher.champion();
    }

    public ServingMetrics metrics() {
        return metrics;
    }

    public ServingFeedbackConfig config() {
        return config;
    }

    @Override
    public CompletionStage<?> terminated() {
        return streams.terminated();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // HTTP first, so no request arrives while the producer and the streams client stop.
        http.close();
        closeAll(resources);
        LOG.info("serving-feedback for pipeline {} stopped", config.pipeline());
    }

    /** Closes in reverse order of creation: streams, registry consumer, producer, HTTP host, registry client. */
    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", resources.get(i), e.toString());
            }
        }
    }

    /** Serialises with the pipeline's serdes; predictions through their own producer, the rest through the shared one. */
    private static final class TopicWriter {
        private final KafkaProducer<String, byte[]> producer;
        private final KafkaProducer<String, byte[]> predictionProducer;
        private final ServingMetrics metrics;
        private final String predictionsTopic;
        private final String feedbackTopic;
        private final String alertsTopic;
        private final Serializer<Prediction> predictionSerializer;
        private final Serializer<Feedback> feedbackSerializer;
        private final Serializer<Alert> alertSerializer;

        TopicWriter(KafkaProducer<String, byte[]> producer, KafkaProducer<String, byte[]> predictionProducer,
                    PipelineSerdes serdes, ServingMetrics metrics) {
            this.producer = producer;
            this.predictionProducer = predictionProducer;
            this.metrics = metrics;
            this.predictionsTopic = serdes.topicName(Topics.PREDICTIONS);
            this.feedbackTopic = serdes.topicName(Topics.FEEDBACK);
            this.alertsTopic = serdes.topicName(Topics.MONITORING_ALERTS);
            this.predictionSerializer = serdes.valueSerde(Topics.PREDICTIONS).serializer();
            this.feedbackSerializer = serdes.valueSerde(Topics.FEEDBACK).serializer();
            this.alertSerializer = serdes.valueSerde(Topics.MONITORING_ALERTS).serializer();
        }

        /** Never throws: the caller already has its prediction; a logging failure is counted and logged. */
        void prediction(Prediction prediction) {
            try {
                byte[] value = predictionSerializer.serialize(predictionsTopic, prediction);
                predictionProducer.send(new ProducerRecord<>(predictionsTopic, prediction.getEventId(), value),
                        (metadata, error) -> {
                            if (error != null) {
                                predictionNotLogged(prediction, error);
                            }
                        });
            } catch (RuntimeException e) {
                predictionNotLogged(prediction, e);
            }
        }

        private void predictionNotLogged(Prediction prediction, Exception error) {
            metrics.predictionLogFailure();
            LOG.warn("Prediction {} could not be logged to {}: {}", prediction.getPredictionId(), predictionsTopic,
                    error.toString());
        }

        CompletableFuture<Void> feedback(Feedback feedback) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            try {
                byte[] value = feedbackSerializer.serialize(feedbackTopic, feedback);
                producer.send(new ProducerRecord<>(feedbackTopic, feedback.getEventId(), value), (metadata, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else {
                        done.complete(null);
                    }
                });
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
            return done;
        }

        void alert(Alert alert) {
            try {
                byte[] value = alertSerializer.serialize(alertsTopic, alert);
                producer.send(new ProducerRecord<>(alertsTopic, Records.alertKey(alert), value), (metadata, error) -> {
                    if (error != null) {
                        LOG.warn("Alert {} could not be written to {}: {}", alert.getAlertId(), alertsTopic,
                                error.toString());
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("Alert {} could not be written to {}: {}", alert.getAlertId(), alertsTopic, e.toString());
            }
        }
    }
}
