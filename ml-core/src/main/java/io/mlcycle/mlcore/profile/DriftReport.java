package io.mlcycle.mlcore.profile;

import java.util.List;

/**
 * Drift of one window against a reference profile, per feature.
 *
 * @param features one verdict per feature and statistic
 * @param records  records in the window
 */
public record DriftReport(List<FeatureDrift> features, long records) {
    public DriftReport {
        features = List.copyOf(features);
    }

    public boolean drifted() {
        return features.stream().anyMatch(FeatureDrift::drifted);
    }

    public List<FeatureDrift> driftedFeatures() {
        return features.stream().filter(FeatureDrift::drifted).toList();
    }
}
