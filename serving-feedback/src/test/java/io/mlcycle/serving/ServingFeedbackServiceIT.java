package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service against a real broker and registry: champion hot swap from {@code <p>.models}, stream scoring of
 * {@code <p>.data.validated}, HTTP predict and feedback, and the labeled examples carrying their predictions.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingFeedbackServiceIT {
    private static final PipelineSpec SPEC = TestFixtures.spec();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalStack stack;
    private static ServingFeedbackConfig config;
    private static Path stateDir;
    private static ServingFeedbackService service;
    private static PipelineSerdes serdes;
    private static RestSchemaRegistryClient registry;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.ephemeral();
        stateDir = Files.createTempDirectory("serving-it");
        ConfigSource source = ConfigSource.of(Map.of(
                PlatformConfig.PIPELINE_SPEC, TestFixtures.specPath().toString(),
                PlatformConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers(),
                PlatformConfig.SCHEMA_REGISTRY_URL, stack.registryUrl(),
                PlatformConfig.HTTP_PORT, "0",
                PlatformConfig.STATE_DIR, stateDir.toString(),
                ServingFeedbackConfig.PUNCTUATE_INTERVAL, "PT1S"));
        config = ServingFeedbackConfig.from(source);
        service = ServingFeedbackService.start(config);
        registry = RestSchemaRegistryClient.forUrls(stack.registryUrl());
        serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults(), SPEC.pipeline(), SPEC.dataSchema());
    }

    @AfterAll
    static void stopStack() {
        if (service != null) {
            service.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void scoresJoinsFeedbackAndSwapsChampionsWithoutRestart() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(service::isReady);
        assertThat(get("/v1/pipelines/credit/model").statusCode()).isEqualTo(404);

        publishModel(TestFixtures.champion(SPEC, 1, 0.0));
        await().atMost(Duration.ofSeconds(20)).until(() -> modelVersion().equals("credit-v1"));

        produceEvent("e-1", 60);
        produceEvent("e-2", 25);
        List<Prediction> first = await().atMost(Duration.ofSeconds(30)).until(
                () -> read(Topics.PREDICTIONS), ps -> ids(ps).containsAll(List.of("e-1", "e-2")));
        assertThat(first).filteredOn(p -> p.getEventId().equals("e-1")).singleElement().satisfies(p -> {
            assertThat(p.getModelVersion()).isEqualTo("credit-v1");
            assertThat(p.getSource()).isEqualTo("stream");
            assertThat(p.getScore()).isCloseTo(TestFixtures.expectedScore(0.0, 1.0, 60),
                    org.assertj.core.data.Offset.offset(1e-9));
            assertThat(p.getFeatures()).containsEntry("age", 60);
        });

        // HTTP predict for an event that never goes through validation: its logged prediction supplies the event.
        HttpResponse<String> predicted = post("/v1/pipelines/credit/predict", "{\"event_id\":\"h-1\","
                + "\"application_id\":\"a-h1\",\"applied_at\":\"2025-03-01T11:00:00Z\",\"age\":44,"
                + "\"income\":1000,\"employment\":\"student\"}");
        assertThat(predicted.statusCode()).isEqualTo(200);
        String httpPredictionId = JSON.readTree(predicted.body()).get("prediction_id").textValue();
        await().atMost(Duration.ofSeconds(20)).until(() -> ids(read(Topics.PREDICTIONS)).contains("h-1"));

        HttpResponse<String> feedback = post("/v1/pipelines/credit/feedback",
                "[{\"event_id\":\"e-1\",\"label\":true},{\"event_id\":\"h-1\",\"label\":\"no\"}]");
        assertThat(feedback.statusCode()).isEqualTo(202);

        List<LabeledExample> examples = await().atMost(Duration.ofSeconds(30)).until(
                () -> read(Topics.EXAMPLES_LABELED), es -> es.size() >= 2);
        LabeledExample e1 = examples.stream().filter(e -> e.getEventId().equals("e-1")).findFirst().orElseThrow();
        assertThat(e1.getPositive()).isTrue();
        assertThat(e1.getEntityKey()).isEqualTo("app-e-1");
        assertThat(e1.getFeatures()).containsEntry("age", 60);
        assertThat(e1.getPredictions()).extracting(s -> s.getModelVersion()).containsExactly("credit-v1");
        LabeledExample h1 = examples.stream().filter(e -> e.getEventId().equals("h-1")).findFirst().orElseThrow();
        assertThat(h1.getPositive()).isFalse();
        assertThat(h1.getFeatures()).containsEntry("employment", "student");
        assertThat(h1.getPredictions()).extracting(s -> s.getPredictionId()).containsExactly(httpPredictionId);

        // A tampered version is refused with an alert; a newer valid champion then takes over without a restart.
        byte[] artifact = TestFixtures.artifact(SPEC, 5.0, 1.0);
        publishModel(TestFixtures.modelVersion(SPEC, 2, Stage.CHAMPION, artifact,
                ModelArtifacts.sha256(TestFixtures.artifact(SPEC, 0.1, 1.0))));
        List<Alert> alerts = await().atMost(Duration.ofSeconds(20)).until(() -> read(Topics.MONITORING_ALERTS),
                as -> as.stream().anyMatch(a -> a.getType() == AlertType.MODEL_LOAD_FAILURE));
        assertThat(alerts).anySatisfy(a -> assertThat(a.getSubject()).isEqualTo("credit-v2"));
        assertThat(modelVersion()).isEqualTo("credit-v1");

        publishModel(TestFixtures.champion(SPEC, 3, 2.0));
        await().atMost(Duration.ofSeconds(20)).until(() -> modelVersion().equals("credit-v3"));
        produceEvent("e-3", 60);
        List<Prediction> after = await().atMost(Duration.ofSeconds(30)).until(
                () -> read(Topics.PREDICTIONS), ps -> ids(ps).contains("e-3"));
        assertThat(after).filteredOn(p -> p.getEventId().equals("e-3")).singleElement()
                .satisfies(p -> assertThat(p.getModelVersion()).isEqualTo("credit-v3"));

        String metrics = get("/metrics").body();
        assertThat(metrics).contains("mlcycle_serving_predictions_total").contains("mlcycle_serving_model_refused_total");
    }

    @Test
    @Order(2)
    void aBacklogReadAfterARestartIsScoredAndJoinedAndCanariesAreDecidedOnOnlineEvidence() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(service::isReady);
        await().atMost(Duration.ofSeconds(20)).until(() -> modelVersion().equals("credit-v3"));
        service.close();

        // While serving is down: a better canary is registered, and events with their outcomes pile up.
        publishModel(version(4, Stage.CANARY, 4.0));
        int backlog = 240;
        produceTraffic("r", backlog);

        service = ServingFeedbackService.start(config);
        // Every backlog event is scored (the registry is replayed before stream scoring starts), its outcome joined.
        List<LabeledExample> joined = await().atMost(Duration.ofSeconds(60)).until(
                () -> read(Topics.EXAMPLES_LABELED).stream().filter(e -> e.getEventId().startsWith("r-")).toList(),
                es -> es.size() >= backlog);
        assertThat(joined).hasSize(backlog).allSatisfy(e -> assertThat(e.getPredictions()).isNotEmpty());
        assertThat(joined).anySatisfy(e -> assertThat(e.getPredictions()).extracting(p -> p.getVariant())
                .contains(io.mlcycle.avro.Variant.CANARY, io.mlcycle.avro.Variant.CHAMPION));
        assertThat(service.metrics().count(ServingMetrics.FEEDBACK_UNMATCHED)).isZero();

        // The canary was significantly no worse on the paired outcomes: serving decides PROMOTE (once for the
        // pipeline) on <p>.models.decisions and never writes the registry itself; the orchestrator applies decisions
        // (here the test plays its part), and serving follows the registry by itself.
        StageDecision promoted = await().atMost(Duration.ofSeconds(30)).until(() -> read(Topics.MODELS_DECISIONS),
                ds -> ds.stream().anyMatch(d -> d.getModelVersion().equals("credit-v4"))).stream()
                .filter(d -> d.getModelVersion().equals("credit-v4")).findFirst().orElseThrow();
        assertThat(promoted.getDecision()).isEqualTo(DecisionKind.PROMOTE);
        assertThat(promoted.getFromStage()).isEqualTo(Stage.CANARY);
        assertThat(promoted.getToStage()).isEqualTo(Stage.CHAMPION);
        assertThat(promoted.getComparedWith()).isEqualTo("credit-v3");
        assertThat(promoted.getEvidence()).contains("promoted on online evidence");
        assertThat(read(Topics.MODELS)).as("serving writes no registry record").noneMatch(v ->
                v.getHistory().stream().anyMatch(t -> t.getBy().equals(OnlineMonitor.DECIDED_BY)));
        ModelVersion canary = version(4, Stage.CANARY, 4.0);
        publishModel(applied(canary, promoted));
        publishModel(applied(TestFixtures.champion(SPEC, 3, 2.0), Stage.RETIRED, promoted));
        await().atMost(Duration.ofSeconds(20)).until(() -> modelVersion().equals("credit-v4"));

        // A worse canary is rolled back by itself.
        publishModel(version(5, Stage.CANARY, -4.0));
        await().atMost(Duration.ofSeconds(20)).until(() -> service.models().canary() != null
                && service.models().canary().version().equals("credit-v5"));
        produceTraffic("w", 120);
        StageDecision rolledBack = await().atMost(Duration.ofSeconds(60)).until(
                () -> read(Topics.MODELS_DECISIONS), ds -> ds.stream().anyMatch(d -> d.getModelVersion()
                        .equals("credit-v5"))).stream().filter(d -> d.getModelVersion().equals("credit-v5"))
                .findFirst().orElseThrow();
        assertThat(rolledBack.getDecision()).isEqualTo(DecisionKind.ROLLBACK);
        assertThat(rolledBack.getToStage()).isEqualTo(Stage.REJECTED);
        assertThat(rolledBack.getEvidence()).contains("rolled back on online evidence");
        assertThat(read(Topics.MODELS_DECISIONS)).as("one decision per challenger, for the whole pipeline")
                .hasSize(2);
        assertThat(modelVersion()).isEqualTo("credit-v4");
    }

    /** The registry record the orchestrator writes for a decision (StageDecisions), signed. */
    private static ModelVersion applied(ModelVersion version, StageDecision decision) {
        return applied(version, decision.getToStage(), decision);
    }

    private static ModelVersion applied(ModelVersion version, Stage to, StageDecision decision) {
        return io.mlcycle.mlcore.registry.ModelSigning.development().sign(
                io.mlcycle.mlcore.registry.StageTransitions.transition(version, to, decision.getDecidedAt(),
                        "training-orchestrator", decision.getEvidence()));
    }

    /** A version scoring sigmoid(ageWeight * (age - 40) / 10); the outcomes of produceTraffic are "age above 40". */
    private static ModelVersion version(int number, Stage stage, double ageWeight) {
        byte[] artifact = TestFixtures.artifact(SPEC, 0.0, ageWeight);
        return TestFixtures.modelVersion(SPEC, number, stage, artifact, ModelArtifacts.sha256(artifact));
    }

    /** Events of distinct applicants and, right after, their outcomes. */
    private static void produceTraffic(String prefix, int count) throws Exception {
        try (KafkaProducer<String, GenericRecord> events = new KafkaProducer<>(producerProps(),
                new StringSerializer(), serdes.valueSerde(Topics.DATA_VALIDATED).serializer());
             KafkaProducer<String, io.mlcycle.avro.Feedback> outcomes = new KafkaProducer<>(producerProps(),
                     new StringSerializer(), serdes.valueSerde(Topics.FEEDBACK).serializer())) {
            for (int i = 0; i < count; i++) {
                String eventId = prefix + "-" + i;
                int age = 20 + (i * 37) % 45;
                events.send(new ProducerRecord<>(Topics.DATA_VALIDATED.name(SPEC.pipeline()), eventId,
                        TestFixtures.event(SPEC, "app-" + eventId, age, 3000.0, "employed", Instant.now())));
            }
            events.flush();
            for (int i = 0; i < count; i++) {
                String eventId = prefix + "-" + i;
                int age = 20 + (i * 37) % 45;
                outcomes.send(new ProducerRecord<>(Topics.FEEDBACK.name(SPEC.pipeline()), eventId,
                        io.mlcycle.avro.Feedback.newBuilder().setEventId(eventId)
                                .setLabel(Boolean.toString(age > 40)).setObservedAt(Instant.now())
                                .setSource("it").build()));
            }
            outcomes.flush();
        }
    }

    private static List<String> ids(List<Prediction> predictions) {
        return predictions.stream().map(Prediction::getEventId).toList();
    }

    private static String modelVersion() throws Exception {
        HttpResponse<String> response = get("/v1/pipelines/credit/model");
        return response.statusCode() == 200 ? JSON.readTree(response.body()).get("version").textValue() : "";
    }

    private static void publishModel(ModelVersion version) throws Exception {
        try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(producerProps(), new StringSerializer(),
                serdes.valueSerde(Topics.MODELS).serializer())) {
            producer.send(new ProducerRecord<>(Topics.MODELS.name(SPEC.pipeline()), version.getVersion(), version)).get();
        }
    }

    private static void produceEvent(String eventId, int age) throws Exception {
        GenericRecord event = TestFixtures.event(SPEC, "app-" + eventId, age, 3000.0, "employed",
                Instant.now().minusSeconds(60));
        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(producerProps(),
                new StringSerializer(), serdes.valueSerde(Topics.DATA_VALIDATED).serializer())) {
            producer.send(new ProducerRecord<>(Topics.DATA_VALIDATED.name(SPEC.pipeline()), eventId, event)).get();
        }
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    /** Everything committed on a topic so far. */
    private static <V> List<V> read(TopicDescriptor<String, V> topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<V> values = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                serdes.valueSerde(topic).deserializer())) {
            String name = topic.name(SPEC.pipeline());
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(name).forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Predicate<TopicPartition> behind = tp -> consumer.position(tp) < end.get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(behind) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(service.httpBaseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(service.httpBaseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
