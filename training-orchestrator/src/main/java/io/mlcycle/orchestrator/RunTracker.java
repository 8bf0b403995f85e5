package io.mlcycle.orchestrator;

import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Keeps the state of the training runs this orchestrator handled (the most recent ones, bounded) and publishes every
 * change of a run to {@code <p>.training.runs}. Thread-safe.
 */
public final class RunTracker {

    private final String pipeline;
    private final Consumer<TrainingRun> sink;
    private final int capacity;
    private final Clock clock;
    private final Map<String, TrainingRun> runs = new LinkedHashMap<>();

    /**
     * @param sink     where each new state of a run goes (the runs topic)
     * @param capacity how many recent runs to keep for the HTTP view
     */
    public RunTracker(String pipeline, Consumer<TrainingRun> sink, int capacity, Clock clock) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.sink = Objects.requireNonNull(sink, "sink");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1");
        }
        this.capacity = capacity;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records a new run for a trigger, in {@code status} (QUEUED, or SKIPPED with the reason). */
    public TrainingRun open(String runId, TrainingTrigger trigger, RunStatus status, String message) {
        Instant now = clock.instant();
        TrainingRun run = TrainingRun.newBuilder()
                .setRunId(runId)
                .setPipeline(pipeline)
                .setTriggerId(trigger.getTriggerId())
                .setTriggerReason(trigger.getReason())
                .setStatus(status)
                .setProgress(status == RunStatus.SKIPPED ? 1.0 : 0.0)
                .setMessage(message)
                .setStartedAt(now)
                .setUpdatedAt(now)
                .build();
        store(run);
        return run;
    }

    /** Moves a run to {@code status} with a progress and message. */
    public TrainingRun status(String runId, RunStatus status, double progress, String message) {
        return update(runId, b -> b.setStatus(status).setProgress(progress).setMessage(message));
    }

    /** Applies a change to a run's record (its updated_at is set) and publishes the result. */
    public TrainingRun update(String runId, UnaryOperator<TrainingRun.Builder> change) {
        TrainingRun current;
        synchronized (this) {
            current = runs.get(runId);
        }
        if (current == null) {
            throw new IllegalArgumentException("unknown run " + runId);
        }
        TrainingRun next = change.apply(TrainingRun.newBuilder(current)).setUpdatedAt(clock.instant()).build();
        store(next);
        return next;
    }

    public synchronized Optional<TrainingRun> get(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /** Recent runs, newest first. */
    public synchronized List<TrainingRun> recent() {
        List<TrainingRun> list = new ArrayList<>(runs.values());
        Collections.reverse(list);
        return list;
    }

    private void store(TrainingRun run) {
        synchronized (this) {
            runs.put(run.getRunId(), run);
            while (runs.size() > capacity) {
                runs.remove(runs.keySet().iterator().next());
            }
        }
        sink.accept(run);
    }
}
