package io.mlcycle.serving.truth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the truth processor keeps per model version, variant and event-time window: each prediction's score, the
 * outcomes known so far, how many outcomes were flagged as suspect labels, and whether it changed since it was last
 * emitted or already raised a divergence alert. Mutable, owned by one stream task; stored as JSON.
 */
public final class TruthWindow {
    public String version;
    public String variant;
    public long start;
    public long end;
    public double threshold = 0.5;
    public Map<String, Double> scores = new LinkedHashMap<>();
    public Map<String, Boolean> outcomes = new LinkedHashMap<>();
    public long flagged;
    public boolean dirty;
    public boolean alerted;

    public TruthWindow() {
    }

    TruthWindow(String version, String variant, long start, long end) {
        this.version = version;
        this.variant = variant;
        this.start = start;
        this.end = end;
    }
}
