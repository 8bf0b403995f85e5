package io.mlcycle.mlcore.train;

import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.Scorer;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The result of a training run: the artifact bytes and their SHA-256, a scorer loaded from them, and facts for
 * lineage. Immutable.
 */
public final class TrainedModel {
    private final String trainer;
    private final String formatId;
    private final byte[] artifact;
    private final String sha256;
    private final Scorer scorer;
    private final Map<String, String> hyperparameters;
    private final long seed;
    private final int trainingExamples;
    private final double trainingPositiveRate;
    private final Duration trainingDuration;

    public TrainedModel(String trainer, String formatId, byte[] artifact, Scorer scorer, Map<String, String> hyperparameters,
                        long seed, int trainingExamples, double trainingPositiveRate, Duration trainingDuration) {
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.formatId = Objects.requireNonNull(formatId, "formatId");
        this.artifact = artifact.clone();
        this.sha256 = ModelArtifacts.sha256(artifact);
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.hyperparameters = Collections.unmodifiableMap(new TreeMap<>(hyperparameters));
        this.seed = seed;
        this.trainingExamples = trainingExamples;
        this.trainingPositiveRate = trainingPositiveRate;
        this.trainingDuration = Objects.requireNonNull(trainingDuration, "trainingDuration");
    }

    public String trainer() {
        return trainer;
    }

    /** e.g. {@code mlcycle.logistic.v1}. */
    public String formatId() {
        return formatId;
    }

    /** A copy of the artifact bytes. */
    public byte[] artifact() {
        return artifact.clone();
    }

    public int artifactSize() {
        return artifact.length;
    }

    /** Lower-case hex SHA-256 of the artifact. */
    public String sha256() {
        return sha256;
    }

    public Scorer scorer() {
        return scorer;
    }

    /** The effective hyper-parameters, defaults included, sorted by key. */
    public Map<String, String> hyperparameters() {
        return hyperparameters;
    }

    public long seed() {
        return seed;
    }

    public int trainingExamples() {
        return trainingExamples;
    }

    public double trainingPositiveRate() {
        return trainingPositiveRate;
    }

    /** Wall-clock training time (not part of the artifact). */
    public Duration trainingDuration() {
        return trainingDuration;
    }
}
