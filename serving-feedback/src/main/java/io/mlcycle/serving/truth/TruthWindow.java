package io.mlcycle.serving.truth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What the truth processor keeps per model version, variant and event-time window besides its predictions (those
 * are {@link PredictionEntry} entries of their own): the threshold, how many outcomes were flagged as suspect labels,
 * and whether it changed since it was last emitted or already raised a divergence alert. Mutable, owned by one stream
 * task; stored as JSON. Windows written before the predictions moved out held them in {@code scores} and
 * {@code outcomes}; those fields are ignored when such a window is restored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TruthWindow {
    public String version;
    public String variant;
    public long start;
    public long end;
    public double threshold = 0.5;
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
