package io.mlcycle.mlcore.gates;

import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.FieldType;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Interprets label values of a pipeline: which values are valid and which mean the positive class.
 * Domains: boolean labels accept booleans, "true/false", "1/0", "yes/no", "y/n" (any case) and the numbers 1/0;
 * category labels accept the declared values (any case, trimmed); int/long labels accept 0 and 1;
 * string labels accept any non-blank text. Immutable and thread-safe.
 */
public final class LabelCodec {
    private static final Set<String> TRUE_WORDS = Set.of("true", "1", "yes", "y", "t");
    private static final Set<String> FALSE_WORDS = Set.of("false", "0", "no", "n", "f");

    private final FieldSpec field;
    private final String positive;

    public LabelCodec(PipelineSpec spec) {
        this.field = spec.labelField();
        this.positive = spec.label().positive().trim();
    }

    public String fieldName() {
        return field.name();
    }

    /**
     * Whether the value means the positive class; empty when the value is null (unlabeled) or outside the domain.
     */
    public Optional<Boolean> isPositive(Object labelValue) {
        return canonical(labelValue).map(c -> c.equalsIgnoreCase(positiveCanonical()));
    }

    /** True when the value is null (unlabeled) or inside the label's domain. */
    public boolean isValid(Object labelValue) {
        return labelValue == null || canonical(labelValue).isPresent();
    }

    /** An INVALID_LABEL violation for a non-null value outside the domain, otherwise empty. */
    public Optional<Violation> validate(Object labelValue) {
        if (isValid(labelValue)) {
            return Optional.empty();
        }
        return Optional.of(new Violation(ReasonCode.INVALID_LABEL, field.name(),
                field.name() + " = " + Values.show(labelValue) + " is not a valid label (expected " + domainWords() + ")"));
    }

    private String positiveCanonical() {
        return field.type() == FieldType.BOOLEAN ? positive.toLowerCase(Locale.ROOT) : positive;
    }

    /** The value in the canonical spelling of the domain, or empty when outside it. */
    Optional<String> canonical(Object value) {
        if (value == null) {
            return Optional.empty();
        }
        switch (field.type()) {
            case BOOLEAN -> {
                if (value instanceof Boolean b) {
                    return Optional.of(b.toString());
                }
                String word = text(value).toLowerCase(Locale.ROOT);
                if (TRUE_WORDS.contains(word)) {
                    return Optional.of("true");
                }
                if (FALSE_WORDS.contains(word)) {
                    return Optional.of("false");
                }
                return Optional.empty();
            }
            case CATEGORY -> {
                String text = text(value);
                return field.values().stream().filter(v -> v.equalsIgnoreCase(text)).findFirst();
            }
            case INT, LONG -> {
                String text = value instanceof Boolean b ? (b ? "1" : "0") : text(value);
                if (value instanceof Double d && (d == 0.0 || d == 1.0)) {
                    text = d == 1.0 ? "1" : "0";
                }
                return text.equals("0") || text.equals("1") ? Optional.of(text) : Optional.empty();
            }
            default -> {
                String text = text(value);
                return text.isEmpty() ? Optional.empty() : Optional.of(text);
            }
        }
    }

    private String domainWords() {
        return switch (field.type()) {
            case BOOLEAN -> "true or false";
            case CATEGORY -> "one of " + String.join(", ", field.values());
            case INT, LONG -> "0 or 1";
            default -> "non-blank text";
        };
    }

    private static String text(Object value) {
        return String.valueOf(value).trim();
    }
}
