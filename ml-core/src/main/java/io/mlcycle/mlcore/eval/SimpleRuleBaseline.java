package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.train.Example;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The best simple rule found automatically on the training part: a depth-2 decision tree over single features and
 * thresholds (numeric and boolean features; a missing value goes with the low side), chosen by Gini impurity, each
 * leaf scoring its training positive rate. It answers "do we need ML at all?": if this rule gets most of a model's lift
 * over the class prior, a person could apply it by hand. Deterministic: candidate thresholds are quantiles of the
 * training values, ties broken by feature order. Immutable and thread-safe once fitted.
 */
public final class SimpleRuleBaseline {

    private static final int CANDIDATE_THRESHOLDS = 32;

    /** One node: a split ({@code feature != null}) or a leaf ({@code feature == null}, {@code rate}). */
    private record Node(String feature, double threshold, Node low, Node high, double rate, int count) {
    }

    private final Node root;

    private SimpleRuleBaseline(Node root) {
        this.root = root;
    }

    /**
     * Fits on training examples.
     *
     * @param features the feature names to consider, in a fixed order (non-numeric values are ignored)
     * @param minLeaf  smallest leaf, as a fraction of the training set (e.g. 0.01)
     */
    public static SimpleRuleBaseline fit(List<Example> training, List<String> features, double minLeaf) {
        Objects.requireNonNull(training, "training");
        if (training.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        int n = training.size();
        double[][] columns = new double[features.size()][n];
        boolean[] labels = new boolean[n];
        for (int i = 0; i < n; i++) {
            Example e = training.get(i);
            labels[i] = e.label();
            for (int f = 0; f < features.size(); f++) {
                columns[f][i] = value(e.features().get(features.get(f)));
            }
        }
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        int minCount = Math.max(1, (int) Math.ceil(minLeaf * n));
        return new SimpleRuleBaseline(grow(all, columns, labels, features, 2, minCount));
    }

    private static double value(Object raw) {
        if (raw instanceof Number number) {
            return number.doubleValue();
        }
        if (raw instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return Double.NaN;
    }

    private static Node grow(int[] rows, double[][] columns, boolean[] labels, List<String> names, int depth,
                             int minCount) {
        long positives = 0;
        for (int r : rows) {
            positives += labels[r] ? 1 : 0;
        }
        double rate = (double) positives / rows.length;
        Node leaf = new Node(null, 0, null, null, rate, rows.length);
        if (depth == 0 || positives == 0 || positives == rows.length) {
            return leaf;
        }
        double parentImpurity = gini(positives, rows.length);
        double bestGain = 1e-12;
        int bestFeature = -1;
        double bestThreshold = 0;
        for (int f = 0; f < columns.length; f++) {
            double[] column = columns[f];
            for (double threshold : candidates(rows, column)) {
                long lowCount = 0;
                long lowPositives = 0;
                for (int r : rows) {
                    double v = column[r];
                    if (Double.isNaN(v) || v <= threshold) {
                        lowCount++;
                        lowPositives += labels[r] ? 1 : 0;
                    }
                }
                long highCount = rows.length - lowCount;
                if (lowCount < minCount || highCount < minCount) {
                    continue;
                }
                double impurity = (lowCount * gini(lowPositives, lowCount)
                        + highCount * gini(positives - lowPositives, highCount)) / rows.length;
                double gain = parentImpurity - impurity;
                if (gain > bestGain) {
                    bestGain = gain;
                    bestFeature = f;
                    bestThreshold = threshold;
                }
            }
        }
        if (bestFeature < 0) {
            return leaf;
        }
        double[] column = columns[bestFeature];
        double threshold = bestThreshold;
        int[] low = Arrays.stream(rows).filter(r -> Double.isNaN(column[r]) || column[r] <= threshold).toArray();
        int[] high = Arrays.stream(rows).filter(r -> !(Double.isNaN(column[r]) || column[r] <= threshold)).toArray();
        return new Node(names.get(bestFeature), threshold, grow(low, columns, labels, names, depth - 1, minCount),
                grow(high, columns, labels, names, depth - 1, minCount), rate, rows.length);
    }

    private static double[] candidates(int[] rows, double[] column) {
        double[] values = Arrays.stream(rows).mapToDouble(r -> column[r]).filter(v -> !Double.isNaN(v)).sorted()
                .toArray();
        if (values.length == 0) {
            return new double[0];
        }
        double[] out = new double[CANDIDATE_THRESHOLDS];
        int k = 0;
        for (int q = 1; q <= CANDIDATE_THRESHOLDS; q++) {
            double v = values[(int) Math.min(values.length - 1, (long) q * values.length / (CANDIDATE_THRESHOLDS + 1))];
            if (k == 0 || v != out[k - 1]) {
                out[k++] = v;
            }
        }
        return Arrays.copyOf(out, k);
    }

    private static double gini(long positives, long count) {
        if (count == 0) {
            return 0;
        }
        double p = (double) positives / count;
        return 2 * p * (1 - p);
    }

    /** The rule's score for one record: the training positive rate of its leaf. */
    public double score(Map<String, Object> features) {
        Node node = root;
        while (node.feature() != null) {
            double v = value(features.get(node.feature()));
            node = Double.isNaN(v) || v <= node.threshold() ? node.low() : node.high();
        }
        return node.rate();
    }

    public double[] scores(List<Example> examples) {
        double[] out = new double[examples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = score(examples.get(i).features());
        }
        return out;
    }

    /** The rule in words, e.g. {@code if times_90_late > 0 then ... else ...}. */
    public String describe() {
        List<String> lines = new ArrayList<>();
        describe(root, "", lines);
        return String.join("; ", lines);
    }

    private static void describe(Node node, String path, List<String> out) {
        if (node.feature() == null) {
            out.add((path.isEmpty() ? "always" : path) + " -> " + String.format(Locale.ROOT, "%.3f", node.rate()));
            return;
        }
        String t = String.format(Locale.ROOT, "%.4g", node.threshold());
        String prefix = path.isEmpty() ? "" : path + " and ";
        describe(node.low(), prefix + node.feature() + " <= " + t + " (or missing)", out);
        describe(node.high(), prefix + node.feature() + " > " + t, out);
    }
}
