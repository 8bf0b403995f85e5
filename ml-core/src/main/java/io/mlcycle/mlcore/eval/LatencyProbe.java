package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.model.Scorer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Measures single-record, in-process scoring latency: what the latency budget of the spec constrains. Warms the
 * scorer up first so the JIT has compiled it, then times each call separately.
 */
public final class LatencyProbe {
    private static final int WARM_UP_CALLS = 20_000;
    private static final int MIN_MEASUREMENTS = 2_000;
    private static final int MAX_MEASUREMENTS = 20_000;

    private LatencyProbe() {
    }

    /** The 99th percentile of single-record scoring time, in microseconds. */
    public static double p99Micros(Scorer scorer, List<Map<String, Object>> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("no records to score");
        }
        double sink = 0;
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            sink += scorer.score(records.get(i % records.size()));
        }
        int measurements = Math.max(MIN_MEASUREMENTS, Math.min(MAX_MEASUREMENTS, records.size()));
        long[] nanos = new long[measurements];
        for (int i = 0; i < measurements; i++) {
            Map<String, Object> record = records.get(i % records.size());
            long start = System.nanoTime();
            sink += scorer.score(record);
            nanos[i] = System.nanoTime() - start;
        }
        if (Double.isNaN(sink)) {
            // keeps the JIT from discarding the scoring calls; a NaN score is a broken scorer anyway
            throw new IllegalStateException("the scorer returned NaN");
        }
        Arrays.sort(nanos);
        int index = (int) Math.ceil(0.99 * measurements) - 1;
        return nanos[Math.max(0, index)] / 1000.0;
    }
}
