package io.mlcycle.mlcore.profile;

import io.mlcycle.mlcore.features.FeatureKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The reference profile of one feature: summary statistics and the distribution drift is measured against.
 * <p>
 * Numeric features: {@code binEdges} are the distinct decile cut points (at most 9), giving
 * {@code binEdges.size() + 1} bins; a value v falls into bin i = number of edges strictly below v, so bin 0 is
 * (-inf, e0], bin 1 is (e0, e1], ..., the last is (e_last, +inf). Categorical features (category and boolean):
 * {@code categories} lists the values (boolean: false, true) and there is one extra last bin for any other value.
 * {@code binFractions} are fractions of ALL records (missing included), so binFractions plus missingFraction sum to 1.
 *
 * @param feature         feature name
 * @param kind            feature kind
 * @param count           records profiled (missing included)
 * @param missing         records without a value
 * @param mean            mean of present values (NaN for categorical features or when none present)
 * @param stddev          population standard deviation of present values (NaN as for mean)
 * @param min             smallest present value (NaN as for mean)
 * @param max             largest present value (NaN as for mean)
 * @param binEdges        numeric: ascending distinct decile edges; categorical: empty
 * @param categories      categorical: the values; numeric: empty
 * @param binFractions    fraction of all records per bin
 * @param missingFraction missing / count
 */
public record FeatureProfile(String feature, FeatureKind kind, long count, long missing, double mean, double stddev,
                             double min, double max, List<Double> binEdges, List<String> categories,
                             List<Double> binFractions, double missingFraction) {

    public FeatureProfile {
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(kind, "kind");
        binEdges = List.copyOf(binEdges);
        categories = List.copyOf(categories);
        binFractions = List.copyOf(binFractions);
        int expectedBins = kind == FeatureKind.NUMERIC ? binEdges.size() + 1 : categories.size() + 1;
        if (binFractions.size() != expectedBins) {
            throw new IllegalArgumentException("feature '" + feature + "' has " + binFractions.size()
                    + " bin fractions, expected " + expectedBins);
        }
    }

    public boolean isNumeric() {
        return kind == FeatureKind.NUMERIC;
    }

    /** Bins excluding the missing bin. */
    public int bins() {
        return binFractions.size();
    }

    /** The reference distribution over bins then missing (sums to 1 when count > 0). */
    public double[] distribution() {
        double[] d = new double[bins() + 1];
        for (int i = 0; i < bins(); i++) {
            d[i] = binFractions.get(i);
        }
        d[bins()] = missingFraction;
        return d;
    }

    /** The bin of a present value, or -1 when the value cannot be binned (wrong type counts as missing). */
    public int binOf(Object value) {
        if (value == null) {
            return -1;
        }
        if (isNumeric()) {
            if (!(value instanceof Number number) || Double.isNaN(number.doubleValue())) {
                return -1;
            }
            double v = number.doubleValue();
            int low = 0;
            int high = binEdges.size();
            while (low < high) { // first edge >= v
                int mid = (low + high) >>> 1;
                if (binEdges.get(mid) < v) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }
        String text = value.toString();
        int index = categories.indexOf(text);
        if (index < 0) {
            for (int i = 0; i < categories.size(); i++) {
                if (categories.get(i).equalsIgnoreCase(text.trim())) {
                    return i;
                }
            }
            return categories.size();
        }
        return index;
    }

    /** Human-readable bin names, e.g. "(-inf, 18]", "(18, 25]", "employed", "(other)". */
    public List<String> binLabels() {
        List<String> labels = new ArrayList<>();
        if (isNumeric()) {
            for (int i = 0; i <= binEdges.size(); i++) {
                String low = i == 0 ? "-inf" : Double.toString(binEdges.get(i - 1));
                String high = i == binEdges.size() ? "+inf" : Double.toString(binEdges.get(i));
                labels.add("(" + low + ", " + high + (i == binEdges.size() ? ")" : "]"));
            }
        } else {
            labels.addAll(categories);
            labels.add("(other)");
        }
        return labels;
    }
}
