package io.mlcycle.mlcore.gates;

import io.mlcycle.mlcore.spec.DataSpec;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.GatesSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The per-record gates of a pipeline, built from its spec: normalises a record (trims text, maps category values
 * to their declared spelling, drops missing-value markers) and checks types, required fields, ranges, allowed
 * values, patterns, finiteness, event-time sanity and the label domain. Used by validation (stream) and serving
 * (request checks). Immutable, thread-safe and reusable.
 */
public final class RecordGates {
    private final PipelineSpec spec;
    private final Schema schema;
    private final Map<String, Pattern> patterns = new HashMap<>();
    private final Set<String> declared = new HashSet<>();
    private final Set<String> missingMarkers;
    private final LabelCodec labelCodec;
    private final FutureTimeLimit maxFuture;
    private final Optional<Duration> maxLate;
    private final Map<String, GatesSpec.UnseenPolicy> unseen;
    private final Map<String, GatesSpec.Sentinel> sentinels;
    private final CrossFieldRules rules;
    /** The spec's fields, and where each sits in {@link #schema}. */
    private final List<FieldSpec> fields;
    private final int[] outputPositions;
    /** Per category field: a declared value's exact spelling to what matching it ignoring case gives. */
    private final Map<String, Map<String, String>> declaredSpelling = new HashMap<>();
    /** The input schema seen last (records of one stream share one instance), with its field positions. */
    private volatile InputLayout lastLayout;

    /**
     * Where the spec's fields sit in one input schema ({@code -1}: absent) and which of its fields are undeclared:
     * looking fields up by name in every record was a good part of the gates' cost.
     */
    private record InputLayout(Schema schema, int[] positions, List<Schema.Field> undeclared) {
    }

    public RecordGates(PipelineSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.schema = spec.dataSchema();
        DataSpec data = spec.data();
        for (FieldSpec field : data.fields()) {
            declared.add(field.name());
            if (field.pattern() != null) {
                patterns.put(field.name(), Pattern.compile(field.pattern()));
            }
        }
        this.missingMarkers = Set.copyOf(data.missingValues());
        this.labelCodec = new LabelCodec(spec);
        this.maxFuture = FutureTimeLimit.of(data.maxFuture());
        GatesSpec gates = spec.gates();
        this.maxLate = gates.maxLate();
        this.unseen = gates.unseen();
        this.sentinels = gates.sentinels();
        this.rules = CrossFieldRules.compile(gates.rules(), data);
        this.fields = List.copyOf(data.fields());
        this.outputPositions = new int[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            FieldSpec field = fields.get(i);
            outputPositions[i] = schema.getField(field.name()).pos();
            if (field.type() == io.mlcycle.mlcore.spec.FieldType.CATEGORY && field.values() != null) {
                Map<String, String> spelling = new HashMap<>();
                for (String value : field.values()) {
                    field.values().stream().filter(v -> v.equalsIgnoreCase(value)).findFirst()
                            .ifPresent(first -> spelling.putIfAbsent(value, first));
                }
                declaredSpelling.put(field.name(), spelling);
            }
        }
    }

    private InputLayout layout(Schema inputSchema) {
        InputLayout layout = lastLayout;
        if (layout != null && layout.schema() == inputSchema) {
            return layout;
        }
        int[] positions = new int[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            Schema.Field inputField = inputSchema.getField(fields.get(i).name());
            positions[i] = inputField == null ? -1 : inputField.pos();
        }
        List<Schema.Field> undeclared = inputSchema.getFields().stream()
                .filter(f -> !declared.contains(f.name())).toList();
        layout = new InputLayout(inputSchema, positions, undeclared);
        lastLayout = layout;
        return layout;
    }

    /** The data schema every normalised record has. */
    public Schema schema() {
        return schema;
    }

    public PipelineSpec spec() {
        return spec;
    }

