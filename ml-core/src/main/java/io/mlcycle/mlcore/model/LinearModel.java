package io.mlcycle.mlcore.model;

import io.mlcycle.mlcore.features.FeatureEncoder;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A logistic model over encoded features: P(positive) = sigmoid(intercept + weights · encode(features)).
 * Serialises to the deterministic artifact format {@value #FORMAT_ID} via {@link ModelArtifacts}.
 * Immutable and thread-safe.
 */
public final class LinearModel implements Scorer {
    public static final String FORMAT_ID = "mlcycle.logistic.v1";

    private final FeatureEncoder encoder;
    private final double[] weights;
    private final double intercept;
    private final Map<String, String> metadata;

    /**
     * @param encoder   fitted feature encoding
     * @param weights   one weight per encoder column
     * @param intercept bias term
     * @param metadata  deterministic facts about training (trainer, seed, hyper-parameters, example count...);
     *                  never wall-clock times, which would break bit-for-bit reproducibility
     */
    public LinearModel(FeatureEncoder encoder, double[] weights, double intercept, Map<String, String> metadata) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        if (weights.length != encoder.width()) {
            throw new IllegalArgumentException("expected " + encoder.width() + " weights (one per column), got "
                    + weights.length);
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("weight of column '" + encoder.columns().get(i) + "' is " + weights[i]);
            }
        }
        if (!Double.isFinite(intercept)) {
            throw new IllegalArgumentException("intercept is " + intercept);
        }
        this.weights = weights.clone();
        this.intercept = intercept;
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(metadata == null ? Map.of() : metadata));
    }

    @Override
    public double score(Map<String, Object> features) {
        double[] x = encoder.encode(features);
        double z = intercept;
        for (int i = 0; i < x.length; i++) {
            z += weights[i] * x[i];
        }
        return sigmoid(z);
    }

    static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    public FeatureEncoder encoder() {
        return encoder;
    }

    public double[] weights() {
        return weights.clone();
    }

    public double intercept() {
        return intercept;
    }

    /** Sorted by key. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The deterministic artifact bytes; equal models give identical bytes. */
    public byte[] toBytes() {
        return ModelArtifacts.write(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearModel other && encoder.equals(other.encoder) && Arrays.equals(weights, other.weights)
                && Double.compare(intercept, other.intercept) == 0 && metadata.equals(other.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(encoder, Arrays.hashCode(weights), intercept, metadata);
    }

    @Override
    public String toString() {
        return "LinearModel{columns=" + encoder.columns() + ", weights=" + Arrays.toString(weights) + ", intercept="
                + intercept + ", metadata=" + metadata + "}";
    }
}
