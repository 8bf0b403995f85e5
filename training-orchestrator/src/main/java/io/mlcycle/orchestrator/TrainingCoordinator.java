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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns trigger records into training runs, one at a time, on a single worker thread: applies the
 * {@link TriggerPolicy} (run, queue, defer, or record a SKIPPED run), and executes each run — dataset by offsets,
 * training and evaluation by the {@link TrainingRunner}, registration by the {@link ModelRegistryWriter} —
 * publishing its progress through the {@link RunTracker}. A failing run is recorded as FAILED with its reason;
 * nothing here throws to the caller.
 *
 * <p>Deferred triggers (DRIFT, DEGRADATION arriving during a run or the cooldown): at most one is kept, recorded as a
 * QUEUED run saying until when; a newer one replaces it (the older run is recorded SKIPPED, superseded by the newer
 * trigger). {@link #startDeferredIfDue} starts it once the run has ended and the cooldown is over, or records it
 * SKIPPED when a newer champion was promoted since its evidence. On close, a still deferred trigger and the accepted
 * triggers still queued for the worker are left uncommitted so that the next instance handles them;
 * the run in progress is given time to finish.
 *
 * <p>Trigger handling ({@link #onTrigger}), the deferred-trigger check ({@link #startDeferredIfDue}) and the
 * automatic-trigger check ({@link #checkAutomaticTriggers}) are called from the service's control loop (one thread);
 * runs execute on the worker. Shared state is guarded by this object.
 */
final class TrainingCoordinator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingCoordinator.class);

    /** Reads the dataset for a run (opens and closes its own consumer). */
    interface DatasetSource {
        DatasetReader.Dataset read();

        /** Reads exactly the given ranges (a reproduction). */
        default DatasetReader.Dataset read(List<OffsetRange> ranges) {
            throw new UnsupportedOperationException("this dataset source cannot read recorded ranges");
        }
    }

    /** A trigger waiting for the run or the cooldown to end, the run record opened for it, and why it waits. */
    private record Deferred(String runId, TrainingTrigger trigger, Instant since, String reason) {
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
    private final ThreadPoolExecutor worker;
    /** Fault seam for tests: runs on the worker just before a run's registry write (e.g. to hold a run there). */
    volatile Runnable beforeRegister = () -> { };

    // guarded by this
    private boolean runActive;
    private int queuedRuns;
    private Instant lastRunEndedAt;
    private boolean bootstrapRequested;
    /** Labeled examples counted when the last BOOTSTRAP trigger was published (-1: never). */
    private long bootstrapAttemptExamples = -1;
    private boolean volumeRequested;
    /** The last schedule slot this instance published a trigger for (a slot is published once). */
    private Instant lastScheduleSlot;
    private Deferred deferred;
    /** The MANUAL trigger this instance published that has not started (or been skipped) yet. */
    private TrainingTrigger pendingManual;

    /** An accepted trigger waiting in the worker's queue: on close it is handed over, not dropped. */
    private record QueuedRun(String runId, TrainingTrigger trigger, TrainingCoordinator owner) implements Runnable {
        @Override
        public void run() {
            owner.execute(runId, trigger);
        }
    }

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
        // a plain pool (not Executors' wrapper) so that close() can take the queued runs back and hand them over
        this.worker = new ThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread thread = new Thread(r, "orchestrator-" + pipeline + "-worker");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A snapshot of the state the policy decides on. */
    synchronized TriggerPolicy.State state() {
        return state(deferred != null);
    }

    private synchronized TriggerPolicy.State state(boolean deferredPending) {
        return new TriggerPolicy.State(registry.champion().map(ModelVersion::getVersion), !registry.isEmpty(),
                runActive, queuedRuns, Optional.ofNullable(lastRunEndedAt), bootstrapRequested, volumeRequested,
                deferredPending, registry.selection().challengers().stream().findFirst().map(ModelVersion::getVersion));
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
        boolean retryDue;
        synchronized (this) {
            // after a bootstrap that registered nothing: once there is more data, and not within the cooldown
            retryDue = newExamples > bootstrapAttemptExamples && !policy.inCooldown(state, now);
        }
        if (policy.shouldBootstrap(state, newExamples) && retryDue) {
            Map<String, String> evidence = new LinkedHashMap<>();
            evidence.put("labeled_examples", Long.toString(newExamples));
            evidence.put("min_examples", Long.toString(policy.minExamples()));
            synchronized (this) {
                bootstrapRequested = true;
                bootstrapAttemptExamples = newExamples;
            }
            if (!publish(TriggerReason.BOOTSTRAP, evidence, "no champion yet and " + newExamples
                    + " labeled examples >= training.min_examples " + policy.minExamples(), now)) {
                synchronized (this) {
                    bootstrapRequested = false;
                }
            }
            return;
        }
        Optional<Instant> slot = policy.scheduleDue(state,
                registry.latest().map(v -> v.getLineage().getTrainedAt()), now);
        synchronized (this) {
            if (slot.isPresent() && slot.get().equals(lastScheduleSlot)) {
                slot = Optional.empty();
            }
        }
        if (slot.isPresent()) {
            ModelVersion latest = registry.latest().orElseThrow();
            Map<String, String> evidence = new LinkedHashMap<>();
            evidence.put("schedule", policy.schedule().orElseThrow().toString());
            evidence.put("latest_version", latest.getVersion());
            evidence.put("latest_trained_at", latest.getLineage().getTrainedAt().toString());
            evidence.put("slot", slot.get().toString());
            if (publish(TriggerReason.SCHEDULE, evidence, "triggers.schedule " + policy.schedule().orElseThrow()
                    + " has passed since " + latest.getVersion() + " was trained (slot " + slot.get() + ")", now,
                    TriggerPolicy.scheduleTriggerId(pipeline, slot.get()))) {
                synchronized (this) {
                    lastScheduleSlot = slot.get();
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

    /** A manual request's trigger, and whether it joined one already waiting. */
    record ManualRequest(TrainingTrigger trigger, boolean coalesced) {
    }

    /**
     * Builds and publishes a MANUAL trigger (HTTP), or returns the one still waiting to start (coalesced: one run
     * trains on all the data anyway). Throws if the broker did not store it.
     */
    synchronized ManualRequest requestManual(String reason, String requestedBy) {
        if (pendingManual != null) {
            LOG.info("Manual training request by {} ({}) joins trigger {} still waiting to start", requestedBy, reason,
                    pendingManual.getTriggerId());
            return new ManualRequest(pendingManual, true);
        }
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
        pendingManual = trigger;
        LOG.info("Manual training requested by {}: {} (trigger {})", requestedBy, reason, trigger.getTriggerId());
        return new ManualRequest(trigger, false);
    }

    private boolean publish(TriggerReason reason, Map<String, String> evidence, String note, Instant now) {
        return publish(reason, evidence, note, now, EventIds.newTimeOrderedId());
    }

    private boolean publish(TriggerReason reason, Map<String, String> evidence, String note, Instant now,
                            String triggerId) {
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(triggerId)
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

    /**
     * Handles one trigger record from {@code <p>.training.triggers}: a run (now or queued), a deferred trigger
     * (replacing the one deferred before), or a SKIPPED record.
     */
    void onTrigger(TrainingTrigger trigger) {
        String runId = EventIds.newTimeOrderedId();
        if (!pipeline.equals(trigger.getPipeline())) {
            runs.open(runId, trigger, RunStatus.SKIPPED, "trigger is for pipeline '" + trigger.getPipeline()
                    + "', this orchestrator serves '" + pipeline + "'");
            return;
        }
        TriggerPolicy.Decision decision;
        Deferred replaced = null;
        synchronized (this) {
            if (trigger.getReason() == TriggerReason.VOLUME
                    && OrchestratorConfig.SERVICE_NAME.equals(trigger.getRequestedBy())) {
                volumeRequested = false;
            }
            Instant now = clock.instant();
            decision = policy.decide(trigger.getReason(), trigger.getEvidence(), state(), now);
            switch (decision.action()) {
                case RUN, QUEUE -> queuedRuns++;
                case DEFER -> {
                    replaced = deferred;
                    deferred = new Deferred(runId, trigger, now, decision.reason());
                }
                default -> { }
            }
        }
        switch (decision.action()) {
            case SKIP -> {
                synchronized (this) {
                    clearPendingManual(trigger);
                }
                runs.open(runId, trigger, RunStatus.SKIPPED, decision.reason());
                LOG.info("Trigger {} ({}) skipped: {}", trigger.getTriggerId(), trigger.getReason(),
                        decision.reason());
            }
            case DEFER -> {
                runs.open(runId, trigger, RunStatus.QUEUED, decision.reason());
                LOG.info("Trigger {} ({}) deferred: {}", trigger.getTriggerId(), trigger.getReason(),
                        decision.reason());
                if (replaced != null) {
                    String reason = "superseded by trigger " + trigger.getTriggerId() + " (" + trigger.getReason()
                            + "), deferred in its place";
                    deferredStatus(replaced, RunStatus.SKIPPED, 1.0, reason);
                    LOG.info("Deferred trigger {} ({}) {}", replaced.trigger().getTriggerId(),
                            replaced.trigger().getReason(), reason);
                }
            }
            default -> {
                runs.open(runId, trigger, RunStatus.QUEUED, decision.reason());
                submit(runId, trigger);
            }
        }
    }

    /**
     * Starts the deferred trigger once no run is active or queued and the cooldown is over, or records it SKIPPED
     * when its evidence was measured against a champion that has been replaced since. Called by the control loop
     * on every turn; does nothing when no trigger is deferred or it must still wait.
     */
    void startDeferredIfDue() {
        Deferred due;
        TriggerPolicy.Decision decision;
        synchronized (this) {
            if (deferred == null) {
                return;
            }
            decision = policy.decide(deferred.trigger().getReason(), deferred.trigger().getEvidence(), state(false),
                    clock.instant());
            switch (decision.action()) {
                case DEFER -> {
                    if (decision.reason().equals(deferred.reason())) {
                        return;
                    }
                    // the run it waited for has ended: the record now says when the cooldown ends
                    deferred = new Deferred(deferred.runId(), deferred.trigger(), deferred.since(),
                            decision.reason());
                    due = deferred;
                }
                case SKIP -> {
                    due = deferred;
                    deferred = null;
                }
                default -> {
                    due = deferred;
                    deferred = null;
                    queuedRuns++;
                }
            }
        }
        TrainingTrigger trigger = due.trigger();
        switch (decision.action()) {
            case DEFER -> deferredStatus(due, RunStatus.QUEUED, 0.0, decision.reason());
            case SKIP -> {
                deferredStatus(due, RunStatus.SKIPPED, 1.0, decision.reason());
                LOG.info("Deferred trigger {} ({}) skipped: {}", trigger.getTriggerId(), trigger.getReason(),
                        decision.reason());
            }
            default -> {
                String message = "deferred since " + due.since() + ", started now that the run and the cooldown "
                        + "are over: " + decision.reason();
                deferredStatus(due, RunStatus.QUEUED, 0.0, message);
                LOG.info("Deferred trigger {} ({}) started: {}", trigger.getTriggerId(), trigger.getReason(),
                        message);
                submit(due.runId(), trigger);
            }
        }
    }

    private void submit(String runId, TrainingTrigger trigger) {
        try {
            worker.execute(new QueuedRun(runId, trigger, this));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                queuedRuns--;
            }
            handOver(new Deferred(runId, trigger, clock.instant(), "queued"));
        }
    }

    private void execute(String runId, TrainingTrigger trigger) {
        synchronized (this) {
            queuedRuns--;
            runActive = true;
            clearPendingManual(trigger);
        }
        try {
            runTraining(runId, trigger);
        } catch (UnusableDatasetException e) {
            LOG.warn("Training run {} (trigger {} {}) cannot train: {}", runId, trigger.getTriggerId(),
                    trigger.getReason(), e.getMessage());
            runs.status(runId, RunStatus.FAILED, 1.0, "not enough data: " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.error("Training run {} (trigger {} {}) failed: {}", runId, trigger.getTriggerId(),
                    trigger.getReason(), message, e);
            runs.status(runId, RunStatus.FAILED, 1.0, "failed: " + message);
        } finally {
            synchronized (this) {
                runActive = false;
                lastRunEndedAt = clock.instant();
                if (registry.isEmpty()) {
                    // nothing was registered (e.g. the data had one outcome only): bootstrap may be tried again
                    bootstrapRequested = false;
                }
            }
        }
    }

    /**
     * Rebuilds a registered version from its lineage (the same offset ranges, spec and seed) and compares the
     * artifact's SHA-256 with the registered one. Registers nothing: the run record says identical, or what differs.
     */
    private void reproduce(String runId, TrainingTrigger trigger) {
        String versionId = trigger.getReproduceVersion();
        ModelVersion original = versionId == null ? null : registry.get(versionId).orElse(null);
        if (original == null) {
            runs.status(runId, RunStatus.FAILED, 1.0, "cannot reproduce: "
                    + (versionId == null ? "the trigger names no version (reproduce_version)"
                    : "no registered version " + versionId));
            return;
        }
        var lineage = original.getLineage();
        if (!lineage.getSpecSha256().equals(runner.specSha256())) {
            runs.status(runId, RunStatus.FAILED, 1.0, "cannot reproduce " + versionId + ": it was trained with spec "
                    + lineage.getSpecSha256() + ", this orchestrator runs spec " + runner.specSha256()
                    + " (hyper-parameters, seed or data handling may differ); start an orchestrator with that spec");
            return;
        }
        runs.status(runId, RunStatus.BUILDING_DATASET, 0.1, "reading the recorded ranges of " + versionId);
        DatasetReader.Dataset dataset = datasets.read(lineage.getDataset());
        runs.update(runId, b -> b.setDataset(dataset.ranges()).setProgress(0.3).setMessage("training "
                + lineage.getTrainer() + " on the " + dataset.examples().size() + " recorded examples"));
        runs.status(runId, RunStatus.TRAINING, 0.4, "training " + lineage.getTrainer() + " with seed "
                + lineage.getSeed());
        io.mlcycle.mlcore.train.TrainedModel model = runner.retrain(dataset.examples());
        boolean identical = model.sha256().equalsIgnoreCase(original.getArtifactSha256());
        String codeNote = codeVersion.equals(lineage.getCodeVersion()) ? ""
                : " (code version " + codeVersion + ", the original was built by " + lineage.getCodeVersion() + ")";
        String message = identical
                ? "reproduced " + versionId + ": identical SHA-256 " + model.sha256() + codeNote
                : "reproduction of " + versionId + " differs: SHA-256 " + model.sha256() + " vs registered "
                + original.getArtifactSha256() + ", " + model.artifactSize() + " vs " + original.getArtifactSizeBytes()
                + " bytes" + codeNote;
        runs.update(runId, b -> b.setStatus(identical ? RunStatus.REGISTERED : RunStatus.FAILED).setProgress(1.0)
                .setMessage(message).setModelVersion(versionId)
                .setMetrics(Map.of("reproduced", identical ? 1.0 : 0.0)));
        LOG.info("Run {}: {}", runId, message);
    }

    private void runTraining(String runId, TrainingTrigger trigger) {
        if (trigger.getReason() == TriggerReason.REPRODUCE) {
            reproduce(runId, trigger);
            return;
        }
        runs.status(runId, RunStatus.BUILDING_DATASET, 0.1, "reading labeled examples by offsets");
        DatasetReader.Dataset dataset = datasets.read();
        runs.update(runId, b -> b.setDataset(dataset.ranges()).setProgress(0.2).setMessage("dataset: "
                + dataset.examples().size() + " examples from " + describe(dataset)
                + (dataset.unreadable() > 0 ? " (" + dataset.unreadable() + " unreadable records left out)" : "")
                + (dataset.duplicates() > 0 ? " (" + dataset.duplicates() + " earlier examples of the same event ids "
                + "left out)" : "")));

        Optional<ModelVersion> champion = registry.champion();
        int versionNumber = registry.nextVersionNumber();
        TrainingRunner.RunContext context = new TrainingRunner.RunContext(runId, trigger, versionNumber,
                codeVersion, schemaIds.get());
        TrainingRunner.RunResult result = runner.run(dataset.examples(), dataset.ranges(), context, champion,
                (status, progress, message) -> runs.status(runId, status, progress, message));

        StagePlanner.RegistryUpdate update = StagePlanner.plan(result.candidate(), registry.selection(),
                runner.spec().canary(), clock.instant());
        beforeRegister.run();
        registryWriter.write(update).forEach(registry::apply);
        datasetBaseline.accept(dataset.endOffsets());

        ModelVersion registered = update.candidate();
        boolean promoted = result.gatesPassed();
        String message = promoted
                ? (registered.getStage() == io.mlcycle.avro.Stage.CHAMPION
                ? registered.getVersion() + " promoted to CHAMPION" + champion.map(c -> ", " + c.getVersion()
                + " retired").orElse("")
                : registered.getVersion() + " passed the gates and entered " + registered.getStage()
                + " (staged promotion): online evidence against " + champion.map(ModelVersion::getVersion)
                .orElse("the champion") + " decides")
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

    private void clearPendingManual(TrainingTrigger trigger) {
        if (pendingManual != null && pendingManual.getTriggerId().equals(trigger.getTriggerId())) {
            pendingManual = null;
        }
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

    /**
     * Hands a still deferred trigger and the accepted triggers still waiting for the worker over to the next instance
     * (their offsets stay uncommitted, their runs here say so), then stops taking runs and waits
     * (bounded) for the current one to finish; only a run still going after that is interrupted.
     */
    @Override
    public void close() {
        Deferred pending;
        synchronized (this) {
            pending = deferred;
            deferred = null;
        }
        if (pending != null) {
            handOver(pending);
        }
        worker.shutdown();
        // Their trigger offsets are committed already: dropping them here would lose MANUAL and BOOTSTRAP requests.
        List<Runnable> waiting = new ArrayList<>();
        worker.getQueue().drainTo(waiting);
        for (Runnable task : waiting) {
            if (task instanceof QueuedRun queued) {
                synchronized (this) {
                    queuedRuns--;
                }
                handOver(new Deferred(queued.runId(), queued.trigger(), clock.instant(), "queued"));
            }
        }
        try {
            // not shutdownNow() first: an interrupt could break the registry transaction of a run about to finish
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("The training worker did not finish its run within 30 s; interrupting it");
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A trigger that has not run when the orchestrator stops: its offset is not committed (only a final outcome
     * commits it), so the next instance receives it again. Its run record stays open (QUEUED) saying so; the next
     * instance closes it at start.
     */
    private void handOver(Deferred pending) {
        TrainingTrigger trigger = pending.trigger();
        String message = "the orchestrator stopped while the trigger was " + (pending.reason().equals("queued")
                ? "queued for the worker" : "deferred") + "; its offset is not committed, so the next instance "
                + "handles it";
        LOG.info("Trigger {} ({}) left for the next instance", trigger.getTriggerId(), trigger.getReason());
        deferredStatus(pending, RunStatus.QUEUED, 0.0, message);
    }

    /** Updates a deferred trigger's run record, opening it again if the bounded history dropped it meanwhile. */
    private void deferredStatus(Deferred pending, RunStatus status, double progress, String message) {
        if (runs.get(pending.runId()).isPresent()) {
            runs.status(pending.runId(), status, progress, message);
        } else {
            runs.open(pending.runId(), pending.trigger(), status, message);
        }
    }

    /** For the dataset source: reads the labeled topic of this pipeline with a fresh consumer each time. */
    static DatasetSource datasetSource(Supplier<org.apache.kafka.clients.consumer.Consumer<String, LabeledExample>>
                                               consumers, DatasetReader reader, String topic,
                                       java.util.OptionalInt maxExamples) {
        return new DatasetSource() {
            @Override
            public DatasetReader.Dataset read() {
                try (var consumer = consumers.get()) {
                    return reader.read(consumer, topic, maxExamples);
                }
            }

            @Override
            public DatasetReader.Dataset read(List<OffsetRange> ranges) {
                try (var consumer = consumers.get()) {
                    List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
                    Map<org.apache.kafka.common.TopicPartition, Long> begin = new java.util.HashMap<>();
                    Map<org.apache.kafka.common.TopicPartition, Long> end = new java.util.HashMap<>();
                    for (OffsetRange range : ranges) {
                        var partition = new org.apache.kafka.common.TopicPartition(range.getTopic(),
                                range.getPartition());
                        partitions.add(partition);
                        begin.put(partition, range.getStartOffset());
                        end.put(partition, range.getEndOffset());
                    }
                    return reader.read(consumer, partitions, begin, end);
                }
            }
        };
    }

    /** Builds and publishes a REPRODUCE trigger for a registered version. Throws if the broker did not store it. */
    TrainingTrigger requestReproduction(String version, String requestedBy) {
        if (registry.get(version).isEmpty()) {
            throw new IllegalArgumentException("no registered version " + version);
        }
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(EventIds.newTimeOrderedId())
                .setPipeline(pipeline)
                .setReason(TriggerReason.REPRODUCE)
                .setRequestedBy(requestedBy)
                .setRequestedAt(clock.instant())
                .setReproduceVersion(version)
                .setNote("reproduce " + version)
                .build();
        triggerPublisher.accept(trigger);
        return trigger;
    }
}
