package io.mlcycle.mlcore.features;

import java.util.List;
import java.util.Objects;

/**
 * The fitted encoding parameters of one feature.
 *
 * @param name       feature name
 * @param kind       encoding kind
 * @param categories one-hot columns of a category feature, in order (empty otherwise)
 * @param center     numeric: training mean (imputed for missing values); boolean: training rate of true
 *                   (imputed for missing values); category: 0
 * @param scale      numeric: training standard deviation (1 when it was 0); otherwise 1
 * @param lower      numeric: values below are clipped to it (the training 0.5% quantile; -infinity = no clipping), so
 *                   heavy tails neither dominate the scaling nor produce extreme scores
 * @param upper      numeric: values above are clipped to it (the training 99.5% quantile; +infinity = none)
 */
public record EncodedFeature(String name, FeatureKind kind, List<String> categories, double center, double scale,
                             double lower, double upper) {

    /** An encoding without clipping. */
    public EncodedFeature(String name, FeatureKind kind, List<String> categories, double center, double scale) {
        this(name, kind, categories, center, scale, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    public EncodedFeature {
        if (Double.isNaN(lower) || Double.isNaN(upper) || lower > upper) {
            throw new IllegalArgumentException("feature '" + name + "' has invalid clipping bounds [" + lower + ", "
                    + upper + "]");
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        categories = categories == null ? List.of() : List.copyOf(categories);
        if (!Double.isFinite(center) || !Double.isFinite(scale) || scale <= 0) {
            throw new IllegalArgumentException("feature '" + name + "' has invalid encoding parameters: center="
                    + center + ", scale=" + scale);
        }
        if (kind == FeatureKind.CATEGORY && categories.isEmpty()) {
            throw new IllegalArgumentException("category feature '" + name + "' has no categories");
        }
    }

    /** How many columns this feature encodes into. */
    public int width() {
        return kind == FeatureKind.CATEGORY ? categories.size() : 2;
    }
}
