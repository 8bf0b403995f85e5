package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.orchestrator.SyntheticCredit.Concept;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrainingCoordinatorTest {

    private static final List<OffsetRange> RANGES = List.of(new OffsetRange("credit.examples.labeled", 0, 0L, 400L));

    private final List<TrainingRun> published = new CopyOnWriteArrayList<>();
    private final List<TrainingTrigger> triggers = new CopyOnWriteArrayList<>();
    private final List<Map<Integer, Long>> baselines = new CopyOnWriteArrayList<>();
    private final CountDownLatch datasetRequested = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private volatile RuntimeException datasetFailure;
    private ModelRegistry registry;
    private RunTracker runs;
    private TrainingCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(
                Path.of(TrainingCoordinatorTest.class.getResource("/specs/credit-test.yaml").toURI()));
        registry = new ModelRegistry("credit");
        runs = new RunTracker("credit", published::add, 50, Clock.systemUTC());
        ModelRegistryWriter writer = new ModelRegistryWriter(producer, "credit.models", "credit.monitoring.alerts",
                new StringSerializer(), (topic, v) -> v.getVersion().getBytes(StandardCharsets.UTF_8),
                (topic, a) -> a.getMessage().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        TrainingCoordinator.DatasetSource datasets = () -> {
            datasetRequested.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (datasetFailure != null) {
                throw datasetFailure;
            }
            return new DatasetReader.Dataset(RANGES, SyntheticCredit.examples(400, Concept.LEARNABLE, 21, 0), 0);
        };
        coordinator = new TrainingCoordinator("credit", TriggerPolicy.fromSpec(spec), registry, runs,
                new TrainingRunner(spec, Clock.systemUTC()), datasets, writer, triggers::add,
                () -> Map.of("credit.examples.labeled-value", 3), baselines::add, "test", Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        coordinator.close();
    }

    @Test
    void bootstrapRunsThenSkipsAutomaticTriggersAndQueuesManualOnesWhileBusy() throws Exception {
        coordinator.checkAutomaticTriggers(299);
        assertThat(triggers).as("below training.min_examples").isEmpty();
        coordinator.checkAutomaticTriggers(400);
        assertThat(triggers).singleElement().satisfies(t -> {
            assertThat(t.getReason()).isEqualTo(TriggerReason.BOOTSTRAP);
            assertThat(t.getEvidence()).containsEntry("labeled_examples", "400");
        });
        coordinator.checkAutomaticTriggers(400);
        assertThat(triggers).as("asked once").hasSize(1);

        TrainingTrigger bootstrap = triggers.get(0);
        coordinator.onTrigger(bootstrap);
        assertThat(datasetRequested.await(10, TimeUnit.SECONDS)).isTrue();

        TrainingTrigger drift = trigger(TriggerReason.DRIFT, "drift-1");
        coordinator.onTrigger(drift);
        TrainingTrigger manual = trigger(TriggerReason.MANUAL, "manual-1");
        coordinator.onTrigger(manual);

        assertThat(runFor("drift-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).contains("in progress");
        });
        assertThat(runFor("manual-1")).hasValueSatisfying(run -> assertThat(run.getStatus())
                .isEqualTo(RunStatus.QUEUED));

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> finished("manual-1"));

        assertThat(runFor(bootstrap.getTriggerId())).map(TrainingRun::getStatus).hasValue(RunStatus.PROMOTED);
        assertThat(statuses(bootstrap.getTriggerId())).containsExactly(RunStatus.QUEUED, RunStatus.BUILDING_DATASET,
                RunStatus.BUILDING_DATASET, RunStatus.TRAINING, RunStatus.EVALUATING, RunStatus.PROMOTED);
        TrainingRun manualRun = runFor("manual-1").orElseThrow();
        assertThat(manualRun.getModelVersion()).isEqualTo("credit-v2");
        assertThat(registry.get("credit-v1")).isPresent();
        assertThat(registry.get("credit-v2")).map(ModelVersion::getLineage)
                .hasValueSatisfying(l -> assertThat(l.getParentVersion()).isEqualTo("credit-v1"));
        if (manualRun.getStatus() == RunStatus.PROMOTED) {
            assertThat(registry.get("credit-v1")).map(ModelVersion::getStage).hasValue(Stage.RETIRED);
        } else {
            assertThat(manualRun.getStatus()).isEqualTo(RunStatus.REJECTED);
        }
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.history()).extracting(r -> r.topic()).contains("credit.models");
        assertThat(baselines).hasSize(2).allSatisfy(b -> assertThat(b).containsEntry(0, 400L));

        TrainingTrigger lateDrift = trigger(TriggerReason.DRIFT, "drift-2");
        coordinator.onTrigger(lateDrift);
        assertThat(runFor("drift-2")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).contains("cooldown");
        });
    }

    @Test
    void aFailingRunIsRecordedAsFailedAndTheNextRequestStillRuns() {
        datasetFailure = new IllegalStateException("broker unreachable");
        release.countDown();
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-fails"));
        await().atMost(Duration.ofSeconds(30)).until(() -> finished("manual-fails"));
        assertThat(runFor("manual-fails")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.FAILED);
            assertThat(run.getMessage()).contains("broker unreachable");
        });
        assertThat(registry.isEmpty()).isTrue();

        datasetFailure = null;
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-ok"));
        await().atMost(Duration.ofSeconds(30)).until(() -> finished("manual-ok"));
        assertThat(runFor("manual-ok")).map(TrainingRun::getStatus).hasValue(RunStatus.PROMOTED);
        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v1");
    }

    @Test
    void aTriggerForAnotherPipelineIsRecordedAsSkipped() {
        TrainingTrigger other = TrainingTrigger.newBuilder(trigger(TriggerReason.MANUAL, "other-1"))
                .setPipeline("fraud").build();
        coordinator.onTrigger(other);
        assertThat(runFor("other-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).contains("fraud");
        });
    }

    private static TrainingTrigger trigger(TriggerReason reason, String id) {
        return TrainingTrigger.newBuilder()
                .setTriggerId(id)
                .setPipeline("credit")
                .setReason(reason)
                .setRequestedBy("test")
                .setRequestedAt(Instant.now())
                .build();
    }

    /** The latest state of the run for a trigger. */
    private Optional<TrainingRun> runFor(String triggerId) {
        TrainingRun last = null;
        for (TrainingRun run : published) {
            if (run.getTriggerId().equals(triggerId)) {
                last = run;
            }
        }
        return Optional.ofNullable(last);
    }

    private List<RunStatus> statuses(String triggerId) {
        return published.stream().filter(r -> r.getTriggerId().equals(triggerId)).map(TrainingRun::getStatus).toList();
    }

    private boolean finished(String triggerId) {
        return runFor(triggerId).map(r -> r.getProgress() >= 1.0).orElse(false);
    }
}
