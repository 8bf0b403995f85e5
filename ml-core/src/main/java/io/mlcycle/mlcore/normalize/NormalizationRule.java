package io.mlcycle.mlcore.normalize;

import java.util.Locale;

/**
 * A normalisation the converter applied to a value. The keys are stable: they are metric tags and appear in import
 * reports.
 */
public enum NormalizationRule {
    MISSING_MARKER("a missing-value marker became null"),
    TRIM("surrounding whitespace was removed from text"),
    CASE_FOLD("the case of text was folded"),
    THOUSANDS_SEPARATOR("thousands separators were removed from a number"),
    DECIMAL_COMMA("a decimal comma was read as a decimal point"),
    PERCENT("a percentage was divided by 100"),
    UNIT_SCALE("a number was multiplied by the field's unit scale"),
    BOOLEAN_WORD("a word or digit (yes/no, y/n, 1/0, TRUE...) was read as a boolean"),
    EPOCH_SECONDS("epoch seconds were read as a timestamp"),
    TIMESTAMP_PATTERN("a timestamp was read with the field's declared pattern"),
    ZONE_ASSUMED("a timestamp without a zone was read in the field's zone (UTC unless declared)");

    private final String description;

    NormalizationRule(String description) {
        this.description = description;
    }

    /** The stable key, e.g. {@code thousands_separator}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }
}
