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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T01:05:00Z"));
    private volatile RuntimeException datasetFailure;
    private volatile boolean datasetInterrupted;
    private ModelRegistry registry;
    private RunTracker runs;
    private TrainingCoordinator coordinator;

    @BeforeEach
    void setUp() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(
                Path.of(TrainingCoordinatorTest.class.getResource("/specs/credit-test.yaml").toURI()));
        registry = new ModelRegistry("credit", Fixtures.SIGNING);
        runs = new RunTracker("credit", published::add, 50, Clock.systemUTC());
        ModelRegistryWriter writer = new ModelRegistryWriter(producer, "credit.models", "credit.monitoring.alerts",
                new StringSerializer(), (topic, v) -> v.getVersion().getBytes(StandardCharsets.UTF_8),
                (topic, a) -> a.getMessage().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), Fixtures.SIGNING);
        TrainingCoordinator.DatasetSource datasets = () -> {
            datasetRequested.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                datasetInterrupted = true;
                Thread.currentThread().interrupt();
            }
            if (datasetFailure != null) {
                throw datasetFailure;
            }
            return new DatasetReader.Dataset(RANGES, SyntheticCredit.examples(400, Concept.LEARNABLE, 21, 0), 0);
        };
        coordinator = new TrainingCoordinator("credit", TriggerPolicy.fromSpec(spec), registry, runs,
                new TrainingRunner(spec, Clock.systemUTC()), datasets, writer, triggers::add,
                () -> Map.of("credit.examples.labeled-value", 3), baselines::add, "test", clock);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        coordinator.close();
    }

    @Test
    void bootstrapRunsThenSkipsRecurringTriggersAndQueuesManualOnesWhileBusy() throws Exception {
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

        TrainingTrigger schedule = trigger(TriggerReason.SCHEDULE, "schedule-1");
        coordinator.onTrigger(schedule);
        TrainingTrigger manual = trigger(TriggerReason.MANUAL, "manual-1");
        coordinator.onTrigger(manual);

        assertThat(runFor("schedule-1")).hasValueSatisfying(run -> {
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

        await().atMost(Duration.ofSeconds(30)).until(() -> !coordinator.busy());
        TrainingTrigger lateSchedule = trigger(TriggerReason.SCHEDULE, "schedule-2");
        coordinator.onTrigger(lateSchedule);
        assertThat(runFor("schedule-2")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).contains("cooldown");
        });
    }

    @Test
    void driftInTheCooldownIsDeferredAndStartsOnceTheCooldownIsOverWhileVolumeIsStillSkipped() throws Exception {
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-1"));
        assertThat(datasetRequested.await(10, TimeUnit.SECONDS)).isTrue();
        coordinator.onTrigger(trigger(TriggerReason.VOLUME, "volume-1"));
        assertThat(runFor("volume-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).contains("in progress");
        });
        release.countDown();
        awaitIdleAfter("manual-1");
        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v1");

        // the demo: drift measured against the champion just promoted arrives in the cooldown
        clock.advance(Duration.ofSeconds(9));
        coordinator.onTrigger(trigger(TriggerReason.DRIFT, "drift-1", Map.of("champion_version", "credit-v1")));
        assertThat(runFor("drift-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.QUEUED);
            assertThat(run.getMessage()).isEqualTo("DRIFT trigger deferred until the cooldown ends at "
                    + "2025-01-01T01:05:20Z");
        });
        coordinator.onTrigger(trigger(TriggerReason.VOLUME, "volume-2"));
        assertThat(runFor("volume-2")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).contains("cooldown");
        });

        clock.advance(Duration.ofSeconds(10));
        coordinator.startDeferredIfDue();
        assertThat(statuses("drift-1")).as("still in the cooldown").containsExactly(RunStatus.QUEUED);
        assertThat(coordinator.busy()).isFalse();

        clock.advance(Duration.ofSeconds(1));
        coordinator.startDeferredIfDue();
        await().atMost(Duration.ofSeconds(30)).until(() -> finished("drift-1"));
        assertThat(published).filteredOn(r -> r.getTriggerId().equals("drift-1")).extracting(TrainingRun::getMessage)
                .anySatisfy(m -> assertThat(m).startsWith("deferred since 2025-01-01T01:05:09Z, started now that "
                        + "the run and the cooldown are over: DRIFT trigger accepted"));
        assertThat(published.stream().filter(r -> r.getTriggerId().equals("drift-1")).map(TrainingRun::getRunId)
                .distinct()).as("one run record, from deferral to the end").hasSize(1);
        TrainingRun driftRun = runFor("drift-1").orElseThrow();
        assertThat(driftRun.getStatus()).as(driftRun.getMessage()).isIn(RunStatus.PROMOTED, RunStatus.REJECTED);
        assertThat(driftRun.getModelVersion()).isEqualTo("credit-v2");
        assertThat(registry.get("credit-v2")).map(v -> v.getLineage().getTriggerId()).hasValue("drift-1");

        coordinator.startDeferredIfDue();
        assertThat(published.stream().filter(r -> r.getModelVersion() != null).map(TrainingRun::getModelVersion)
                .distinct()).as("the drift trained once").containsExactly("credit-v1", "credit-v2");
    }

    @Test
    void evidenceTriggersDuringARunAreCoalescedAndTheNewestStartsAfterTheCooldown() throws Exception {
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-1"));
        assertThat(datasetRequested.await(10, TimeUnit.SECONDS)).isTrue();
        coordinator.onTrigger(trigger(TriggerReason.DRIFT, "drift-1"));
        assertThat(runFor("drift-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.QUEUED);
            assertThat(run.getMessage()).contains("deferred").contains("in progress");
        });
        coordinator.onTrigger(trigger(TriggerReason.DEGRADATION, "degradation-2"));
        assertThat(runFor("drift-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).startsWith("superseded by trigger degradation-2");
        });
        assertThat(runFor("degradation-2")).map(TrainingRun::getStatus).hasValue(RunStatus.QUEUED);

        release.countDown();
        awaitIdleAfter("manual-1");
        coordinator.startDeferredIfDue();
        assertThat(runFor("degradation-2")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.QUEUED);
            assertThat(run.getMessage()).as("the record now says when it starts")
                    .isEqualTo("DEGRADATION trigger deferred until the cooldown ends at 2025-01-01T01:05:20Z");
        });

        clock.advance(Duration.ofSeconds(20));
        coordinator.startDeferredIfDue();
        await().atMost(Duration.ofSeconds(30)).until(() -> finished("degradation-2"));
        assertThat(runFor("degradation-2")).map(TrainingRun::getModelVersion).hasValue("credit-v2");
        assertThat(statuses("drift-1")).containsExactly(RunStatus.QUEUED, RunStatus.SKIPPED);
    }

    @Test
    void aDeferredDriftIsSkippedWhenANewerChampionWasPromotedSinceItsEvidence() throws Exception {
        List<io.mlcycle.avro.GateCheck> passed = List.of(Fixtures.gate("beats_baseline", true, "ok"));
        registry.apply(Fixtures.version("credit", 3, Stage.CHAMPION, passed));
        datasetFailure = new IllegalStateException("no data this time");
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-1"));
        assertThat(datasetRequested.await(10, TimeUnit.SECONDS)).isTrue();
        coordinator.onTrigger(trigger(TriggerReason.DRIFT, "drift-1", Map.of("champion_version", "credit-v3")));
        assertThat(runFor("drift-1")).map(TrainingRun::getStatus).hasValue(RunStatus.QUEUED);

        // credit-v4, trained on newer data, is promoted while the drift waits
        registry.apply(Fixtures.version("credit", 3, Stage.RETIRED, passed));
        registry.apply(Fixtures.version("credit", 4, Stage.CHAMPION, passed));
        release.countDown();
        awaitIdleAfter("manual-1");
        clock.advance(Duration.ofSeconds(20));
        coordinator.startDeferredIfDue();

        assertThat(runFor("drift-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).isEqualTo("superseded: champion changed from credit-v3 to credit-v4 since "
                    + "the evidence; validation re-checks drift against the new champion");
        });
        assertThat(coordinator.busy()).isFalse();

        coordinator.onTrigger(trigger(TriggerReason.DRIFT, "drift-late", Map.of("champion_version", "credit-v3")));
        assertThat(runFor("drift-late")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).isEqualTo(RunStatus.SKIPPED);
            assertThat(run.getMessage()).startsWith("superseded: champion changed from credit-v3 to credit-v4");
        });
    }

    @Test
    void aTriggerStillDeferredAtShutdownIsLeftUncommittedForTheNextInstance() {
        release.countDown();
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-1"));
        awaitIdleAfter("manual-1");
        coordinator.onTrigger(trigger(TriggerReason.DRIFT, "drift-1", Map.of("champion_version", "credit-v1")));
        assertThat(runFor("drift-1")).map(TrainingRun::getStatus).hasValue(RunStatus.QUEUED);

        coordinator.close();

        assertThat(triggers).as("not re-published: its offset stays uncommitted instead").isEmpty();
        assertThat(runFor("drift-1")).hasValueSatisfying(run -> {
            assertThat(run.getStatus()).as("not final, so its trigger is handled again").isEqualTo(RunStatus.QUEUED);
            assertThat(run.getMessage()).contains("next instance handles it");
        });
    }

    @Test
    void manualRequestsAreCoalescedWhileOneWaitsToStart() throws Exception {
        var first = coordinator.requestManual("first", "alice");
        var second = coordinator.requestManual("second", "bob");
        assertThat(first.coalesced()).isFalse();
        assertThat(second.coalesced()).isTrue();
        assertThat(second.trigger().getTriggerId()).isEqualTo(first.trigger().getTriggerId());
        assertThat(triggers).as("one trigger published for the burst").hasSize(1);

        coordinator.onTrigger(first.trigger());
        assertThat(datasetRequested.await(10, TimeUnit.SECONDS)).isTrue();
        var afterStart = coordinator.requestManual("third", "carol");
        assertThat(afterStart.coalesced()).as("the first one has started: a new request is a new run").isFalse();
        assertThat(afterStart.trigger().getRequestedBy()).isEqualTo("carol");
        release.countDown();
    }

    @Test
    void reproducingAVersionFromItsRecordedRangesGivesTheIdenticalSha256() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(
                Path.of(TrainingCoordinatorTest.class.getResource("/specs/credit-test.yaml").toURI()));
        List<OffsetRange> asked = new CopyOnWriteArrayList<>();
        TrainingCoordinator.DatasetSource recorded = new TrainingCoordinator.DatasetSource() {
            @Override
            public DatasetReader.Dataset read() {
                return new DatasetReader.Dataset(RANGES, SyntheticCredit.examples(400, Concept.LEARNABLE, 21, 0), 0);
            }

            @Override
            public DatasetReader.Dataset read(List<OffsetRange> ranges) {
                asked.addAll(ranges);
                return new DatasetReader.Dataset(ranges, SyntheticCredit.examples(400, Concept.LEARNABLE, 21, 0), 0);
            }
        };
        ModelRegistryWriter writer = new ModelRegistryWriter(producer, "credit.models", "credit.monitoring.alerts",
                new StringSerializer(), (topic, v) -> v.getVersion().getBytes(StandardCharsets.UTF_8),
                (topic, a) -> a.getMessage().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), Fixtures.SIGNING);
        try (TrainingCoordinator reproducing = new TrainingCoordinator("credit", TriggerPolicy.fromSpec(spec), registry,
                runs, new TrainingRunner(spec, Clock.systemUTC()), recorded, writer, triggers::add, Map::of,
                baselines::add, "test", clock)) {
            reproducing.onTrigger(trigger(TriggerReason.MANUAL, "manual-1"));
            await().atMost(Duration.ofSeconds(30)).until(() -> finished("manual-1") && !reproducing.busy());
            ModelVersion v1 = registry.get("credit-v1").orElseThrow();

            TrainingTrigger reproduce = reproducing.requestReproduction("credit-v1", "alice");
            reproducing.onTrigger(reproduce);
            await().atMost(Duration.ofSeconds(30)).until(() -> finished(reproduce.getTriggerId()));

            assertThat(asked).as("exactly the version's recorded ranges").isEqualTo(v1.getLineage().getDataset());
            assertThat(runFor(reproduce.getTriggerId())).hasValueSatisfying(run -> {
                assertThat(run.getStatus()).isEqualTo(RunStatus.REGISTERED);
                assertThat(run.getMessage()).isEqualTo("reproduced credit-v1: identical SHA-256 "
                        + v1.getArtifactSha256());
            });
            assertThat(registry.highestVersionNumber()).as("a reproduction registers nothing").isEqualTo(1);
        }
    }

    @Test
    void closeHandsQueuedRequestsOverAndLetsTheRunningOneFinish() throws Exception {
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-running"));
        assertThat(datasetRequested.await(10, TimeUnit.SECONDS)).isTrue();
        coordinator.onTrigger(trigger(TriggerReason.MANUAL, "manual-queued"));
        assertThat(runFor("manual-queued")).map(TrainingRun::getStatus).hasValue(RunStatus.QUEUED);

        Thread closer = new Thread(coordinator::close, "test-closer");
        closer.start();
        // the queued request was accepted (its offset committed): it must go to the next instance, not vanish
        await().atMost(Duration.ofSeconds(10)).until(() -> runFor("manual-queued")
                .map(r -> r.getMessage().contains("next instance handles it")).orElse(false));
        assertThat(triggers).isEmpty();
        assertThat(runFor("manual-queued")).map(TrainingRun::getStatus).hasValue(RunStatus.QUEUED);

        release.countDown();
        closer.join(Duration.ofSeconds(30).toMillis());
        assertThat(closer.isAlive()).isFalse();
        assertThat(datasetInterrupted).as("the running run is not interrupted by close").isFalse();
        assertThat(runFor("manual-running")).map(TrainingRun::getStatus).hasValue(RunStatus.PROMOTED);
        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v1");
    }

    @Test
    void aBootstrapThatRegisteredNothingIsTriedAgainOnceMoreDataArrivedAfterTheCooldown() {
        datasetFailure = new UnusableDatasetException("the holdout has 80 example(s), all negative");
        release.countDown();
        coordinator.checkAutomaticTriggers(400);
        assertThat(triggers).singleElement().extracting(TrainingTrigger::getReason).isEqualTo(TriggerReason.BOOTSTRAP);
        coordinator.onTrigger(triggers.get(0));
        awaitIdleAfter(triggers.get(0).getTriggerId());
        assertThat(runFor(triggers.get(0).getTriggerId())).map(TrainingRun::getStatus).hasValue(RunStatus.FAILED);

        datasetFailure = null;
        clock.advance(Duration.ofSeconds(21));
        coordinator.checkAutomaticTriggers(400);
        assertThat(triggers).as("the same data would fail the same way").hasSize(1);
        coordinator.checkAutomaticTriggers(450);
        assertThat(triggers).as("no version exists: bootstrap again with more data").hasSize(2);
        assertThat(triggers.get(1).getReason()).isEqualTo(TriggerReason.BOOTSTRAP);
        assertThat(triggers.get(1).getEvidence()).containsEntry("labeled_examples", "450");
    }

    @Test
    void aScheduleTriggerIsPublishedOncePerSlotWithItsEvidenceAndRunsLikeAnyTrigger() throws Exception {
        coordinator.close();
        PipelineSpec spec = PipelineSpecParser.parse(
                Path.of(TrainingCoordinatorTest.class.getResource("/specs/credit-test.yaml").toURI()));
        TriggerPolicy scheduled = new TriggerPolicy(300, OptionalLong.empty(), Duration.ofSeconds(20),
                Optional.of(Duration.ofHours(1)));
        ModelRegistryWriter writer = new ModelRegistryWriter(producer, "credit.models", "credit.monitoring.alerts",
                new StringSerializer(), (topic, v) -> v.getVersion().getBytes(StandardCharsets.UTF_8),
                (topic, a) -> a.getMessage().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), Fixtures.SIGNING);
        coordinator = new TrainingCoordinator("credit", scheduled, registry, runs, new TrainingRunner(spec, clock),
                () -> new DatasetReader.Dataset(RANGES, SyntheticCredit.examples(400, Concept.LEARNABLE, 21, 0), 0),
                writer, triggers::add, Map::of, baselines::add, "test", clock);
        Instant start = clock.instant();

        coordinator.checkAutomaticTriggers(400);
        coordinator.onTrigger(triggers.get(0));
        awaitIdleAfter(triggers.get(0).getTriggerId());
        assertThat(registry.latest()).map(v -> v.getLineage().getTrainedAt()).hasValue(start);

        clock.advance(Duration.ofMinutes(59));
        coordinator.checkAutomaticTriggers(0);
        assertThat(triggers).as("the interval has not passed").hasSize(1);
        clock.advance(Duration.ofMinutes(2));
        coordinator.checkAutomaticTriggers(0);
        assertThat(triggers).hasSize(2);
        TrainingTrigger schedule = triggers.get(1);
        assertThat(schedule.getReason()).isEqualTo(TriggerReason.SCHEDULE);
        assertThat(schedule.getTriggerId()).isEqualTo("schedule-credit-" + start.plus(Duration.ofHours(1))
                .toEpochMilli());
        assertThat(schedule.getEvidence()).containsEntry("schedule", "PT1H")
                .containsEntry("latest_version", "credit-v1")
                .containsEntry("latest_trained_at", start.toString())
                .containsEntry("slot", start.plus(Duration.ofHours(1)).toString());
        coordinator.checkAutomaticTriggers(0);
        assertThat(triggers).as("one trigger per slot").hasSize(2);

        coordinator.onTrigger(schedule);
        awaitIdleAfter(schedule.getTriggerId());
        assertThat(runFor(schedule.getTriggerId())).map(TrainingRun::getModelVersion).hasValue("credit-v2");
        assertThat(registry.get("credit-v2")).map(v -> v.getLineage().getTriggerReason())
                .hasValue(TriggerReason.SCHEDULE);
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
        return trigger(reason, id, Map.of());
    }

    private static TrainingTrigger trigger(TriggerReason reason, String id, Map<String, String> evidence) {
        return TrainingTrigger.newBuilder()
                .setTriggerId(id)
                .setPipeline("credit")
                .setReason(reason)
                .setEvidence(evidence)
                .setRequestedBy("test")
                .setRequestedAt(Instant.now())
                .build();
    }

    /** Waits until the run for a trigger has finished and the worker is idle again (the cooldown has begun). */
    private void awaitIdleAfter(String triggerId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> finished(triggerId) && !coordinator.busy());
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

    /** A clock the test moves forward, so cooldowns pass without waiting. */
    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
