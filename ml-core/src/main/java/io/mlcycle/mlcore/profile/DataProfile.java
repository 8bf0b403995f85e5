package io.mlcycle.mlcore.profile;

import java.util.List;
import java.util.Optional;

/**
 * Profiles of every feature of a data set, e.g. a model's training data (its reference for drift).
 *
 * @param features one profile per feature, in feature order
 * @param records  rows profiled
 */
public record DataProfile(List<FeatureProfile> features, long records) {
    public DataProfile {
        features = List.copyOf(features);
    }

    public Optional<FeatureProfile> feature(String name) {
        return features.stream().filter(f -> f.feature().equals(name)).findFirst();
    }
}
