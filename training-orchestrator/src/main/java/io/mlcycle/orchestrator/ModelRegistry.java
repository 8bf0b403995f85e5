package io.mlcycle.orchestrator;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The orchestrator's view of the model registry: the latest state of every version of one pipeline, rebuilt by
 * replaying the compacted {@code <p>.models} topic and kept current from it and from the orchestrator's own writes.
 * Version numbers continue from the highest number ever seen, so they survive restarts. Thread-safe.
 */
public final class ModelRegistry {

    private final String pipeline;
    private final Map<String, ModelVersion> versions = new HashMap<>();
    private int highestVersionNumber;

    public ModelRegistry(String pipeline) {
        this.pipeline = pipeline;
    }

    /**
     * Applies one registry record: the latest value of a version is its state (a value older than the one held,
     * by {@code updated_at}, is ignored). A null value (a tombstone) removes the
     * version from the view but never lowers the highest number, so a number is never reused.
     */
    public synchronized void apply(String key, ModelVersion value) {
        if (value == null) {
            if (key != null) {
                versions.remove(key);
            }
            return;
        }
        if (!pipeline.equals(value.getPipeline())) {
            return;
        }
        ModelVersion known = versions.get(value.getVersion());
        if (known != null && value.getUpdatedAt().isBefore(known.getUpdatedAt())) {
            // an older state arriving late (own writes are applied before the topic delivers them back)
            return;
        }
        versions.put(value.getVersion(), value);
        highestVersionNumber = Math.max(highestVersionNumber, value.getVersionNumber());
    }

    public synchronized void apply(ModelVersion value) {
        apply(value.getVersion(), value);
    }

    /** The current champion: the highest-numbered version in stage CHAMPION. */
    public synchronized Optional<ModelVersion> champion() {
        return versions.values().stream()
                .filter(v -> v.getStage() == Stage.CHAMPION)
                .max(Comparator.comparingInt(ModelVersion::getVersionNumber));
    }

    /** The most recently registered version (any stage): its lineage holds the last dataset's end offsets. */
    public synchronized Optional<ModelVersion> latest() {
        return versions.values().stream().max(Comparator.comparingInt(ModelVersion::getVersionNumber));
    }

    public synchronized Optional<ModelVersion> get(String version) {
        return Optional.ofNullable(versions.get(version));
    }

    /** Every known version, oldest first. */
    public synchronized List<ModelVersion> all() {
        return versions.values().stream().sorted(Comparator.comparingInt(ModelVersion::getVersionNumber)).toList();
    }

    public synchronized boolean isEmpty() {
        return highestVersionNumber == 0 && versions.isEmpty();
    }

    public synchronized int highestVersionNumber() {
        return highestVersionNumber;
    }

    /** The number the next registered version gets. */
    public synchronized int nextVersionNumber() {
        return highestVersionNumber + 1;
    }

    /** The version id for a number, {@code <pipeline>-v<number>}. */
    public static String versionId(String pipeline, int number) {
        return pipeline + "-v" + number;
    }
}
