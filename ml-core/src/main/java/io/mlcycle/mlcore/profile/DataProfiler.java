package io.mlcycle.mlcore.profile;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Builds a {@link DataProfile} from feature maps: per numeric feature count, missing, mean, standard deviation,
 * min, max and decile bins with the fraction of records in each; per categorical feature the fraction of each value.
 * <p>
 * Decile edges: exact (nearest rank, as KLL's inclusive criterion) for up to {@value #EXACT_LIMIT} values, so the
 * reference profile recorded in a model's lineage is reproducible bit for bit; above that a DataSketches KLL sketch
 * (k = 200, rank error about 1.3%) bounds memory, at the cost of run-to-run variation (KLL compacts randomly).
 * Stateless and thread-safe.
 */
public final class DataProfiler {
    static final int EXACT_LIMIT = 1_000_000;
    private static final double[] DECILES = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    private static final List<String> BOOLEAN_CATEGORIES = List.of("false", "true");

    private final List<FeatureDefinition> definitions;

    public DataProfiler(List<FeatureDefinition> definitions) {
        this.definitions = List.copyOf(definitions);
    }

    public DataProfile profile(List<Map<String, Object>> rows) {
        List<FeatureProfile> profiles = new ArrayList<>();
        for (FeatureDefinition definition : definitions) {
            profiles.add(definition.kind() == FeatureKind.NUMERIC
                    ? numeric(definition.name(), rows)
                    : categorical(definition, rows));
        }
        return new DataProfile(profiles, rows.size());
    }

    private static FeatureProfile numeric(String name, List<Map<String, Object>> rows) {
        double[] values = new double[rows.size()];
        int present = 0;
        for (Map<String, Object> row : rows) {
            Object value = row.get(name);
            if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
                values[present++] = number.doubleValue();
            }
        }
        values = Arrays.copyOf(values, present);
        long count = rows.size();
        long missing = count - present;
        if (present == 0) {
            return new FeatureProfile(name, FeatureKind.NUMERIC, count, missing, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, List.of(), List.of(), List.of(0.0), count == 0 ? 0 : 1.0);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / present;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double stddev = Math.sqrt(squares / present);
        List<Double> edges = decileEdges(values);
        FeatureProfile shape = new FeatureProfile(name, FeatureKind.NUMERIC, count, missing, mean, stddev, min, max,
                edges, List.of(), zeros(edges.size() + 1), 0);
        long[] counts = new long[edges.size() + 1];
        for (double v : values) {
            counts[shape.binOf(v)]++;
        }
        return new FeatureProfile(name, FeatureKind.NUMERIC, count, missing, mean, stddev, min, max, edges, List.of(),
                fractions(counts, count), (double) missing / count);
    }

    static List<Double> decileEdges(double[] values) {
        double[] quantiles;
        if (values.length <= EXACT_LIMIT) {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            quantiles = new double[DECILES.length];
            for (int i = 0; i < DECILES.length; i++) {
                int rank = (int) Math.ceil(DECILES[i] * sorted.length);
                quantiles[i] = sorted[Math.max(0, rank - 1)];
            }
        } else {
            KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
            for (double v : values) {
                sketch.update(v);
            }
            quantiles = sketch.getQuantiles(DECILES, QuantileSearchCriteria.INCLUSIVE);
        }
        TreeSet<Double> distinct = new TreeSet<>();
        for (double q : quantiles) {
            distinct.add(q);
        }
        return List.copyOf(distinct);
    }

    private static FeatureProfile categorical(FeatureDefinition definition, List<Map<String, Object>> rows) {
        List<String> categories = definition.kind() == FeatureKind.BOOLEAN ? BOOLEAN_CATEGORIES : definition.categories();
        FeatureProfile shape = new FeatureProfile(definition.name(), definition.kind(), 0, 0, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, List.of(), categories, zeros(categories.size() + 1), 0);
        long[] counts = new long[categories.size() + 1];
        long missing = 0;
        for (Map<String, Object> row : rows) {
            int bin = shape.binOf(row.get(definition.name()));
            if (bin < 0) {
                missing++;
            } else {
                counts[bin]++;
            }
        }
        long count = rows.size();
        return new FeatureProfile(definition.name(), definition.kind(), count, missing, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, List.of(), categories, fractions(counts, count),
                count == 0 ? 0 : (double) missing / count);
    }

    private static List<Double> zeros(int n) {
        return new ArrayList<>(java.util.Collections.nCopies(n, 0.0));
    }

    private static List<Double> fractions(long[] counts, long total) {
        List<Double> fractions = new ArrayList<>(counts.length);
        for (long c : counts) {
            fractions.add(total == 0 ? 0.0 : (double) c / total);
        }
        return fractions;
    }
}
