package io.mlcycle.mlcore.gates;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * The outcome of the record gates for one record.
 *
 * @param record     the normalised record in the spec's data schema (present even when violations exist, so
 *                   callers can show what was understood)
 * @param violations every failed rule; empty when the record passed
 * @param notes      findings that did not stop the record but are counted in quality reports: an unseen category
 *                   passed or mapped to {@code other}, a sentinel code turned into a missing value
 */
public record GateResult(GenericRecord record, List<Violation> violations, List<Violation> notes) {
    public GateResult {
        violations = List.copyOf(violations);
        notes = List.copyOf(notes);
    }

    public GateResult(GenericRecord record, List<Violation> violations) {
        this(record, violations, List.of());
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    /** The distinct reason codes, in enum order. */
    public Set<ReasonCode> reasonCodes() {
        Set<ReasonCode> codes = EnumSet.noneOf(ReasonCode.class);
        violations.forEach(v -> codes.add(v.code()));
        return codes;
    }
}
