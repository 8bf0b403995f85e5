package io.mlcycle.mlcore.profile;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * A mergeable summary of one window of records: counts (records, passed, quarantined, violations per code, first
 * and last event time) and, per feature of the passing records, count, missing, sum, sum of squares, min, max and
 * a sketch of the values: an Apache DataSketches KLL quantiles sketch for numeric features, a DataSketches
 * frequent-items sketch for categorical ones. Partial summaries of several stream tasks merge into one window of the
 * whole pipeline; {@link #toBytes()} is the form they travel and are stored in.
 *
 * <p>Reproducibility: the KLL sketches are created with {@code k = }{@link #kllK(int)} of the window size, and a KLL
 * sketch keeps every value exactly (no random compaction) while it holds at most k values, so windows of up to
 * 32,767 records give the same quantiles on every run and on every merge order. Larger windows fall back to KLL's
 * randomised compaction (normalised rank error about 1.65 / k). Frequent-items counts are exact while a window has
 * fewer distinct values than 3/4 of the sketch's map (48); beyond that the sketch reports the frequent ones with a
 * bounded error and the rest count as "other".
 *
 * <p>Not thread-safe: one owner at a time.
 */
public final class WindowSummary {

    private static final int FORMAT = 1;
    private static final int ITEMS_MAP_SIZE = 64;
    private static final int MAX_K = 65_535;
    private static final double[] DECILES = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    private static final ArrayOfStringsSerDe STRINGS = new ArrayOfStringsSerDe();
    private static final QuantileSearchCriteria INCLUSIVE = QuantileSearchCriteria.INCLUSIVE;

    private final List<FeatureDefinition> definitions;
    private final int k;
    private long records;
    private long passed;
    private long quarantined;
    private long startMillis = Long.MAX_VALUE;
    private long endMillis = Long.MIN_VALUE;
    private final Map<String, Long> violations = new TreeMap<>();
    private final Map<String, Feature> features = new LinkedHashMap<>();

    /** An empty summary of {@code definitions}, sized for windows of {@code windowRecords}. */
    public WindowSummary(List<FeatureDefinition> definitions, int windowRecords) {
        this(definitions, kllK(windowRecords), true);
    }

    private WindowSummary(List<FeatureDefinition> definitions, int k, boolean createSketches) {
        this.definitions = List.copyOf(definitions);
        this.k = k;
        for (FeatureDefinition definition : this.definitions) {
            features.put(definition.name(), createSketches ? new Feature(definition, k) : null);
        }
    }

    /**
     * The KLL {@code k} for windows of {@code windowRecords}: twice the window (a pipeline window may overshoot its
     * size by one partial), at least 200 (KLL's default) and at most 65,535 (KLL's maximum).
     */
    public static int kllK(int windowRecords) {
        long twice = 2L * Math.max(1, windowRecords);
        return (int) Math.max(200, Math.min(MAX_K, twice));
    }

    /** Counts a passing record with its features (numbers for numeric features; anything else counts as missing). */
    public void passed(long timestamp, Map<String, ?> row) {
        passed++;
        counted(timestamp);
        for (Feature feature : features.values()) {
            feature.add(row.get(feature.definition.name()));
        }
    }

    /** Counts a quarantined record and each of its reason codes (two bad fields count two). */
    public void quarantined(long timestamp, Collection<String> codes) {
        quarantined++;
        counted(timestamp);
        codes.forEach(this::violation);
    }

    /** Counts one finding under {@code code} without counting a record (a note on a passing record, a dropped duplicate). */
    public void violation(String code) {
        violations.merge(code, 1L, Long::sum);
    }

    private void counted(long timestamp) {
        records++;
        startMillis = Math.min(startMillis, timestamp);
        endMillis = Math.max(endMillis, timestamp);
    }

    /** Adds {@code other} (same features) into this summary. */
    public WindowSummary merge(WindowSummary other) {
        if (!other.definitions.equals(definitions)) {
            throw new IllegalArgumentException("cannot merge summaries of different features");
        }
        records += other.records;
        passed += other.passed;
        quarantined += other.quarantined;
        startMillis = Math.min(startMillis, other.startMillis);
        endMillis = Math.max(endMillis, other.endMillis);
        other.violations.forEach((code, count) -> violations.merge(code, count, Long::sum));
        for (Map.Entry<String, Feature> e : features.entrySet()) {
            e.getValue().merge(other.features.get(e.getKey()));
        }
        return this;
    }

    public long records() {
        return records;
    }

    public long passed() {
        return passed;
    }

    public long quarantined() {
        return quarantined;
    }

    /** Counts per reason code (and per noted finding), in code order. */
    public Map<String, Long> violations() {
        return new TreeMap<>(violations);
    }

    /** Earliest event time counted (epoch ms); 0 for an empty window. */
    public long startMillis() {
        return records == 0 ? 0 : startMillis;
    }

    /** Latest event time counted (epoch ms); 0 for an empty window. */
    public long endMillis() {
        return records == 0 ? 0 : endMillis;
    }

    public boolean isEmpty() {
        return records == 0 && violations.isEmpty();
    }

    /** Approximate retained size in bytes (for bounds in tests and benchmarks). */
    public int serializedSize() {
        return toBytes().length;
    }

    /**
     * The window's profile in ml-core form: per numeric feature count, missing, mean, standard deviation, min, max,
     * KLL decile edges and the fraction of records in each decile bin; per categorical feature the fraction of each
     * declared value (frequent-items estimates), other values in the last bin.
     */
    public DataProfile profile() {
        List<FeatureProfile> profiles = new ArrayList<>();
        for (Feature feature : features.values()) {
            profiles.add(feature.profile(passed));
        }
        return new DataProfile(profiles, passed);
    }

    /** The most frequent values of a categorical feature with their estimated counts, most frequent first. */
    public Map<String, Long> frequentItems(String feature) {
        Feature f = feature(feature);
        Map<String, Long> items = new LinkedHashMap<>();
        if (f.items != null && !f.items.isEmpty()) {
            for (ItemsSketch.Row<String> row : f.items.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                items.put(row.getItem(), row.getEstimate());
            }
        }
        return items;
    }

    /** The {@code rank} quantile (0..1) of a numeric feature's present values; NaN when there are none. */
    public double quantile(String feature, double rank) {
        Feature f = feature(feature);
        return f.kll == null || f.kll.isEmpty() ? Double.NaN : f.kll.getQuantile(rank, INCLUSIVE);
    }

    /**
     * The window's counts in the bins of {@code reference} (bins then missing, per feature), for drift: numeric
     * values are binned through the KLL sketch's CDF at the reference's edges (exact while the sketch is), category
     * values through the frequent-items estimates; features the reference lacks are left out.
     */
    public WindowProfile against(DataProfile reference) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (FeatureProfile ref : reference.features()) {
            Feature f = features.get(ref.feature());
            counts.put(ref.feature(), f == null ? missingOnly(ref, passed) : f.binCounts(ref));
        }
        return WindowProfile.restore(reference, passed, counts);
    }

    private static long[] missingOnly(FeatureProfile reference, long records) {
        long[] counts = new long[reference.bins() + 1];
        counts[counts.length - 1] = records;
        return counts;
    }

    private Feature feature(String name) {
        Feature f = features.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no feature '" + name + "' in this summary");
        }
        return f;
    }

    /** The summary in its binary form (stable across restarts of the same version). */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeInt(k);
            out.writeLong(records);
            out.writeLong(passed);
            out.writeLong(quarantined);
            out.writeLong(startMillis);
            out.writeLong(endMillis);
            out.writeInt(violations.size());
            for (Map.Entry<String, Long> e : violations.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            for (Feature feature : features.values()) {
                feature.write(out);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #toBytes()}; the definitions must be those it was written with. */
    public static WindowSummary fromBytes(List<FeatureDefinition> definitions, byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown window summary format " + format);
            }
            WindowSummary summary = new WindowSummary(definitions, in.readInt(), false);
            summary.records = in.readLong();
            summary.passed = in.readLong();
            summary.quarantined = in.readLong();
            summary.startMillis = in.readLong();
            summary.endMillis = in.readLong();
            int codes = in.readInt();
            for (int i = 0; i < codes; i++) {
                summary.violations.put(in.readUTF(), in.readLong());
            }
            for (FeatureDefinition definition : summary.definitions) {
                summary.features.put(definition.name(), Feature.read(definition, summary.k, in));
            }
            return summary;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a window summary of these features: " + e.getMessage(), e);
        }
    }

    /** One feature's counters and sketch. */
    private static final class Feature {
        private final FeatureDefinition definition;
        private long count;
        private long missing;
        private double sum;
        private double sumOfSquares;
        private double min = Double.POSITIVE_INFINITY;
        private double max = Double.NEGATIVE_INFINITY;
        private KllDoublesSketch kll;
        private ItemsSketch<String> items;

        private Feature(FeatureDefinition definition, int k) {
            this.definition = definition;
            if (definition.kind() == FeatureKind.NUMERIC) {
                kll = KllDoublesSketch.newHeapInstance(k);
            } else {
                items = new ItemsSketch<>(ITEMS_MAP_SIZE);
            }
        }

        private Feature(FeatureDefinition definition) {
            this.definition = definition;
        }

        void add(Object value) {
            count++;
            if (kll != null) {
                if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
                    double v = number.doubleValue();
                    kll.update(v);
                    sum += v;
                    sumOfSquares += v * v;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                } else {
                    missing++;
                }
            } else if (value == null) {
                missing++;
            } else {
                items.update(value.toString());
            }
        }

        void merge(Feature other) {
            count += other.count;
            missing += other.missing;
            sum += other.sum;
            sumOfSquares += other.sumOfSquares;
            min = Math.min(min, other.min);
            max = Math.max(max, other.max);
            if (kll != null) {
                if (!other.kll.isEmpty()) {
                    kll.merge(other.kll);
                }
            } else if (!other.items.isEmpty()) {
                items.merge(other.items);
            }
        }

        long present() {
            return count - missing;
        }

        FeatureProfile profile(long records) {
            long present = present();
            if (kll != null) {
                if (present == 0) {
                    return new FeatureProfile(definition.name(), FeatureKind.NUMERIC, count, missing, Double.NaN,
                            Double.NaN, Double.NaN, Double.NaN, List.of(), List.of(), List.of(0.0),
                            count == 0 ? 0 : 1.0);
                }
                double mean = sum / present;
                double variance = Math.max(0, sumOfSquares / present - mean * mean);
                TreeSet<Double> distinct = new TreeSet<>();
                for (double q : kll.getQuantiles(DECILES, INCLUSIVE)) {
                    distinct.add(q);
                }
                List<Double> edges = List.copyOf(distinct);
                FeatureProfile shape = new FeatureProfile(definition.name(), FeatureKind.NUMERIC, count, missing,
                        mean, Math.sqrt(variance), min, max, edges, List.of(), zeros(edges.size() + 1), 0);
                long[] bins = binCounts(shape);
                return new FeatureProfile(definition.name(), FeatureKind.NUMERIC, count, missing, mean,
                        Math.sqrt(variance), min, max, edges, List.of(), fractions(bins, count),
                        (double) missing / count);
            }
            List<String> categories = definition.kind() == FeatureKind.BOOLEAN ? List.of("false", "true")
                    : definition.categories();
            FeatureProfile shape = new FeatureProfile(definition.name(), definition.kind(), count, missing,
                    Double.NaN, Double.NaN, Double.NaN, Double.NaN, List.of(), categories,
                    zeros(categories.size() + 1), 0);
            long[] bins = binCounts(shape);
            return new FeatureProfile(definition.name(), definition.kind(), count, missing, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, List.of(), categories, fractions(bins, count),
                    count == 0 ? 0 : (double) missing / count);
        }

        /** Counts in the bins of {@code reference}, then missing. */
        long[] binCounts(FeatureProfile reference) {
            long[] counts = new long[reference.bins() + 1];
            counts[counts.length - 1] = missing;
            long present = present();
            if (present == 0) {
                return counts;
            }
            if (reference.isNumeric() && kll != null) {
                List<Double> edges = reference.binEdges();
                if (edges.isEmpty()) {
                    counts[0] = present;
                    return counts;
                }
                double[] splits = new double[edges.size()];
                for (int i = 0; i < splits.length; i++) {
                    splits[i] = edges.get(i);
                }
                double[] cdf = kll.getCDF(splits, INCLUSIVE);
                long previous = 0;
                for (int i = 0; i < splits.length; i++) {
                    long upTo = Math.round(cdf[i] * present);
                    counts[i] = upTo - previous;
                    previous = upTo;
                }
                counts[splits.length] = present - previous;
                return counts;
            }
            if (!reference.isNumeric() && items != null) {
                long known = 0;
                for (ItemsSketch.Row<String> row : items.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                    int bin = reference.binOf(row.getItem());
                    long estimate = Math.min(row.getEstimate(), present - known);
                    if (bin >= 0 && bin < reference.bins() - 1 && estimate > 0) {
                        counts[bin] += estimate;
                        known += estimate;
                    }
                }
                counts[reference.bins() - 1] = present - known;
                return counts;
            }
            // The feature changed kind since the reference was taken: nothing comparable, all count as other.
            counts[reference.bins() - 1] = present;
            return counts;
        }

        void write(DataOutputStream out) throws IOException {
            out.writeLong(count);
            out.writeLong(missing);
            out.writeDouble(sum);
            out.writeDouble(sumOfSquares);
            out.writeDouble(min);
            out.writeDouble(max);
            byte[] sketch = kll != null ? kll.toByteArray() : items.toByteArray(STRINGS);
            out.writeInt(sketch.length);
            out.write(sketch);
        }

        static Feature read(FeatureDefinition definition, int k, DataInputStream in) throws IOException {
            Feature f = new Feature(definition);
            f.count = in.readLong();
            f.missing = in.readLong();
            f.sum = in.readDouble();
            f.sumOfSquares = in.readDouble();
            f.min = in.readDouble();
            f.max = in.readDouble();
            byte[] sketch = new byte[in.readInt()];
            in.readFully(sketch);
            if (definition.kind() == FeatureKind.NUMERIC) {
                // heapify gives an updatable copy on the heap, so merging more partials into it works.
                f.kll = KllDoublesSketch.heapify(Memory.wrap(sketch));
            } else {
                f.items = ItemsSketch.getInstance(Memory.wrap(sketch), STRINGS);
            }
            return f;
        }

        private static List<Double> zeros(int n) {
            return new ArrayList<>(java.util.Collections.nCopies(n, 0.0));
        }

        private static List<Double> fractions(long[] counts, long total) {
            List<Double> fractions = new ArrayList<>(counts.length - 1);
            for (int i = 0; i < counts.length - 1; i++) {
                fractions.add(total == 0 ? 0.0 : (double) counts[i] / total);
            }
            return fractions;
        }
    }
}
