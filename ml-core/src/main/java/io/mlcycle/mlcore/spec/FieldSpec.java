package io.mlcycle.mlcore.spec;

import java.util.List;
import java.util.Objects;

/**
 * One declared field of the pipeline's data record.
 *
 * @param name     field name (also the Avro field name)
 * @param type     declared type
 * @param required whether a record without a value is rejected (MISSING_REQUIRED)
 * @param feature  whether models see this field
 * @param min      inclusive lower bound for numeric fields, or null
 * @param max      inclusive upper bound for numeric fields, or null
 * @param values   allowed values of a category field (empty for other types)
 * @param pattern  regular expression a string value must fully match, or null
 * @param doc      documentation copied into the Avro schema, or null
 * @param normalize how inconsistently formatted input is normalised (the {@code normalize:} block), never null
 */
public record FieldSpec(String name, FieldType type, boolean required, boolean feature, Double min, Double max,
                        List<String> values, String pattern, String doc, FieldNormalization normalize) {

    public FieldSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        values = values == null ? List.of() : List.copyOf(values);
        normalize = normalize == null ? FieldNormalization.NONE : normalize;
    }

    /** A field without normalisation rules. */
    public FieldSpec(String name, FieldType type, boolean required, boolean feature, Double min, Double max,
                     List<String> values, String pattern, String doc) {
        this(name, type, required, feature, min, max, values, pattern, doc, FieldNormalization.NONE);
    }
}
