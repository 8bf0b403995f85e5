package io.mlcycle.mlcore.gates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Converts plain JSON objects to records of a pipeline's data schema, guided by the spec (this is NOT Avro's JSON
 * encoding: values are plain, e.g. {@code {"age": 42}}). Problems become violations, never exceptions. Accepts plain
 * numeric strings for numeric fields, epoch milliseconds or ISO-8601 text for timestamps, true/false (also as text)
 * for booleans, and the spec's missing-value markers as null. Also renders records as JSON for display.
 * Immutable and thread-safe.
 */
public final class JsonRecordConverter {
    private static final Set<String> NON_FINITE = Set.of("nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf");
    private static final BigDecimal INT_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private final PipelineSpec spec;
    private final Schema schema;
    private final Set<String> missingMarkers;
    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    public JsonRecordConverter(PipelineSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.schema = spec.dataSchema();
        this.missingMarkers = Set.copyOf(spec.data().missingValues());
    }

    public Schema schema() {
        return schema;
    }

    /** Parses JSON text holding one object and converts it; unparsable text gives MALFORMED_JSON. */
    public Conversion convert(String jsonText) {
        JsonNode node;
        try {
            node = mapper.readTree(jsonText == null ? "" : jsonText);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            return malformed("the input is not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        return convert(node);
    }

    /** Converts one JSON object; anything else gives MALFORMED_JSON and a null record. */
    public Conversion convert(JsonNode json) {
        if (json == null || json.isMissingNode()) {
            return malformed("the input is empty; expected a JSON object");
        }
        if (!json.isObject()) {
            return malformed("expected a JSON object with the record's fields, but got " + json.getNodeType()
                    .toString().toLowerCase(Locale.ROOT));
        }
        List<Violation> violations = new ArrayList<>();
        GenericData.Record record = new GenericData.Record(schema);
        Iterator<Map.Entry<String, JsonNode>> entries = json.fields();
        while (entries.hasNext()) {
            String name = entries.next().getKey();
            if (spec.field(name).isEmpty()) {
                violations.add(new Violation(ReasonCode.UNKNOWN_FIELD, name,
                        "the field '" + name + "' is not declared in the pipeline spec '" + spec.pipeline() + "'"));
            }
        }
        for (FieldSpec field : spec.data().fields()) {
            JsonNode value = json.get(field.name());
            record.put(field.name(), convertValue(field, value, violations));
        }
        return new Conversion(record, violations);
    }

    private static Conversion malformed(String detail) {
        return new Conversion(null, List.of(new Violation(ReasonCode.MALFORMED_JSON, null, detail)));
    }

    private Object convertValue(FieldSpec field, JsonNode node, List<Violation> violations) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual() && missingMarkers.contains(node.textValue().trim())) {
            return null;
        }
        String name = field.name();
        if (node.isContainerNode()) {
            return wrong(violations, name, name + " should be a single value but is a JSON "
                    + (node.isArray() ? "array" : "object"));
        }
        return switch (field.type()) {
            case STRING, CATEGORY -> node.isTextual() ? node.textValue()
                    : wrong(violations, name, name + " should be text but is " + describe(node));
            case BOOLEAN -> toBoolean(name, node, violations);
            case INT -> toWhole(name, node, violations, INT_MIN, INT_MAX, "a 32-bit whole number (int)", true);
            case LONG -> toWhole(name, node, violations, LONG_MIN, LONG_MAX, "a 64-bit whole number (long)", false);
            case DOUBLE -> toDouble(name, node, violations);
            case TIMESTAMP -> toTimestamp(name, node, violations);
        };
    }

