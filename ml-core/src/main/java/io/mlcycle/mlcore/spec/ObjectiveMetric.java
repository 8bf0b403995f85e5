package io.mlcycle.mlcore.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The metric a pipeline optimises; every gate uses it. */
public enum ObjectiveMetric {
    ROC_AUC("roc_auc", true),
    PR_AUC("pr_auc", true),
    LOG_LOSS("log_loss", false),
    BRIER("brier", false);

    private final String key;
    private final boolean higherIsBetter;

    ObjectiveMetric(String key, boolean higherIsBetter) {
        this.key = key;
        this.higherIsBetter = higherIsBetter;
    }

    /** The spelling in the spec and in metric maps, e.g. {@code roc_auc}. */
    public String key() {
        return key;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** How much better {@code candidate} is than {@code reference} (positive = better), whatever the direction. */
    public double improvement(double candidate, double reference) {
        return higherIsBetter ? candidate - reference : reference - candidate;
    }

    public static Optional<ObjectiveMetric> fromKey(String key) {
        return Arrays.stream(values()).filter(m -> m.key.equals(key)).findFirst();
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(ObjectiveMetric::key).toList();
    }
}
