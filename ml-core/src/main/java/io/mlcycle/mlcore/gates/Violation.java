package io.mlcycle.mlcore.gates;

import java.util.Objects;

/**
 * One failed rule for one record.
 *
 * @param code   stable reason code
 * @param field  the field concerned, or null when the problem concerns the whole record
 * @param detail what is wrong, in words a data owner understands, e.g. "age = 7 is below the minimum 18"
 * @param value  the offending value as text (abbreviated), or null when no single value is at fault
 */
public record Violation(ReasonCode code, String field, String detail, String value) {
    /** Longest detail kept. */
    public static final int MAX_DETAIL_CHARS = 1024;

    public Violation {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
        // A safety net under every message built from input: details travel in answers, quarantine records and logs.
        if (detail.length() > MAX_DETAIL_CHARS) {
            detail = detail.substring(0, MAX_DETAIL_CHARS) + "\u2026";
        }
    }

    /** A violation without an offending value (e.g. a missing field or an undecodable record). */
    public Violation(ReasonCode code, String field, String detail) {
        this(code, field, detail, null);
    }

    /** A violation of {@code field} by {@code offending}, shown abbreviated. */
    public static Violation of(ReasonCode code, String field, Object offending, String detail) {
        return new Violation(code, field, detail, offending == null ? null : Values.abbreviate(String.valueOf(offending)));
    }

    @Override
    public String toString() {
        return code + (field == null ? "" : "(" + field + ")") + ": " + detail;
    }
}
