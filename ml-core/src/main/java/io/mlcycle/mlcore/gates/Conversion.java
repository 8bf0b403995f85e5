package io.mlcycle.mlcore.gates;

import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * The result of converting JSON to a record.
 *
 * @param record     the record in the spec's data schema with every value that could be converted (values that
 *                   could not are null), or null when the input was not a JSON object at all
 * @param violations conversion problems (UNKNOWN_FIELD, WRONG_TYPE, NOT_FINITE, MALFORMED_JSON)
 */
public record Conversion(GenericRecord record, List<Violation> violations) {
    public Conversion {
        // Most conversions have none: the shared empty list instead of a copy each.
        violations = violations.isEmpty() ? List.of() : List.copyOf(violations);
    }

    public boolean ok() {
        return record != null && violations.isEmpty();
    }
}
