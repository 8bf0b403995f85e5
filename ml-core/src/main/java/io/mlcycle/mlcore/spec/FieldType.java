package io.mlcycle.mlcore.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The declared type of a data field in a pipeline spec, with its spelling in YAML. */
public enum FieldType {
    STRING("string"),
    INT("int"),
    LONG("long"),
    DOUBLE("double"),
    BOOLEAN("boolean"),
    TIMESTAMP("timestamp"),
    CATEGORY("category");

    private final String yamlName;

    FieldType(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in the spec file, e.g. {@code timestamp}. */
    public String yamlName() {
        return yamlName;
    }

    /** int, long or double: the types that accept {@code min}/{@code max} bounds. */
    public boolean isNumeric() {
        return this == INT || this == LONG || this == DOUBLE;
    }

    /** Types a model can use as a feature. */
    public boolean canBeFeature() {
        return isNumeric() || this == BOOLEAN || this == CATEGORY;
    }

    public static Optional<FieldType> fromYamlName(String name) {
        return Arrays.stream(values()).filter(t -> t.yamlName.equals(name)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(FieldType::yamlName).toList();
    }
}