    private static Object toBoolean(String name, JsonNode node, List<Violation> violations) {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            if (text.equalsIgnoreCase("true")) {
                return Boolean.TRUE;
            }
            if (text.equalsIgnoreCase("false")) {
                return Boolean.FALSE;
            }
        }
        return wrong(violations, name, name + " should be true or false but is " + describe(node));
    }

    /** The node as an exact decimal, or null after reporting NOT_FINITE / WRONG_TYPE. */
    private static BigDecimal decimal(String name, JsonNode node, List<Violation> violations) {
        if (node.isNumber()) {
            if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                violations.add(new Violation(ReasonCode.NOT_FINITE, name, name + " = " + node.asText()
                        + " is not a finite number"));
                return null;
            }
            return node.decimalValue();
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            if (NON_FINITE.contains(text.toLowerCase(Locale.ROOT))) {
                violations.add(new Violation(ReasonCode.NOT_FINITE, name, name + " = '" + text
                        + "' is not a finite number"));
                return null;
            }
            try {
                return new BigDecimal(text);
            } catch (NumberFormatException e) {
                wrong(violations, name, name + " should be a number but is the text '" + Values.abbreviate(text) + "'");
                return null;
            }
        }
        wrong(violations, name, name + " should be a number but is " + describe(node));
        return null;
    }

    private static Object toWhole(String name, JsonNode node, List<Violation> violations, BigDecimal min,
                                  BigDecimal max, String words, boolean asInt) {
        BigDecimal value = decimal(name, node, violations);
        if (value == null) {
            return null;
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() > 0) {
            return wrong(violations, name, name + " = " + value.toPlainString() + " is not a whole number");
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            return wrong(violations, name, name + " = " + stripped.toPlainString() + " is too large for " + words);
        }
        return asInt ? (Object) value.intValueExact() : (Object) value.longValueExact();
    }

    private static Object toDouble(String name, JsonNode node, List<Violation> violations) {
        BigDecimal value = decimal(name, node, violations);
        if (value == null) {
            return null;
        }
        double d = value.doubleValue();
        if (!Double.isFinite(d)) {
            violations.add(new Violation(ReasonCode.NOT_FINITE, name, name + " = " + value.toString()
                    + " is too large to be a finite number"));
            return null;
        }
        return d;
    }

    private static Object toTimestamp(String name, JsonNode node, List<Violation> violations) {
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                return wrong(violations, name, name + " = " + node.asText() + " is too large for epoch milliseconds");
            }
            return node.longValue();
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            if (text.matches("-?\\d{1,18}")) {
                return Long.parseLong(text);
            }
            Long parsed = parseIsoMillis(text);
            if (parsed != null) {
                return parsed;
            }
        }
        return wrong(violations, name, name + " = " + (node.isTextual() ? "'" + Values.abbreviate(node.textValue()) + "'"
                : node.asText()) + " is not a timestamp (use epoch milliseconds or ISO-8601, e.g. 2024-05-01T12:00:00Z)");
    }

    /** ISO-8601 instant, offset date-time, local date-time (UTC) or date (UTC midnight); null if none fits. */
    static Long parseIsoMillis(String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    private static Object wrong(List<Violation> violations, String field, String detail) {
        violations.add(new Violation(ReasonCode.WRONG_TYPE, field, detail));
        return null;
    }

    private static String describe(JsonNode node) {
        if (node.isTextual()) {
            return "the text '" + Values.abbreviate(node.textValue()) + "'";
        }
        if (node.isNumber()) {
            return "the number " + node.asText();
        }
        if (node.isBoolean()) {
            return "the boolean " + node.asText();
        }
        return "a JSON " + node.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Renders any record as a plain JSON object for display: timestamp-millis fields as ISO-8601 text, non-finite
     * doubles as text ("NaN"), nested records as objects.
     */
    public static ObjectNode toJson(GenericRecord record) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            node.set(field.name(), toJsonValue(field.schema(), record.get(field.pos())));
        }
        return node;
    }

    /** {@link #toJson(GenericRecord)} as compact text. */
    public static String toJsonString(GenericRecord record) {
        return toJson(record).toString();
    }

    private static JsonNode toJsonValue(Schema schema, Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        }
        Schema effective = schema;
        if (schema.getType() == Schema.Type.UNION) {
            effective = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElse(schema);
        }
        LogicalType logical = effective.getLogicalType();
        if (value instanceof Long millis && logical instanceof LogicalTypes.TimestampMillis) {
            return f.textNode(Instant.ofEpochMilli(millis).toString());
        }
        if (value instanceof Instant instant) {
            return f.textNode(instant.toString());
        }
        if (value instanceof GenericRecord nested) {
            return toJson(nested);
        }
        if (value instanceof CharSequence || value instanceof GenericData.EnumSymbol) {
            return f.textNode(value.toString());
        }
        if (value instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return f.numberNode(i);
        }
        if (value instanceof Long l) {
            return f.numberNode(l);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? f.numberNode(d) : f.textNode(Double.toString(d));
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode node = f.objectNode();
            Schema valueSchema = effective.getType() == Schema.Type.MAP ? effective.getValueType() : effective;
            map.forEach((k, v) -> node.set(String.valueOf(k), toJsonValue(valueSchema, v)));
            return node;
        }
        if (value instanceof Iterable<?> items) {
            var array = f.arrayNode();
            Schema itemSchema = effective.getType() == Schema.Type.ARRAY ? effective.getElementType() : effective;
            items.forEach(item -> array.add(toJsonValue(itemSchema, item)));
            return array;
        }
        return f.textNode(String.valueOf(value));
    }
}
