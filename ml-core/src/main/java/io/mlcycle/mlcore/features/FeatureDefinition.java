package io.mlcycle.mlcore.features;

import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.List;
import java.util.Objects;

/**
 * What a trainer, encoder or profiler needs to know about one feature, independent of the spec.
 *
 * @param name       feature (field) name
 * @param kind       encoding kind
 * @param categories the declared values of a category feature, in spec order (empty otherwise)
 */
public record FeatureDefinition(String name, FeatureKind kind, List<String> categories) {
    public FeatureDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        categories = categories == null ? List.of() : List.copyOf(categories);
        if (kind == FeatureKind.CATEGORY && categories.isEmpty()) {
            throw new IllegalArgumentException("category feature '" + name + "' needs its values");
        }
    }

    public static FeatureDefinition numeric(String name) {
        return new FeatureDefinition(name, FeatureKind.NUMERIC, List.of());
    }

    public static FeatureDefinition bool(String name) {
        return new FeatureDefinition(name, FeatureKind.BOOLEAN, List.of());
    }

    public static FeatureDefinition category(String name, List<String> values) {
        return new FeatureDefinition(name, FeatureKind.CATEGORY, values);
    }

    /** The spec's features, in declared order. */
    public static List<FeatureDefinition> fromSpec(PipelineSpec spec) {
        return spec.features().stream()
                .map(f -> new FeatureDefinition(f.name(), FeatureKind.of(f.type()), f.values()))
                .toList();
    }
}
