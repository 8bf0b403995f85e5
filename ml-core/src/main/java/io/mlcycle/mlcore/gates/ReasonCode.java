package io.mlcycle.mlcore.gates;

/**
 * Why a record was rejected. The names are stable: they travel on quarantine topics and in metrics, so never rename
 * one. This enum is the single list of reason codes in mlcycle, including those the services use for records that
 * cannot even be deserialised.
 */
public enum ReasonCode {
    MISSING_REQUIRED("a required field has no value"),
    WRONG_TYPE("a value has the wrong type for its field"),
    OUT_OF_RANGE("a number is outside the field's declared min/max"),
    NOT_ALLOWED("a category value is not one of the field's allowed values"),
    PATTERN_MISMATCH("a text value does not match the field's pattern"),
    NOT_FINITE("a number is NaN or infinite"),
    EVENT_TIME_IN_FUTURE("the event time is further in the future than the spec allows"),
    INVALID_LABEL("the label value is outside the label's domain"),
    UNKNOWN_FIELD("the record has a field the spec does not declare"),
    MALFORMED_JSON("the input is not a valid JSON object"),
    SCHEMA_MISMATCH("the record's schema does not fit the pipeline's data schema"),
    DESERIALIZATION_FAILED("the bytes could not be decoded into a record"),
    UNKNOWN_SCHEMA_ID("the schema id in the message is not known to the schema registry"),
    BAD_MAGIC_BYTE("the message does not start with the schema-registry magic byte 0"),
    TRUNCATED_RECORD("the message is shorter than its header or schema require"),
    DUPLICATE_EVENT_ID("the event id is also the id of an earlier event of the same request"),
    MALFORMED_ROW("a row of an imported file could not be read: wrong column count, unterminated quote, bad JSON line"),
    QUARANTINE_COPY_TRUNCATED("the quarantine copy was cut to fit the topic's size limit; size and SHA-256 of the"
            + " original are kept"),
    SENTINEL_VALUE("a value is a code the spec declares as meaning 'unknown' and rejects"),
    RULE_FAILED("a cross-field rule of the spec does not hold"),
    EVENT_TIME_TOO_LATE("the event time is further in the past than the spec allows"),
    DUPLICATE_CONFLICT("an event id seen before arrived again with a different payload"),
    CONFLICTING_LABEL("the same entity and features arrived with a different label within the window");

    private final String description;

    ReasonCode(String description) {
        this.description = description;
    }

    /** One sentence for operators and data owners. */
    public String description() {
        return description;
    }
}
