package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.kafka.TopicAdmin;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import io.mlcycle.orchestrator.SyntheticCredit.Concept;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator against a real broker and registry: bootstrap on enough labeled data, a promoted champion whose
 * lineage covers exactly the produced offsets, then a manual retrain over HTTP, drift evidence about a replaced
 * champion skipped, and a restart.
 */
class OrchestratorServiceIT {

    private static final String PIPELINE = "credit";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path stateDir;

    private static LocalStack stack;
    private static OrchestratorService service;
    private static PipelineSerdes serdes;
    private static RestSchemaRegistryClient registryClient;
    private static Map<Integer, Long> producedBeforeStart;
    private static Map<String, Object> overrides;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ADMIN_TOKEN = "alice-admin-token-0123456789";

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.ephemeral();
        Path spec = stateDir.resolve("credit.yaml");
        Files.copy(Path.of(OrchestratorServiceIT.class.getResource("/specs/credit-test.yaml").toURI()), spec);
        registryClient = RestSchemaRegistryClient.forUrls(stack.registryUrl());
        serdes = new PipelineSerdes(registryClient, AvroSerdeConfig.defaults(), PIPELINE,
                PipelineSpecParser.parse(spec).dataSchema());
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()))) {
            TopicAdmin.ensureTopics(admin, PIPELINE, Topics.all());
        }
        // enough labeled examples for the bootstrap (min_examples 300), all there before the orchestrator starts
        producedBeforeStart = produce(SyntheticCredit.examples(400, Concept.LEARNABLE, 11, 0));

        overrides = new HashMap<>();
        overrides.put("bootstrap.servers", stack.bootstrapServers());
        overrides.put("schema.registry.url", stack.registryUrl());
        overrides.put("pipeline.spec", spec.toString());
        overrides.put("http.port", 0);
        overrides.put("state.dir", stateDir.resolve("state").toString());
        overrides.put("instance.id", "orchestrator-it");
        overrides.put(OrchestratorConfig.VOLUME_CHECK_INTERVAL, "PT0.2S");
        overrides.put(io.mlcycle.platform.http.AdminTokens.CONFIG_KEY, "alice:" + ADMIN_TOKEN);
        overrides.put(io.mlcycle.mlcore.registry.ModelSigning.CONFIG_KEY, "orchestrator-it-signing-key");
        service = OrchestratorService.start(OrchestratorConfig.from(ConfigSource.builder().overrides(overrides).build()));
        await().atMost(WAIT).until(service::isReady);
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
    void bootstrapsAChampionFromLabeledDataThenRetrainsOnRequest() throws Exception {
        try (Observer observer = new Observer()) {
            // 1. the 400 examples produced before the start trigger the bootstrap
            Map<Integer, Long> produced = producedBeforeStart;

            TrainingTrigger bootstrap = await().atMost(WAIT).until(
                    () -> observer.triggers.stream().filter(t -> t.getReason() == TriggerReason.BOOTSTRAP).findFirst(),
                    Optional::isPresent).orElseThrow();
            assertThat(bootstrap.getRequestedBy()).isEqualTo("training-orchestrator");
            assertThat(Long.parseLong(bootstrap.getEvidence().get("labeled_examples"))).isGreaterThanOrEqualTo(300);

            TrainingRun firstRun = awaitFinished(observer, bootstrap.getTriggerId());
            assertThat(firstRun.getStatus()).as(firstRun.getMessage()).isEqualTo(RunStatus.PROMOTED);
            assertThat(observer.statusesOf(firstRun.getRunId())).containsSubsequence(RunStatus.QUEUED,
                    RunStatus.BUILDING_DATASET, RunStatus.TRAINING, RunStatus.EVALUATING, RunStatus.PROMOTED);
            assertThat(firstRun.getModelVersion()).isEqualTo("credit-v1");
            assertThat(firstRun.getTrainExamples() + firstRun.getHoldoutExamples()).isEqualTo(400);

            ModelVersion v1 = await().atMost(WAIT).until(() -> observer.latest("credit-v1"),
                    v -> v.isPresent() && v.get().getStage() == Stage.CHAMPION).orElseThrow();
            assertThat(v1.getHistory()).extracting(t -> t.getToStage()).containsExactly(Stage.CANDIDATE, Stage.CHAMPION);
            assertThat(v1.getHistory().get(1).getBy()).isEqualTo("training-orchestrator");
            assertThat(v1.getLineage().getTriggerId()).isEqualTo(bootstrap.getTriggerId());
            assertThat(v1.getLineage().getTriggerReason()).isEqualTo(TriggerReason.BOOTSTRAP);
            assertThat(v1.getLineage().getSchemaIds()).containsKey("credit.examples.labeled-value");
            assertThat(ranges(v1)).as("lineage covers exactly the produced offsets").isEqualTo(expected(produced));
            assertThat(v1.getLineage().getTrainExamples() + v1.getLineage().getHoldoutExamples()).isEqualTo(400);

            // 2. more data, then a person asks for a retrain over HTTP
            Map<Integer, Long> producedAfter = produce(SyntheticCredit.examples(100, Concept.LEARNABLE, 12, 400));
            assertThat(post("/v1/pipelines/credit/retrain", "{\"reason\":\"x\"}", null).statusCode())
                    .as("no admin token").isEqualTo(401);
            HttpResponse<String> forbidden = post("/v1/pipelines/credit/retrain", "{\"reason\":\"x\"}", "guess-123");
            assertThat(forbidden.statusCode()).as("a wrong token").isEqualTo(403);
            assertThat(JSON.readTree(forbidden.body()).get("error").asText()).isEqualTo("forbidden");
            HttpResponse<String> accepted = post("/v1/pipelines/credit/retrain",
                    "{\"reason\":\"new data reviewed\",\"requested_by\":\"mallory\"}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(JSON.readTree(accepted.body()).get("requested_by").asText())
                    .as("who asked is the token's principal, not the body").isEqualTo("alice");
            String manualTriggerId = JSON.readTree(accepted.body()).get("trigger_id").asText();

            TrainingRun secondRun = awaitFinished(observer, manualTriggerId);
            assertThat(secondRun.getTriggerReason()).isEqualTo(TriggerReason.MANUAL);
            assertThat(secondRun.getModelVersion()).isEqualTo("credit-v2");
            ModelVersion v2 = await().atMost(WAIT).until(() -> observer.latest("credit-v2"),
                    v -> v.isPresent() && v.get().getStage() != Stage.CANDIDATE).orElseThrow();
            assertThat(v2.getLineage().getParentVersion()).isEqualTo("credit-v1");
            assertThat(v2.getChampionMetrics()).isNotNull();
            assertThat(ranges(v2)).isEqualTo(expected(producedAfter));
            if (secondRun.getStatus() == RunStatus.PROMOTED) {
                assertThat(v2.getStage()).isEqualTo(Stage.CHAMPION);
                await().atMost(WAIT).until(() -> observer.latest("credit-v1").map(ModelVersion::getStage),
                        stage -> stage.equals(Optional.of(Stage.RETIRED)));
                assertThat(observer.latest("credit-v1").orElseThrow().getHistory()).last()
                        .satisfies(t -> assertThat(t.getReason()).contains("superseded by credit-v2"));
            } else {
                assertThat(secondRun.getStatus()).isEqualTo(RunStatus.REJECTED);
                assertThat(v2.getStage()).isEqualTo(Stage.REJECTED);
                assertThat(v2.getGatesPassed()).isFalse();
                await().atMost(WAIT).until(() -> observer.alerts.stream()
                        .anyMatch(a -> a.getType() == AlertType.GATE_FAILURE && "credit-v2".equals(a.getSubject())));
                assertThat(observer.latest("credit-v1").orElseThrow().getStage()).isEqualTo(Stage.CHAMPION);
            }

            // 2b. drift evidence about a champion that is no longer current is skipped, not trained on
            String champion = secondRun.getStatus() == RunStatus.PROMOTED ? "credit-v2" : "credit-v1";
            TrainingTrigger staleDrift = TrainingTrigger.newBuilder()
                    .setTriggerId("it-stale-drift")
                    .setPipeline(PIPELINE)
                    .setReason(TriggerReason.DRIFT)
                    .setEvidence(Map.of("champion_version", "credit-v0", "feature", "income"))
                    .setRequestedBy("validation")
                    .setRequestedAt(java.time.Instant.now())
                    .build();
            publishTrigger(staleDrift);
            TrainingRun staleRun = awaitFinished(observer, staleDrift.getTriggerId());
            assertThat(staleRun.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(staleRun.getMessage()).isEqualTo("superseded: champion changed from credit-v0 to " + champion
                    + " since the evidence; validation re-checks drift against the new champion");

            // 2c. a forged champion (right digest, no valid signature) is refused with an alert and changes nothing
            ModelVersion current = observer.latest(champion).orElseThrow();
            byte[] evil = "{\"format\":\"forged\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ModelVersion forged = ModelVersion.newBuilder(current).setVersion("credit-v999").setVersionNumber(999)
                    .setArtifact(java.nio.ByteBuffer.wrap(evil))
                    .setArtifactSha256(io.mlcycle.mlcore.model.ModelArtifacts.sha256(evil)).build();
            publishModel("credit-v999", forged);
            await().atMost(WAIT).until(() -> observer.alerts.stream().anyMatch(a ->
                    a.getType() == AlertType.MODEL_LOAD_FAILURE && "credit-v999".equals(a.getSubject())));
            assertThat(JSON.readTree(get("/v1/pipelines/credit/models").body()).get("champion").asText())
                    .isEqualTo(champion);

            // 3. the HTTP views agree with the registry
            JsonNode models = JSON.readTree(get("/v1/pipelines/credit/models").body());
            assertThat(models.get("versions")).hasSize(2);
            assertThat(models.get("versions").get(0).get("version").asText()).isEqualTo("credit-v2");
            JsonNode shown = JSON.readTree(get("/v1/pipelines/credit/models/credit-v1").body());
            assertThat(shown.get("lineage").get("dataset")).hasSize(produced.size());
            assertThat(shown.get("gate_report").get(0).get("name").asText()).isEqualTo("beats_baseline");
            assertThat(shown.has("artifact")).isFalse();
            JsonNode runs = JSON.readTree(get("/v1/pipelines/credit/runs").body());
            assertThat(runs.get("runs")).extracting(r -> r.get("trigger_id").asText())
                    .contains(bootstrap.getTriggerId(), manualTriggerId);
            assertThat(get("/v1/pipelines/other/models").statusCode()).isEqualTo(404);
            assertThat(get("/v1/pipelines/credit/models/credit-v9").statusCode()).isEqualTo(404);
            assertThat(post("/v1/pipelines/credit/retrain", "{not json").statusCode()).isEqualTo(400);

            // 3b. a person promotes and rolls back (admin token), and the registry follows
            assertThat(post("/v1/pipelines/credit/rollback", "{}", null).statusCode()).isEqualTo(401);
            if (champion.equals("credit-v1")) {
                assertThat(post("/v1/pipelines/credit/models/credit-v2/promote", "{\"reason\":\"reviewed\"}")
                        .statusCode()).isEqualTo(200);
            }
            HttpResponse<String> rolledBack = post("/v1/pipelines/credit/rollback", "{\"reason\":\"complaints\"}");
            assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(200);
            assertThat(JSON.readTree(rolledBack.body()).get("champion").asText()).isEqualTo("credit-v1");
            await().atMost(WAIT).until(() -> observer.latest("credit-v1").map(ModelVersion::getStage),
                    stage -> stage.equals(Optional.of(Stage.CHAMPION)));
            assertThat(observer.latest("credit-v2").orElseThrow().getHistory()).last()
                    .satisfies(t -> assertThat(t.getBy()).isEqualTo("alice"));
            // 3c. a person puts the retired version in front of online evidence again, as a canary
            assertThat(post("/v1/pipelines/credit/models/credit-v1/stage", "{\"stage\":\"CANARY\"}").statusCode())
                    .as("the champion cannot be its own challenger").isEqualTo(409);
            assertThat(post("/v1/pipelines/credit/models/credit-v2/stage", "{\"stage\":\"CHAMPION\"}").statusCode())
                    .isEqualTo(400);
            HttpResponse<String> canary = post("/v1/pipelines/credit/models/credit-v2/stage",
                    "{\"stage\":\"canary\",\"reason\":\"try it again on live traffic\"}");
            assertThat(canary.statusCode()).as(canary.body()).isEqualTo(200);
            await().atMost(WAIT).until(() -> observer.latest("credit-v2").map(ModelVersion::getStage),
                    stage -> stage.equals(Optional.of(Stage.CANARY)));
            assertThat(observer.latest("credit-v2").orElseThrow().getHistory()).last()
                    .satisfies(t -> assertThat(t.getReason()).startsWith("put into CANARY by alice: try it again"));
            assertThat(post("/v1/pipelines/credit/models/credit-v1/stage", "{\"stage\":\"RETIRED\"}").statusCode())
                    .as("the champion is not a challenger to withdraw").isEqualTo(409);
            HttpResponse<String> withdrawn = post("/v1/pipelines/credit/models/credit-v2/stage",
                    "{\"stage\":\"RETIRED\",\"reason\":\"no outcomes arrive\"}");
            assertThat(withdrawn.statusCode()).as(withdrawn.body()).isEqualTo(200);
            await().atMost(WAIT).until(() -> observer.latest("credit-v2").map(ModelVersion::getStage),
                    stage -> stage.equals(Optional.of(Stage.RETIRED)));

            // 4. a restarted orchestrator replays the registry: numbering continues, old triggers are not re-run;
            // its spec now limits online tests to two seconds without a decision
            Path spec = stateDir.resolve("credit.yaml");
            Files.writeString(spec, Files.readString(spec).replace("promotion:\n",
                    "promotion:\n  max_test_duration: PT2S\n"));
            service.close();
            service = OrchestratorService.start(OrchestratorConfig.from(ConfigSource.builder().overrides(overrides)
                    .build()));
            assertThat(service.config().spec().canary().maxTestDuration()).isEqualTo(Duration.ofSeconds(2));
            await().atMost(WAIT).until(service::isReady);
            assertThat(JSON.readTree(get("/v1/pipelines/credit/models").body()).get("versions")).hasSize(2);
            HttpResponse<String> again = post("/v1/pipelines/credit/retrain", "{\"reason\":\"after restart\"}");
            assertThat(again.statusCode()).isEqualTo(202);
            TrainingRun thirdRun = awaitFinished(observer, JSON.readTree(again.body()).get("trigger_id").asText());
            assertThat(thirdRun.getModelVersion()).as(thirdRun.getMessage()).isEqualTo("credit-v3");
            assertThat(observer.triggers).filteredOn(t -> t.getReason() == TriggerReason.BOOTSTRAP).hasSize(1);
            assertThat(observer.runs.stream().filter(r -> r.getTriggerId().equals(bootstrap.getTriggerId()))
                    .map(TrainingRun::getRunId).distinct()).as("the bootstrap trigger was handled once")
                    .containsExactly(firstRun.getRunId());

            // 5. a challenger nothing decides (no serving here, so no outcomes) is withdrawn by the orchestrator
            // once promotion.max_test_duration has passed, so it cannot hold back evidence retrains for ever
            HttpResponse<String> stuck = post("/v1/pipelines/credit/models/credit-v2/stage",
                    "{\"stage\":\"CANARY\",\"reason\":\"no traffic will come\"}");
            assertThat(stuck.statusCode()).as(stuck.body()).isEqualTo(200);
            await().atMost(WAIT).until(() -> observer.latest("credit-v2")
                    .filter(v -> v.getStage() == Stage.RETIRED && v.getHistory().get(v.getHistory().size() - 1)
                            .getBy().equals("orchestrator")), Optional::isPresent);
            assertThat(observer.latest("credit-v2").orElseThrow().getHistory()).last().satisfies(t -> {
                assertThat(t.getFromStage()).isEqualTo(Stage.CANARY);
                assertThat(t.getReason()).startsWith("withdrawn as CANARY by orchestrator: no online decision within "
                        + "promotion.max_test_duration PT2S");
            });
        }
    }

    private static TrainingRun awaitFinished(Observer observer, String triggerId) {
        return await().atMost(WAIT).until(() -> observer.finishedRunFor(triggerId), Optional::isPresent).orElseThrow();
    }

    /** Produces examples keyed by event id; returns the end offset (last offset + 1) per partition written. */
    private static Map<Integer, Long> produce(List<LabeledExample> examples) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<Integer, Long> ends = new TreeMap<>();
        try (KafkaProducer<String, LabeledExample> producer = new KafkaProducer<>(props,
                serdes.keySerde(Topics.EXAMPLES_LABELED).serializer(),
                serdes.valueSerde(Topics.EXAMPLES_LABELED).serializer())) {
            List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
            for (LabeledExample example : examples) {
                sent.add(producer.send(new ProducerRecord<>(Topics.EXAMPLES_LABELED.name(PIPELINE),
                        example.getEventId(), example)));
            }
            producer.flush();
            for (var future : sent) {
                RecordMetadata metadata = future.get();
                ends.merge(metadata.partition(), metadata.offset() + 1, Math::max);
            }
        }
        return ends;
    }

    private static void publishTrigger(TrainingTrigger trigger) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (KafkaProducer<String, TrainingTrigger> producer = new KafkaProducer<>(props,
                serdes.keySerde(Topics.TRAINING_TRIGGERS).serializer(),
                serdes.valueSerde(Topics.TRAINING_TRIGGERS).serializer())) {
            producer.send(new ProducerRecord<>(Topics.TRAINING_TRIGGERS.name(PIPELINE), PIPELINE, trigger)).get();
        }
    }

    private static List<String> ranges(ModelVersion version) {
        return version.getLineage().getDataset().stream()
                .filter(r -> r.getEndOffset() > r.getStartOffset())
                .map(OrchestratorServiceIT::describe).sorted().toList();
    }

    private static List<String> expected(Map<Integer, Long> ends) {
        return ends.entrySet().stream()
                .map(e -> describe(new OffsetRange(Topics.EXAMPLES_LABELED.name(PIPELINE), e.getKey(), 0L, e.getValue())))
                .sorted().toList();
    }

    private static String describe(OffsetRange range) {
        return range.getTopic() + "-" + range.getPartition() + "[" + range.getStartOffset() + "," + range.getEndOffset()
                + ")";
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(service.httpBaseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, body, ADMIN_TOKEN);
    }

    private static HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.httpBaseUrl() + path))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void publishModel(String key, ModelVersion version) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(props,
                serdes.keySerde(Topics.MODELS).serializer(), serdes.valueSerde(Topics.MODELS).serializer())) {
            producer.send(new ProducerRecord<>(Topics.MODELS.name(PIPELINE), key, version)).get();
        }
    }

    /** Reads the orchestrator's output topics in the background (read_committed). */
    private static final class Observer implements AutoCloseable {
        final List<TrainingTrigger> triggers = new CopyOnWriteArrayList<>();
        final List<TrainingRun> runs = new CopyOnWriteArrayList<>();
        final List<ModelVersion> models = new CopyOnWriteArrayList<>();
        final List<Alert> alerts = new CopyOnWriteArrayList<>();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        Observer() {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(props, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer());
            List<TopicPartition> partitions = List.of(
                    new TopicPartition(Topics.TRAINING_TRIGGERS.name(PIPELINE), 0),
                    new TopicPartition(Topics.TRAINING_RUNS.name(PIPELINE), 0),
                    new TopicPartition(Topics.MODELS.name(PIPELINE), 0),
                    new TopicPartition(Topics.MONITORING_ALERTS.name(PIPELINE), 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(this::run, "it-observer");
            thread.start();
        }

        private void run() {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    String topic = record.topic();
                    if (topic.equals(Topics.TRAINING_TRIGGERS.name(PIPELINE))) {
                        triggers.add(serdes.valueSerde(Topics.TRAINING_TRIGGERS).deserializer()
                                .deserialize(topic, record.value()));
                    } else if (topic.equals(Topics.TRAINING_RUNS.name(PIPELINE))) {
                        runs.add(serdes.valueSerde(Topics.TRAINING_RUNS).deserializer().deserialize(topic, record.value()));
                    } else if (topic.equals(Topics.MODELS.name(PIPELINE))) {
                        models.add(serdes.valueSerde(Topics.MODELS).deserializer().deserialize(topic, record.value()));
                    } else {
                        alerts.add(serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer()
                                .deserialize(topic, record.value()));
                    }
                }
            }
        }

        Optional<TrainingRun> finishedRunFor(String triggerId) {
            return runs.stream()
                    .filter(r -> r.getTriggerId().equals(triggerId))
                    .filter(r -> switch (r.getStatus()) {
                        case PROMOTED, REJECTED, REGISTERED, FAILED, SKIPPED -> true;
                        default -> false;
                    })
                    .findFirst();
        }

        List<RunStatus> statusesOf(String runId) {
            return runs.stream().filter(r -> r.getRunId().equals(runId)).map(TrainingRun::getStatus).toList();
        }

        Optional<ModelVersion> latest(String version) {
            ModelVersion last = null;
            for (ModelVersion model : models) {
                if (model.getVersion().equals(version)) {
                    last = model;
                }
            }
            return Optional.ofNullable(last);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
            consumer.close();
        }
    }
}
