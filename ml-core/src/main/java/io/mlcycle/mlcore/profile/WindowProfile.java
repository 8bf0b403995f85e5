package io.mlcycle.mlcore.profile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Counts one window's feature values into the reference profile's bins (last slot: missing), for drift checks.
 * Small (a few longs per feature) and mergeable, e.g. across partitions or as Kafka Streams state.
 * Not thread-safe: one owner at a time.
 */
public final class WindowProfile {
    private final DataProfile reference;
    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private long records;

    private WindowProfile(DataProfile reference) {
        this.reference = Objects.requireNonNull(reference, "reference");
        for (FeatureProfile feature : reference.features()) {
            counts.put(feature.feature(), new long[feature.bins() + 1]);
        }
    }

    /** An empty window binned like the reference. */
    public static WindowProfile against(DataProfile reference) {
        return new WindowProfile(reference);
    }

    /** Rebuilds a window from stored counts (e.g. a state store); counts arrays are copied. */
    public static WindowProfile restore(DataProfile reference, long records, Map<String, long[]> storedCounts) {
        WindowProfile window = new WindowProfile(reference);
        window.records = records;
        for (Map.Entry<String, long[]> e : window.counts.entrySet()) {
            long[] stored = storedCounts.get(e.getKey());
            if (stored == null || stored.length != e.getValue().length) {
                throw new IllegalArgumentException("stored counts of '" + e.getKey() + "' do not match the reference bins");
            }
            System.arraycopy(stored, 0, e.getValue(), 0, stored.length);
        }
        return window;
    }

    /** Counts one record's features; values of the wrong type count as missing. */
    public void add(Map<String, Object> features) {
        records++;
        for (FeatureProfile feature : reference.features()) {
            long[] c = counts.get(feature.feature());
            int bin = feature.binOf(features.get(feature.feature()));
            c[bin < 0 ? c.length - 1 : bin]++;
        }
    }

    /** Adds another window's counts (same reference) into this one. */
    public WindowProfile merge(WindowProfile other) {
        if (!other.reference.equals(reference)) {
            throw new IllegalArgumentException("cannot merge windows profiled against different references");
        }
        records += other.records;
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            long[] theirs = other.counts.get(e.getKey());
            for (int i = 0; i < theirs.length; i++) {
                e.getValue()[i] += theirs[i];
            }
        }
        return this;
    }

    public long records() {
        return records;
    }

    public DataProfile reference() {
        return reference;
    }

    /** A copy of a feature's counts: one per reference bin, then missing. */
    public long[] counts(String feature) {
        long[] c = counts.get(feature);
        if (c == null) {
            throw new IllegalArgumentException("no feature '" + feature + "' in the reference profile");
        }
        return c.clone();
    }

    public List<String> features() {
        return List.copyOf(counts.keySet());
    }
}
