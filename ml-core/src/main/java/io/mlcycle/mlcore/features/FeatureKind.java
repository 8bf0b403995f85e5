package io.mlcycle.mlcore.features;

import io.mlcycle.mlcore.spec.FieldType;

/** How a feature is encoded and profiled. */
public enum FeatureKind {
    /** int, long or double: standardised, missing imputed with the training mean plus an indicator. */
    NUMERIC,
    /** 0/1, missing imputed with the training rate plus an indicator. */
    BOOLEAN,
    /** one-hot over the declared values; missing or unseen values encode as all zeros. */
    CATEGORY;

    public static FeatureKind of(FieldType type) {
        return switch (type) {
            case INT, LONG, DOUBLE -> NUMERIC;
            case BOOLEAN -> BOOLEAN;
            case CATEGORY -> CATEGORY;
            default -> throw new IllegalArgumentException(type.yamlName() + " fields cannot be features");
        };
    }
}
