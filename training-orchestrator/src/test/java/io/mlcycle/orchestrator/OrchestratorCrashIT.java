package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.orchestrator.SyntheticCredit.Concept;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.kafka.TopicAdmin;
import io.mlcycle.platform.lifecycle.ServiceMain;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator's guarantees under faults, against a real broker: killed with SIGKILL in the middle of a run and
 * restarted (the trigger is consumed exactly once with its run's outcome, the unfinished run is reconciled from
 * {@code <p>.training.runs}); a dead control loop ends the process with a non-zero exit; two instances on one
 * pipeline (one run at a time, no version number used twice, the instance that lost the pipeline fenced by the
 * broker, for its registry writes and its run progress alike); and a standby forwarding a person's promote,
 * rollback and stage changes to the owner, which applies them. Each test has its own pipeline on one shared stack.
 */
class OrchestratorCrashIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String ADMIN_TOKEN = "crash-it-admin-token-0123456789";
    private static final String SIGNING_KEY = "crash-it-signing-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    private static LocalStack stack;
    private static RestSchemaRegistryClient registryClient;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.ephemeral();
        registryClient = RestSchemaRegistryClient.forUrls(stack.registryUrl());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void killedMidRunAndRestartedTheTriggerIsConsumedOnceWithItsRunsOutcome() throws Exception {
        Pipeline p = new Pipeline("crash", false);
        p.produce(400);
        Path config = p.configFile("crash-1");
        try (Observer observer = new Observer(p)) {
            Process first = p.launch(config, "hold", "first");
            p.publishTrigger("crash-trigger");
            // the run is held just before its registry write: kill the process there, without any shutdown
            TrainingRun interrupted = await().atMost(WAIT).until(() -> observer.latestRun("crash-trigger"),
                    r -> r.isPresent() && r.get().getStatus() == RunStatus.EVALUATING).orElseThrow();
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(observer.models).as("nothing was registered before the kill").isEmpty();

            Process second = p.launch(config, "run", "second");
            try {
                TrainingRun outcome = await().atMost(WAIT).until(() -> observer.latestRun("crash-trigger"),
                        r -> r.isPresent() && r.get().getStatus() == RunStatus.PROMOTED).orElseThrow();
                // a second trigger after it: once its outcome is there, the first was not handled a third time
                p.publishTrigger("after-trigger");
                await().atMost(WAIT).until(() -> observer.latestRun("after-trigger"),
                        r -> r.isPresent() && OrchestratorService.isFinal(r.get().getStatus()));

                assertThat(observer.triggers).extracting(TrainingTrigger::getTriggerId)
                        .containsExactly("crash-trigger", "after-trigger");
                Map<String, RunStatus> crashRuns = observer.latestStatusByRun("crash-trigger");
                assertThat(crashRuns).as("the interrupted run, reconciled, and the run that finished it")
                        .hasSize(2)
                        .containsEntry(interrupted.getRunId(), RunStatus.FAILED)
                        .containsEntry(outcome.getRunId(), RunStatus.PROMOTED);
                assertThat(observer.latestRunById(interrupted.getRunId()).getMessage())
                        .startsWith(OrchestratorService.INTERRUPTED).contains("last status EVALUATING");
                assertThat(observer.models.stream().filter(m -> m.getLineage().getTriggerId().equals("crash-trigger"))
                        .map(ModelVersion::getVersion).distinct()).as("one version for the trigger")
                        .containsExactly("crash-v1");
                assertThat(observer.models.stream().map(ModelVersion::getVersion).distinct())
                        .containsExactly("crash-v1", "crash-v2");
                // the control loop commits a trigger's offset after its run's final record is acknowledged
                await().atMost(WAIT).untilAsserted(() -> assertThat(p.committedTriggerOffset())
                        .as("both triggers committed, each once").isEqualTo(2));
            } finally {
                second.destroy();
                assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void aDeadControlLoopEndsTheProcessWithANonZeroExit() throws Exception {
        Pipeline p = new Pipeline("dies", false);
        Process process = p.launch(p.configFile("dies-1"), "die", "dies");
        assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the process ends on its own").isTrue();
        assertThat(process.exitValue()).isEqualTo(ServiceMain.EXIT_TERMINATED);
        assertThat(Files.readString(dir.resolve("dies.log"))).contains("control loop died");
    }

    @Test
    void twoInstancesOneRunAtATimeNoVersionNumberTwiceAndTheLoserIsFenced() throws Exception {
        Pipeline p = new Pipeline("twins", true);
        OrchestratorService a = OrchestratorService.start(OrchestratorConfig.from(p.config("twins-a")));
        OrchestratorService b = OrchestratorService.start(OrchestratorConfig.from(p.config("twins-b")));
        CountDownLatch releaseRun = new CountDownLatch(1);
        CountDownLatch releaseLoop = new CountDownLatch(1);
        try (Observer observer = new Observer(p)) {
            await().atMost(WAIT).until(() -> a.isReady() && b.isReady() && (a.isActive() ^ b.isActive()));
            OrchestratorService owner = a.isActive() ? a : b;
            OrchestratorService other = owner == a ? b : a;
            CountDownLatch held = new CountDownLatch(1);
            owner.coordinator().beforeRegister = () -> {
                held.countDown();
                block(releaseRun);
            };
            p.produce(400);
            // the owner bootstraps and is held just before registering; then its control loop stalls (a zombie:
            // no polls, so the group hands the trigger partition to the other instance after max.poll.interval)
            assertThat(held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            String bootstrap = await().atMost(WAIT).until(() -> observer.triggers.stream().findFirst(),
                    Optional::isPresent).orElseThrow().getTriggerId();
            String heldRun = await().atMost(WAIT).until(() -> observer.latestRun(bootstrap), Optional::isPresent)
                    .orElseThrow().getRunId();
            owner.controlLoopHook = () -> block(releaseLoop);

            await().atMost(WAIT).until(other::isActive);
            TrainingRun promoted = await().atMost(WAIT).until(() -> observer.latestRun(bootstrap),
                    r -> r.isPresent() && r.get().getStatus() == RunStatus.PROMOTED).orElseThrow();
            assertThat(promoted.getRunId()).isNotEqualTo(heldRun);

            // taking over, the new owner recorded the zombie's unfinished run as interrupted
            TrainingRun interrupted = observer.latestRunById(heldRun);
            assertThat(interrupted.getStatus()).isEqualTo(RunStatus.FAILED);
            assertThat(interrupted.getMessage()).startsWith(OrchestratorService.INTERRUPTED);

            // the zombie, which still believes it owns the pipeline (its loop has not polled since), publishes
            // progress of that run: the broker refuses it, as it refuses the zombie's registry writes
            assertThat(owner.isActive()).as("the zombie has not noticed yet").isTrue();
            assertThat(owner.writerOwns()).isTrue();
            long refusedBefore = owner.runWritesRefused();
            owner.runs().status(heldRun, RunStatus.EVALUATING, 0.95, "zombie progress");
            assertThat(owner.runWritesRefused()).as("the zombie's progress write refused").isEqualTo(refusedBefore + 1);
            assertThat(owner.writerOwns()).as("refused by the broker (fenced), not by the zombie's own check")
                    .isFalse();

            // the zombie wakes up and tries to register its version: refused, and so is its run's FAILED record
            releaseRun.countDown();
            await().atMost(WAIT).until(() -> owner.runWritesRefused() >= refusedBefore + 2);
            assertThat(owner.runs().get(heldRun).orElseThrow().getMessage()).as("what the zombie could not publish")
                    .contains("fenced: another orchestrator");
            releaseLoop.countDown();
            await().atMost(WAIT).until(() -> a.isActive() ^ b.isActive());

            assertThat(observer.triggers).extracting(TrainingTrigger::getReason).as("one bootstrap, by the owner")
                    .containsExactly(TriggerReason.BOOTSTRAP);
            assertThat(observer.models).as("every registry record is the surviving run's version")
                    .isNotEmpty()
                    .allSatisfy(m -> {
                        assertThat(m.getVersion()).isEqualTo("twins-v1");
                        assertThat(m.getLineage().getRunId()).isEqualTo(promoted.getRunId());
                    });
            assertThat(observer.latestStatusByRun(bootstrap).values().stream()
                    .filter(s -> s == RunStatus.PROMOTED)).hasSize(1);
            await().atMost(WAIT).untilAsserted(() -> assertThat(p.committedTriggerOffset()).isEqualTo(1));
            // read after the trigger's commit, which came after the zombie's refused writes
            assertThat(observer.runs).as("nothing the zombie wrote after it was fenced is visible")
                    .noneSatisfy(r -> assertThat(r.getMessage()).contains("zombie progress"))
                    .noneSatisfy(r -> assertThat(r.getMessage()).contains("fenced: another orchestrator"));
            assertThat(observer.latestRunById(heldRun)).as("the zombie's run stays as the owner recorded it")
                    .isEqualTo(interrupted);
        } finally {
            releaseRun.countDown();
            releaseLoop.countDown();
            a.close();
            b.close();
        }
    }

    @Test
    void aStandbyForwardsPromoteRollbackAndStageToTheOwnerWhichAppliesThem() throws Exception {
        Pipeline p = new Pipeline("relay", true);
        OrchestratorService a = OrchestratorService.start(OrchestratorConfig.from(p.config("relay-a")));
        OrchestratorService b = OrchestratorService.start(OrchestratorConfig.from(p.config("relay-b")));
        try (Observer observer = new Observer(p)) {
            await().atMost(WAIT).until(() -> a.isReady() && b.isReady() && (a.isActive() ^ b.isActive()));
            OrchestratorService standby = a.isActive() ? b : a;
            // two versions: the bootstrap's, then a manual retrain's (promoted or not by its gates)
            p.produce(400);
            await().atMost(WAIT).until(() -> observer.champion().isPresent());
            p.publishTrigger("relay-second");
            await().atMost(WAIT).until(() -> observer.latestRun("relay-second"),
                    r -> r.isPresent() && OrchestratorService.isFinal(r.get().getStatus()));
            assertThat(observer.latestRun("relay-second").orElseThrow().getModelVersion()).isEqualTo("relay-v2");
            await().atMost(WAIT).until(() -> get(standby, "/v1/pipelines/relay/models").contains("relay-v2"));

            // what the standby checks itself, as the owner would: the token, the version, the transition
            assertThat(post(standby, "/v1/pipelines/relay/models/relay-v2/promote", null).statusCode()).isEqualTo(401);
            assertThat(post(standby, "/v1/pipelines/relay/models/relay-v9/promote", ADMIN_TOKEN).statusCode())
                    .isEqualTo(404);
            String champion = observer.champion().orElseThrow();
            HttpResponse<String> self = post(standby, "/v1/pipelines/relay/models/" + champion + "/promote",
                    ADMIN_TOKEN);
            assertThat(self.statusCode()).isEqualTo(409);
            assertThat(self.body()).contains("is the champion already");

            // v2 the champion: roll back to v1, then promote v2 again; else promote v2, then roll back to v1
            List<String> order = champion.equals("relay-v2") ? List.of("rollback", "promote")
                    : List.of("promote", "rollback");
            for (String action : order) {
                String path = action.equals("promote") ? "/v1/pipelines/relay/models/relay-v2/promote"
                        : "/v1/pipelines/relay/rollback";
                String expected = action.equals("promote") ? "relay-v2" : "relay-v1";
                HttpResponse<String> accepted = post(standby, path, ADMIN_TOKEN);
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                assertThat(accepted.body()).contains("\"status\":\"forwarded\"");
                String requestId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(accepted.body())
                        .get("request_id").asText();
                // applied by the owner: the new champion's last transition names the request and the token's principal
                ModelVersion applied = await().atMost(WAIT).until(() -> observer.latest(expected),
                        v -> v != null && v.getStage() == io.mlcycle.avro.Stage.CHAMPION
                                && last(v).getReason().contains(requestId));
                assertThat(last(applied).getBy()).isEqualTo("alice");
                assertThat(last(applied).getReason()).contains("forwarded by standby relay-");
                // and visible on the standby too, which follows the registry
                await().atMost(WAIT).until(() -> get(standby, "/v1/pipelines/relay/models")
                        .contains("\"champion\":\"" + expected + "\""));
                // the owner's answer, read by every instance: the person follows the request where they sent it
                for (OrchestratorService instance : List.of(a, b)) {
                    await().atMost(WAIT).until(() -> get(instance, "/v1/pipelines/relay/requests/" + requestId)
                            .contains("\"status\":\"applied\""));
                }
            }
            assertThat(observer.models.stream().filter(m -> m.getStage() == io.mlcycle.avro.Stage.CHAMPION)
                    .map(m -> last(m).getReason()).filter(r -> r.contains("forwarded by standby"))).hasSize(2);

            // stage: the retired version becomes a CANARY challenger of the champion, then is withdrawn again
            String nowChampion = order.get(1).equals("promote") ? "relay-v2" : "relay-v1";
            String other = nowChampion.equals("relay-v2") ? "relay-v1" : "relay-v2";
            HttpResponse<String> championAsCanary = post(standby, "/v1/pipelines/relay/models/" + nowChampion
                    + "/stage", ADMIN_TOKEN, "{\"stage\": \"CANARY\", \"reason\": \"relay test\"}");
            assertThat(championAsCanary.statusCode()).as(championAsCanary.body()).isEqualTo(409);
            assertThat(championAsCanary.body()).contains("is the champion");
            for (io.mlcycle.avro.Stage stage : List.of(io.mlcycle.avro.Stage.CANARY, io.mlcycle.avro.Stage.RETIRED)) {
                HttpResponse<String> accepted = post(standby, "/v1/pipelines/relay/models/" + other + "/stage",
                        ADMIN_TOKEN, "{\"stage\": \"" + stage + "\", \"reason\": \"relay test\"}");
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(accepted.body());
                assertThat(body.get("status").asText()).isEqualTo("forwarded");
                assertThat(body.get("expected_changes").get(0).get("version").asText()).isEqualTo(other);
                assertThat(body.get("expected_changes").get(0).get("stage").asText()).isEqualTo(stage.name());
                assertThat(body.get("follow").asText()).isEqualTo("/v1/pipelines/relay/models/" + other);
                String requestId = body.get("request_id").asText();
                ModelVersion applied = await().atMost(WAIT).until(() -> observer.latest(other),
                        v -> v != null && v.getStage() == stage && last(v).getReason().contains(requestId));
                assertThat(last(applied).getBy()).isEqualTo("alice");
                assertThat(last(applied).getReason()).contains("forwarded by standby relay-");
                await().atMost(WAIT).until(() -> get(standby, "/v1/pipelines/relay/models/" + other)
                        .contains("\"stage\":\"" + stage + "\""));
            }
            assertThat(observer.champion()).contains(nowChampion);

            // requests the owner refuses are answered too, with the reason: one made too long ago (no owner for a
            // while), one signed with another deployment's key
            ModelVersion retired = observer.latest(other);
            io.mlcycle.avro.StageDecision stale = io.mlcycle.mlcore.registry.ModelSigning.withKey(SIGNING_KEY)
                    .sign(StageDecisions.forwarded("relay-stale", "relay", io.mlcycle.avro.DecisionKind.PROMOTE,
                            retired, java.util.Optional.of(observer.latest(nowChampion)), "alice", "relay test",
                            "relay-x", Instant.now().minus(java.time.Duration.ofMinutes(20))));
            io.mlcycle.avro.StageDecision foreign = io.mlcycle.mlcore.registry.ModelSigning
                    .withKey("another-deployments-signing-key").sign(StageDecisions.forwarded("relay-foreign",
                            "relay", io.mlcycle.avro.DecisionKind.PROMOTE, retired,
                            java.util.Optional.of(observer.latest(nowChampion)), "alice", "relay test", "relay-x",
                            Instant.now()));
            p.publishDecision(stale);
            p.publishDecision(foreign);
            for (OrchestratorService instance : List.of(a, b)) {
                String staleAnswer = await().atMost(WAIT).until(() -> get(instance,
                        "/v1/pipelines/relay/requests/relay-stale"), body -> body.contains("\"status\":\"refused\""));
                assertThat(staleAnswer).contains("more than 10 minutes").contains("send it again");
                String foreignAnswer = await().atMost(WAIT).until(() -> get(instance,
                        "/v1/pipelines/relay/requests/relay-foreign"), body -> body.contains("\"status\":\"refused\""));
                assertThat(foreignAnswer).contains("signature does not match");
            }
            assertThat(observer.champion()).contains(nowChampion);
        } finally {
            a.close();
            b.close();
        }
    }

    private static io.mlcycle.avro.StageTransition last(ModelVersion version) {
        return version.getHistory().get(version.getHistory().size() - 1);
    }

    private static String get(OrchestratorService service, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(service.httpBaseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpResponse<String> post(OrchestratorService service, String path, String token)
            throws Exception {
        return post(service, path, token, "{\"reason\": \"relay test\"}");
    }

    private static HttpResponse<String> post(OrchestratorService service, String path, String token, String json)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.httpBaseUrl() + path))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void block(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One pipeline of the test: its spec, serdes, topics, configuration and producers. */
    private static final class Pipeline {
        final String name;
        final Path spec;
        final PipelineSerdes serdes;

        /** @param bootstrap whether 400 examples call for a BOOTSTRAP trigger (else only the test's triggers run) */
        Pipeline(String name, boolean bootstrap) throws Exception {
            this.name = name;
            String yaml = Files.readString(Path.of(OrchestratorCrashIT.class.getResource("/specs/credit-test.yaml")
                    .toURI())).replace("pipeline: credit", "pipeline: " + name);
            if (!bootstrap) {
                yaml = yaml.replace("min_examples: 300", "min_examples: 100000");
            }
            spec = dir.resolve(name + ".yaml");
            Files.writeString(spec, yaml);
            serdes = new PipelineSerdes(registryClient, AvroSerdeConfig.defaults(), name,
                    PipelineSpecParser.parse(spec).dataSchema());
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()))) {
                TopicAdmin.ensureTopics(admin, name, Topics.all());
            }
        }

        Map<String, Object> settings(String instance) {
            Map<String, Object> settings = new HashMap<>();
            settings.put("bootstrap.servers", stack.bootstrapServers());
            settings.put("schema.registry.url", stack.registryUrl());
            settings.put("pipeline.spec", spec.toString());
            settings.put("http.port", "0");
            settings.put("state.dir", dir.resolve("state-" + instance).toString());
            settings.put("instance.id", instance);
            settings.put(OrchestratorConfig.VOLUME_CHECK_INTERVAL, "PT0.2S");
            settings.put(io.mlcycle.mlcore.registry.ModelSigning.CONFIG_KEY, SIGNING_KEY);
            settings.put(io.mlcycle.platform.http.AdminTokens.CONFIG_KEY, "alice:" + ADMIN_TOKEN);
            // a dead or stalled member leaves the group within seconds, not the default 45 s / 5 min
            settings.put("kafka.session.timeout.ms", "6000");
            settings.put("kafka.heartbeat.interval.ms", "1000");
            settings.put("kafka.max.poll.interval.ms", "5000");
            return settings;
        }

        ConfigSource config(String instance) {
            return ConfigSource.builder().overrides(settings(instance)).build();
        }

        Path configFile(String instance) throws IOException {
            Properties props = new Properties();
            settings(instance).forEach((k, v) -> props.setProperty(k, v.toString()));
            Path file = dir.resolve(instance + ".properties");
            try (Writer writer = Files.newBufferedWriter(file)) {
                props.store(writer, null);
            }
            return file;
        }

        /** Starts the orchestrator as its own JVM on this test's class path; its output goes to {@code <log>.log}. */
        Process launch(Path config, String mode, String log) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    FaultyOrchestratorMain.class.getName(), config.toString(), mode)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(log + ".log").toFile())
                    .start();
        }

        /**
         * Stores all {@code n} examples: a send refused right after the topic's creation (a leader not elected yet,
         * then an out-of-order sequence) is sent again, or the runs would train on a part of the data and the gates
         * might decide otherwise.
         */
        void produce(int n) throws Exception {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            List<LabeledExample> pending = new java.util.ArrayList<>();
            for (LabeledExample example : SyntheticCredit.examples(n, Concept.LEARNABLE, 5, 0)) {
                pending.add(LabeledExample.newBuilder(example).setPipeline(name).build());
            }
            for (int attempt = 0; !pending.isEmpty(); attempt++) {
                assertThat(attempt).as("examples still not stored: " + pending.size()).isLessThan(5);
                Map<LabeledExample, java.util.concurrent.Future<?>> sent = new java.util.LinkedHashMap<>();
                try (KafkaProducer<String, LabeledExample> producer = new KafkaProducer<>(props,
                        serdes.keySerde(Topics.EXAMPLES_LABELED).serializer(),
                        serdes.valueSerde(Topics.EXAMPLES_LABELED).serializer())) {
                    for (LabeledExample example : pending) {
                        sent.put(example, producer.send(new ProducerRecord<>(Topics.EXAMPLES_LABELED.name(name),
                                example.getEventId(), example)));
                    }
                    producer.flush();
                }
                List<LabeledExample> failed = new java.util.ArrayList<>();
                for (Map.Entry<LabeledExample, java.util.concurrent.Future<?>> entry : sent.entrySet()) {
                    try {
                        entry.getValue().get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        failed.add(entry.getKey());
                    }
                }
                pending = failed;
            }
        }

        /** Publishes a decision on {@code <p>.models.decisions}, as a standby (or anyone) would. */
        void publishDecision(io.mlcycle.avro.StageDecision decision) throws Exception {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            try (KafkaProducer<String, io.mlcycle.avro.StageDecision> producer = new KafkaProducer<>(props,
                    serdes.keySerde(Topics.MODELS_DECISIONS).serializer(),
                    serdes.valueSerde(Topics.MODELS_DECISIONS).serializer())) {
                producer.send(new ProducerRecord<>(Topics.MODELS_DECISIONS.name(name), decision.getModelVersion(),
                        decision)).get();
            }
        }

        void publishTrigger(String id) throws Exception {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            try (KafkaProducer<String, TrainingTrigger> producer = new KafkaProducer<>(props,
                    serdes.keySerde(Topics.TRAINING_TRIGGERS).serializer(),
                    serdes.valueSerde(Topics.TRAINING_TRIGGERS).serializer())) {
                producer.send(new ProducerRecord<>(Topics.TRAINING_TRIGGERS.name(name), id,
                        TrainingTrigger.newBuilder().setTriggerId(id).setPipeline(name)
                                .setReason(TriggerReason.MANUAL).setEvidence(Map.of("reason", "crash test"))
                                .setRequestedBy("crash-it").setRequestedAt(Instant.now()).build())).get();
            }
        }

        long committedTriggerOffset() throws Exception {
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()))) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                        "mlcycle-" + name + "-" + OrchestratorConfig.SERVICE_NAME).partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS);
                OffsetAndMetadata offset = offsets.get(new TopicPartition(Topics.TRAINING_TRIGGERS.name(name), 0));
                return offset == null ? -1 : offset.offset();
            }
        }
    }

    /** Reads the pipeline's triggers, runs and registry (read_committed) from the start, in the background. */
    private static final class Observer implements AutoCloseable {
        final List<TrainingTrigger> triggers = new CopyOnWriteArrayList<>();
        final List<TrainingRun> runs = new CopyOnWriteArrayList<>();
        final List<ModelVersion> models = new CopyOnWriteArrayList<>();
        private final Pipeline p;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        Observer(Pipeline p) {
            this.p = p;
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = List.of(
                    new TopicPartition(Topics.TRAINING_TRIGGERS.name(p.name), 0),
                    new TopicPartition(Topics.TRAINING_RUNS.name(p.name), 0),
                    new TopicPartition(Topics.MODELS.name(p.name), 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(this::run, "crash-it-observer-" + p.name);
            thread.start();
        }

        private void run() {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    String topic = record.topic();
                    if (record.value() == null) {
                        continue;
                    }
                    if (topic.equals(Topics.TRAINING_TRIGGERS.name(p.name))) {
                        triggers.add(p.serdes.valueSerde(Topics.TRAINING_TRIGGERS).deserializer()
                                .deserialize(topic, record.value()));
                    } else if (topic.equals(Topics.TRAINING_RUNS.name(p.name))) {
                        runs.add(p.serdes.valueSerde(Topics.TRAINING_RUNS).deserializer()
                                .deserialize(topic, record.value()));
                    } else {
                        models.add(p.serdes.valueSerde(Topics.MODELS).deserializer().deserialize(topic, record.value()));
                    }
                }
            }
        }

        Optional<TrainingRun> latestRun(String triggerId) {
            TrainingRun last = null;
            for (TrainingRun run : runs) {
                if (run.getTriggerId().equals(triggerId)) {
                    last = run;
                }
            }
            return Optional.ofNullable(last);
        }

        TrainingRun latestRunById(String runId) {
            TrainingRun last = null;
            for (TrainingRun run : runs) {
                if (run.getRunId().equals(runId)) {
                    last = run;
                }
            }
            return last;
        }

        /** The latest record of a version, or null. */
        ModelVersion latest(String version) {
            ModelVersion last = null;
            for (ModelVersion model : models) {
                if (model.getVersion().equals(version)) {
                    last = model;
                }
            }
            return last;
        }

        /** The version whose latest record says CHAMPION. */
        Optional<String> champion() {
            Map<String, ModelVersion> latest = new HashMap<>();
            for (ModelVersion model : models) {
                latest.put(model.getVersion(), model);
            }
            return latest.values().stream().filter(m -> m.getStage() == io.mlcycle.avro.Stage.CHAMPION)
                    .map(ModelVersion::getVersion).findFirst();
        }

        Map<String, RunStatus> latestStatusByRun(String triggerId) {
            Map<String, RunStatus> result = new HashMap<>();
            for (TrainingRun run : runs) {
                if (run.getTriggerId().equals(triggerId)) {
                    result.put(run.getRunId(), run.getStatus());
                }
            }
            return result;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
            consumer.close();
        }
    }
}