    /**
     * Normalises and checks one record. The input may use any schema (e.g. an older writer schema); fields are
     * matched by name. Never throws on bad data.
     *
     * @param record the record as received
     * @param now    the current time, for the event-time check
     */
    public GateResult check(GenericRecord record, Instant now) {
        Objects.requireNonNull(record, "record");
        List<Violation> violations = new ArrayList<>();
        List<Violation> notes = new ArrayList<>();
        GenericData.Record out = new GenericData.Record(schema);
        InputLayout layout = layout(record.getSchema());
        for (Schema.Field inputField : layout.undeclared()) {
            if (record.get(inputField.pos()) != null) {
                violations.add(new Violation(ReasonCode.UNKNOWN_FIELD, inputField.name(), "the field '"
                        + inputField.name() + "' is not declared in the pipeline spec '" + spec.pipeline() + "'"));
            }
        }
        Map<String, Object> values = rules.isEmpty() ? null : new HashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            FieldSpec field = fields.get(i);
            int inputPosition = layout.positions()[i];
            Object raw = inputPosition < 0 ? null : record.get(inputPosition);
            Object value = sentinel(field, normalise(field, raw, violations), violations, notes);
            if (value == null && field.required() && !hasViolation(violations, field.name())) {
                violations.add(new Violation(ReasonCode.MISSING_REQUIRED, field.name(),
                        field.name() + " is required but has no value"));
            }
            if (value != null) {
                value = checkRules(field, value, now, violations, notes);
            }
            out.put(outputPositions[i], value);
            if (values != null) {
                values.put(field.name(), value);
            }
        }
        if (values != null) {
            rules.check(values, violations);
        }
        return new GateResult(out, violations, notes);
    }

    /** A sentinel code ("unknown", e.g. 96/98 in a past-due count) becomes missing or a violation, as the spec says. */
    private Object sentinel(FieldSpec field, Object value, List<Violation> violations, List<Violation> notes) {
        GatesSpec.Sentinel sentinel = sentinels.get(field.name());
        if (sentinel == null || !(value instanceof Number number)
                || !sentinel.values().contains(number.doubleValue())) {
            return value;
        }
        String meaning = sentinel.meaning() == null ? "a code for 'unknown'" : "a code for '" + sentinel.meaning() + "'";
        if (sentinel.action() == GatesSpec.SentinelAction.REJECT) {
            violations.add(Violation.of(ReasonCode.SENTINEL_VALUE, field.name(), Values.show(value), field.name()
                    + " = " + Values.show(value) + " is " + meaning + ", not a real value; the spec rejects it"));
        } else {
            notes.add(Violation.of(ReasonCode.SENTINEL_VALUE, field.name(), Values.show(value), field.name()
                    + " = " + Values.show(value) + " is " + meaning + " and was treated as missing"));
        }
        return null;
    }

    private static boolean hasViolation(List<Violation> violations, String field) {
        return violations.stream().anyMatch(v -> field.equals(v.field()));
    }

    /** Converts the raw value to the field's Java type (String, Integer, Long, Double, Boolean) or reports. */
    private Object normalise(FieldSpec field, Object raw, List<Violation> violations) {
        if (raw == null) {
            return null;
        }
        String name = field.name();
        switch (field.type()) {
            case STRING, CATEGORY -> {
                if (!(raw instanceof CharSequence text)) {
                    return wrongType(field, raw, "text", violations);
                }
                String trimmed = text.toString().trim();
                return missingMarkers.contains(trimmed) ? null : trimmed;
            }
            case INT -> {
                if (raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
                    return ((Number) raw).intValue();
                }
                if (raw instanceof Long l) {
                    if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
                        return l.intValue();
                    }
                    violations.add(new Violation(ReasonCode.WRONG_TYPE, name,
                            name + " = " + l + " is outside the range of a 32-bit whole number"));
                    return null;
                }
                return wrongType(field, raw, "a whole number", violations);
            }
            case LONG, TIMESTAMP -> {
                if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
                    return ((Number) raw).longValue();
                }
                if (raw instanceof Instant instant) {
                    return instant.toEpochMilli();
                }
                return wrongType(field, raw, field.type() == io.mlcycle.mlcore.spec.FieldType.TIMESTAMP
                        ? "a timestamp (epoch milliseconds)" : "a whole number", violations);
            }
            case DOUBLE -> {
                if (raw instanceof Double || raw instanceof Float || raw instanceof Integer || raw instanceof Long) {
                    double d = ((Number) raw).doubleValue();
                    if (!Double.isFinite(d)) {
                        violations.add(new Violation(ReasonCode.NOT_FINITE, name,
                                name + " = " + d + " is not a finite number"));
                        return null;
                    }
                    return d;
                }
                return wrongType(field, raw, "a number", violations);
            }
            case BOOLEAN -> {
                if (raw instanceof Boolean b) {
                    return b;
                }
                return wrongType(field, raw, "true or false", violations);
            }
            default -> throw new IllegalStateException("unhandled field type " + field.type());
        }
    }

    private static Object wrongType(FieldSpec field, Object raw, String expected, List<Violation> violations) {
        violations.add(Violation.of(ReasonCode.WRONG_TYPE, field.name(), raw, field.name() + " should be " + expected
                + " but is " + Values.typeWord(raw) + " (" + Values.show(raw) + ")"));
        return null;
    }

    /** Range, category, pattern, event-time and label rules on a normalised non-null value. */
    private Object checkRules(FieldSpec field, Object value, Instant now, List<Violation> violations,
                              List<Violation> notes) {
        String name = field.name();
        boolean isLabel = name.equals(spec.label().field());
        if (value instanceof Number number && field.type().isNumeric()) {
            double d = number.doubleValue();
            if (field.min() != null && d < field.min()) {
                violations.add(Violation.of(ReasonCode.OUT_OF_RANGE, name, Values.show(value),
                        name + " = " + Values.show(value) + " is below the minimum " + Values.number(field.min())));
            } else if (field.max() != null && d > field.max()) {
                violations.add(Violation.of(ReasonCode.OUT_OF_RANGE, name, Values.show(value),
                        name + " = " + Values.show(value) + " is above the maximum " + Values.number(field.max())));
            }
        }
        if (field.type() == io.mlcycle.mlcore.spec.FieldType.CATEGORY) {
            String text = (String) value;
            String exact = declaredSpelling.getOrDefault(name, Map.of()).get(text);
            Optional<String> declaredValue = exact != null ? Optional.of(exact)
                    : field.values().stream().filter(v -> v.equalsIgnoreCase(text)).findFirst();
            GatesSpec.UnseenPolicy policy = unseen.getOrDefault(name, GatesSpec.UnseenPolicy.REJECT);
            if (declaredValue.isPresent()) {
                value = declaredValue.get();
            } else if (isLabel) {
                // the label's domain is checked below, with its own reason
            } else if (policy == GatesSpec.UnseenPolicy.OTHER) {
                notes.add(Violation.of(ReasonCode.NOT_ALLOWED, name, text, name + " = " + Values.show(text)
                        + " is not a declared value and was mapped to '" + GatesSpec.UnseenPolicy.OTHER_VALUE + "'"));
                value = GatesSpec.UnseenPolicy.OTHER_VALUE;
            } else if (policy == GatesSpec.UnseenPolicy.PASS) {
                notes.add(Violation.of(ReasonCode.NOT_ALLOWED, name, text, name + " = " + Values.show(text)
                        + " is not a declared value and was passed as it is"));
            } else {
                violations.add(Violation.of(ReasonCode.NOT_ALLOWED, name, text, name + " = " + Values.show(text)
                        + " is not an allowed value (allowed: " + String.join(", ", field.values()) + ")"));
            }
        }
        Pattern pattern = patterns.get(name);
        if (pattern != null && !pattern.matcher((String) value).matches()) {
            violations.add(Violation.of(ReasonCode.PATTERN_MISMATCH, name, value, name + " = " + Values.show(value)
                    + " does not match the expected pattern " + field.pattern()));
        }
        if (name.equals(spec.data().eventTime()) && maxFuture.isSet() && value instanceof Long millis) {
            maxFuture.check(name, Instant.ofEpochMilli(millis), now).ifPresent(violations::add);
        }
        if (name.equals(spec.data().eventTime()) && maxLate.isPresent() && value instanceof Long millis) {
            Instant eventTime = Instant.ofEpochMilli(millis);
            Instant earliest = now.minus(maxLate.get());
            if (eventTime.isBefore(earliest)) {
                violations.add(Violation.of(ReasonCode.EVENT_TIME_TOO_LATE, name, eventTime, name + " = " + eventTime
                        + " is too old: more than " + maxLate.get() + " before now (" + now + ")"));
            }
        }
        if (isLabel) {
            labelCodec.validate(value).ifPresent(violations::add);
        }
        return value;
    }
}
