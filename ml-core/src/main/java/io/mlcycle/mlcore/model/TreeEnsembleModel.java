package io.mlcycle.mlcore.model;

import io.mlcycle.mlcore.features.FeatureEncoder;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A gradient-boosted tree ensemble evaluated in pure Java: P(positive) = sigmoid(base_margin + sum of the trees'
 * leaves) over the encoded features. Split tests compare in single precision ({@code (float) x < threshold}), as
 * XGBoost does, so the scores equal the training library's. Serving scores it without any native library.
 * Serialises to the deterministic artifact format {@value #FORMAT_ID} via {@link ModelArtifacts}. Immutable and
 * thread-safe.
 */
public final class TreeEnsembleModel implements Scorer {
    public static final String FORMAT_ID = "mlcycle.trees.v1";

    /**
     * One tree as parallel arrays, node 0 the root. For a split node: {@code feature[i] >= 0}, go to {@code left[i]}
     * when {@code (float) x < threshold[i]}, else {@code right[i]}, and to {@code missing[i]} when x is NaN. For a
     * leaf: {@code feature[i] == -1} and {@code value[i]} is its margin.
     */
    public record Tree(int[] feature, float[] threshold, int[] left, int[] right, int[] missing, float[] value) {
        public Tree {
            int n = feature.length;
            if (n == 0 || threshold.length != n || left.length != n || right.length != n || missing.length != n
                    || value.length != n) {
                throw new IllegalArgumentException("a tree needs the same number (> 0) of entries in every array");
            }
        }

        double evaluate(double[] x) {
            int node = 0;
            int steps = 0;
            while (feature[node] >= 0) {
                double v = x[feature[node]];
                node = Double.isNaN(v) ? missing[node] : ((float) v < threshold[node] ? left[node] : right[node]);
                if (++steps > feature.length) {
                    throw new IllegalStateException("the tree has a cycle");
                }
            }
            return value[node];
        }

        void validate(int width) {
            for (int i = 0; i < feature.length; i++) {
                if (feature[i] >= width || feature[i] < -1) {
                    throw new IllegalArgumentException("node " + i + " splits on column " + feature[i] + " of "
                            + width);
                }
                if (feature[i] >= 0) {
                    for (int child : new int[] {left[i], right[i], missing[i]}) {
                        if (child <= i || child >= feature.length) {
                            throw new IllegalArgumentException("node " + i + " has child " + child
                                    + " (children must follow their parent)");
                        }
                    }
                } else if (!Float.isFinite(value[i])) {
                    throw new IllegalArgumentException("leaf " + i + " has value " + value[i]);
                }
            }
        }
    }

    private final FeatureEncoder encoder;
    private final double baseMargin;
    private final List<Tree> trees;
    private final Map<String, String> metadata;

    public TreeEnsembleModel(FeatureEncoder encoder, double baseMargin, List<Tree> trees,
                             Map<String, String> metadata) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        if (!Double.isFinite(baseMargin)) {
            throw new IllegalArgumentException("base margin is " + baseMargin);
        }
        this.baseMargin = baseMargin;
        this.trees = List.copyOf(trees);
        this.trees.forEach(t -> t.validate(encoder.width()));
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(metadata == null ? Map.of() : metadata));
    }

    @Override
    public double score(Map<String, Object> features) {
        return LinearModel.sigmoid(margin(encoder.encode(features)));
    }

    /** The raw margin of an encoded row. */
    public double margin(double[] x) {
        float sum = 0f;
        for (Tree tree : trees) {
            sum += (float) tree.evaluate(x);
        }
        return baseMargin + sum;
    }

    public FeatureEncoder encoder() {
        return encoder;
    }

    public double baseMargin() {
        return baseMargin;
    }

    public List<Tree> trees() {
        return trees;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The canonical artifact bytes. */
    public byte[] toBytes() {
        return ModelArtifacts.write(this);
    }
}
