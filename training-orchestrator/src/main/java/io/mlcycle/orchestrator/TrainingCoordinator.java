package io.mlcycle.orchestrator;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.platform.lifecycle.EventIds;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns trigger records into training runs, one at a time, on a single worker thread: applies the
 * {@link TriggerPolicy} (run, queue, or record a SKIPPED run), and executes each run — dataset by offsets, training
 * and evaluation by the {@link TrainingRunner}, registration by the {@link ModelRegistryWriter} — publishing its
 * progress through the {@link RunTracker}. A failing run is recorded as FAILED with its reason; nothing here throws
 * to the caller.
 *
 * <p>Trigger handling ({@link #onTrigger}) and the automatic-trigger check ({@link #checkAutomaticTriggers}) are
 * called from the service's control loop; runs execute on the worker. Shared state is guarded by this object.
 */
final class TrainingCoordinator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingCoordinator.class);

    /** Reads the dataset for a run (opens and closes its own consumer). */
    interface DatasetSource {
        DatasetReader.Dataset read();
    }

    private final String pipeline;
    private final TriggerPolicy policy;
    private final ModelRegistry registry;
    private final RunTracker runs;
    private final TrainingRunner runner;
    private final DatasetSource datasets;
    private final ModelRegistryWriter registryWriter;
    private final Consumer<TrainingTrigger> triggerPublisher;
    private final Supplier<Map<String, Integer>> schemaIds;
    private final Consumer<Map<Integer, Long>> datasetBaseline;
    private final String codeVersion;
    private final Clock clock;
    private final ExecutorService worker;

    // guarded by this
    private boolean runActive;
    private int queuedRuns;
    private Instant lastRunEndedAt;
    private boolean bootstrapRequested;
    private boolean volumeRequested;

    TrainingCoordinator(String pipeline, TriggerPolicy policy, ModelRegistry registry, RunTracker runs,
                        TrainingRunner runner, DatasetSource datasets, ModelRegistryWriter registryWriter,
                        Consumer<TrainingTrigger> triggerPublisher, Supplier<Map<String, Integer>> schemaIds,
                        Consumer<Map<Integer, Long>> datasetBaseline, String codeVersion, Clock clock) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.runs = Objects.requireNonNull(runs, "runs");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.registryWriter = Objects.requireNonNull(registryWriter, "registryWriter");
        this.triggerPublisher = Objects.requireNonNull(triggerPublisher, "triggerPublisher");
        this.schemaIds = Objects.requireNonNull(schemaIds, "schemaIds");
        this.datasetBaseline = Objects.requireNonNull(datasetBaseline, "datasetBaseline");
        this.codeVersion = Objects.requireNonNull(codeVersion, "codeVersion");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "orchestrator-" + pipeline + "-worker");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A snapshot of the state the policy decides on. */
    synchronized TriggerPolicy.State state() {
        return new TriggerPolicy.State(registry.champion().isPresent(), !registry.isEmpty(), runActive, queuedRuns,
                Optional.ofNullable(lastRunEndedAt), bootstrapRequested, volumeRequested);
    }

    /** Whether a run is executing or waiting. */
    synchronized boolean busy() {
        return runActive || queuedRuns > 0;
    }

    /**
     * Publishes a BOOTSTRAP or VOLUME trigger when the policy says one is due; the published record then comes back
     * through {@link #onTrigger}, so every run is traced to a trigger record.
     *
     * @param newExamples labeled examples not covered by any dataset yet (all of them before the first version)
     */
    void checkAutomaticTriggers(long newExamples) {
        TriggerPolicy.State state = state();
        Instant now = clock.instant();
        if (policy.shouldBootstrap(state, newExamples)) {
            Map<String, String> evidence = new LinkedHashMap<>();
            evidence.put("labeled_examples", Long.toString(newExamples));
            evidence.put("min_examples", Long.toString(policy.minExamples()));
            synchronized (this) {
                bootstrapRequested = true;
            }
            if (!publish(TriggerReason.BOOTSTRAP, evidence, "no champion yet and " + newExamples
                    + " labeled examples >= training.min_examples " + policy.minExamples(), now)) {
                synchronized (this) {
                    bootstrapRequested = false;
                }
            }
            return;
        }
        OptionalLong due = policy.volumeDue(state, newExamples, now);
        if (due.isPresent()) {
            Map<String, String> evidence = new LinkedHashMap<>();
            evidence.put("new_examples", Long.toString(due.getAsLong()));
            evidence.put("volume_threshold", Long.toString(policy.volume().orElseThrow()));
            synchronized (this) {
                volumeRequested = true;
            }
            if (!publish(TriggerReason.VOLUME, evidence, due.getAsLong()
                    + " new labeled examples since the last run's dataset", now)) {
                synchronized (this) {
                    volumeRequested = false;
                }
            }
        }
    }

    /** Builds and publishes a MANUAL trigger (HTTP); returns it. Throws if the broker did not store it. */
    TrainingTrigger requestManual(String reason, String requestedBy) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("reason", reason);
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(EventIds.newTimeOrderedId())
                .setPipeline(pipeline)
                .setReason(TriggerReason.MANUAL)
                .setEvidence(evidence)
                .setRequestedBy(requestedBy)
                .setRequestedAt(clock.instant())
                .setNote(reason)
                .build();
        triggerPublisher.accept(trigger);
        LOG.info("Manual training requested by {}: {} (trigger {})", requestedBy, reason, trigger.getTriggerId());
        return trigger;
    }

    private boolean publish(TriggerReason reason, Map<String, String> evidence, String note, Instant now) {
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(EventIds.newTimeOrderedId())
                .setPipeline(pipeline)
                .setReason(reason)
                .setEvidence(evidence)
                .setRequestedBy(OrchestratorConfig.SERVICE_NAME)
                .setRequestedAt(now)
                .setNote(note)
                .build();
        try {
            triggerPublisher.accept(trigger);
            LOG.info("Published {} trigger {}: {}", reason, trigger.getTriggerId(), note);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Publishing a {} trigger failed, will retry: {}", reason, e.getMessage());
            return false;
        }
    }

    /** Handles one trigger record from {@code <p>.training.triggers}: a run (now or queued) or a SKIPPED record. */
    void onTrigger(TrainingTrigger trigger) {
        String runId = EventIds.newTimeOrderedId();
        if (!pipeline.equals(trigger.getPipeline())) {
            runs.open(runId, trigger, RunStatus.SKIPPED, "trigger is for pipeline '" + trigger.getPipeline()
                    + "', this orchestrator serves '" + pipeline + "'");
            return;
        }
        TriggerPolicy.Decision decision;
        synchronized (this) {
            if (trigger.getReason() == TriggerReason.VOLUME
                    && OrchestratorConfig.SERVICE_NAME.equals(trigger.getRequestedBy())) {
                volumeRequested = false;
            }
            decision = policy.decide(trigger.getReason(), state(), clock.instant());
            if (decision.action() != TriggerPolicy.Action.SKIP) {
                queuedRuns++;
            }
        }
        if (decision.action() == TriggerPolicy.Action.SKIP) {
            runs.open(runId, trigger, RunStatus.SKIPPED, decision.reason());
            LOG.info("Trigger {} ({}) skipped: {}", trigger.getTriggerId(), trigger.getReason(), decision.reason());
            return;
        }
        runs.open(runId, trigger, RunStatus.QUEUED, decision.reason());
        try {
            worker.execute(() -> execute(runId, trigger));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                queuedRuns--;
            }
            runs.status(runId, RunStatus.FAILED, 1.0, "the orchestrator is shutting down");
        }
    }

    private void execute(String runId, TrainingTrigger trigger) {
        synchronized (this) {
            queuedRuns--;
            runActive = true;
        }
        try {
            runTraining(runId, trigger);
        } catch (RuntimeException | LinkageError e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.error("Training run {} (trigger {} {}) failed: {}", runId, trigger.getTriggerId(),
                    trigger.getReason(), message, e);
            runs.status(runId, RunStatus.FAILED, 1.0, "failed: " + message);
        } finally {
            synchronized (this) {
                runActive = false;
                lastRunEndedAt = clock.instant();
            }
        }
    }

    private void runTraining(String runId, TrainingTrigger trigger) {
        runs.status(runId, RunStatus.BUILDING_DATASET, 0.1, "reading labeled examples by offsets");
        DatasetReader.Dataset dataset = datasets.read();
        runs.update(runId, b -> b.setDataset(dataset.ranges()).setProgress(0.2).setMessage("dataset: "
                + dataset.examples().size() + " examples from " + describe(dataset)
                + (dataset.unreadable() > 0 ? " (" + dataset.unreadable() + " unreadable records left out)" : "")));

        Optional<ModelVersion> champion = registry.champion();
        int versionNumber = registry.nextVersionNumber();
        TrainingRunner.RunContext context = new TrainingRunner.RunContext(runId, trigger, versionNumber,
                codeVersion, schemaIds.get());
        TrainingRunner.RunResult result = runner.run(dataset.examples(), dataset.ranges(), context, champion,
                (status, progress, message) -> runs.status(runId, status, progress, message));

        StagePlanner.RegistryUpdate update = StagePlanner.plan(result.candidate(), champion, clock.instant());
        registryWriter.write(update);
        update.versions().forEach(registry::apply);
        datasetBaseline.accept(dataset.endOffsets());

        ModelVersion registered = update.candidate();
        boolean promoted = result.gatesPassed();
        String message = promoted
                ? registered.getVersion() + " promoted to CHAMPION" + champion.map(c -> ", " + c.getVersion()
                + " retired").orElse("")
                : registered.getVersion() + " rejected: " + StagePlanner.failedGates(result.gates());
        TrainingRun finished = runs.update(runId, b -> b
                .setStatus(promoted ? RunStatus.PROMOTED : RunStatus.REJECTED)
                .setProgress(1.0)
                .setMessage(message)
                .setTrainExamples(result.trainExamples())
                .setHoldoutExamples(result.holdoutExamples())
                .setMetrics(result.candidate().getOfflineMetrics())
                .setGates(result.gates())
                .setModelVersion(registered.getVersion()));
        LOG.info("Training run {} ({} trigger {}) finished {}: {}; {} train / {} holdout examples, metrics {}",
                runId, trigger.getReason(), trigger.getTriggerId(), finished.getStatus(), message,
                result.trainExamples(), result.holdoutExamples(), registered.getOfflineMetrics());
    }

    private static String describe(DatasetReader.Dataset dataset) {
        StringBuilder text = new StringBuilder();
        for (OffsetRange range : dataset.ranges()) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(range.getTopic()).append('-').append(range.getPartition()).append(" [")
                    .append(range.getStartOffset()).append(", ").append(range.getEndOffset()).append(')');
        }
        return text.toString();
    }

    /** Stops taking runs and waits (bounded) for the current one. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("The training worker did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For the dataset source: reads the labeled topic of this pipeline with a fresh consumer each time. */
    static DatasetSource datasetSource(Supplier<org.apache.kafka.clients.consumer.Consumer<String, LabeledExample>>
                                               consumers, DatasetReader reader, String topic) {
        return () -> {
            try (var consumer = consumers.get()) {
                return reader.read(consumer, topic);
            }
        };
    }
}
