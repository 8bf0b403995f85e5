package io.mlcycle.mlcore.gates;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.LinkedHashSet;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import io.mlcycle.mlcore.normalize.Excerpt;
import io.mlcycle.mlcore.normalize.NormalizationListener;
import io.mlcycle.mlcore.normalize.NormalizationRule;
import io.mlcycle.mlcore.normalize.NumberText;
import io.mlcycle.mlcore.normalize.Timestamps;
import io.mlcycle.mlcore.spec.FieldNormalization;
import java.math.BigDecimal;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.time.Instant;
import java.time.ZoneOffset;
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
 * for booleans, and the spec's missing-value markers as null, plus whatever each field's {@code normalize:} block
 * declares (thousands separators, decimal comma, percent, unit scale, boolean words, epoch seconds, a timestamp
 * pattern, trimming, case folding); every normalisation applied is reported to a {@link NormalizationListener}.
 * Parsing is bounded in time and memory (numeric text is at most {@link NumberText#MAX_LENGTH} characters and is
 * never expanded to plain digits), and violation details quote at most a short {@link Excerpt} of the input.
 * Also renders records as JSON for display. Immutable and thread-safe.
 */
public final class JsonRecordConverter {
    private static final Set<String> NON_FINITE = Set.of("nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf");
    private static final BigDecimal INT_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    /** 2^53: every whole number below it is an exact double. */
    private static final long EXACT_DOUBLE_INTEGER_LIMIT = 1L << 53;
    /** 10^0 to 10^22, the powers of ten that are exact doubles. */
    private static final double[] EXACT_POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    };

    /** Longest JSON number text taken by the streaming fast path for doubles (no exponent, so always finite). */
    private static final int FAST_DOUBLE_MAX_LENGTH = 30;

    private final boolean fastPaths;
    private final PipelineSpec spec;
    private final Schema schema;
    private final NormalizationListener listener;
    private final Map<String, FieldRules> rules;
    private final Set<String> aliases;
    /** The spec's fields in order, each with its rules resolved once (no per-record lookups). */
    private final Slot[] slots;
    /** Input name → slot index × 2 for a field's name, × 2 + 1 for its alias. */
    private final Map<String, Integer> slotIndex;
    private final ObjectMapper mapper = mapper(true);
    /** Reads one value inside an object being streamed: the same settings, but the object goes on after it. */
    private final ObjectMapper valueMapper = mapper(false);

    /** A field's declared normalisation, with its missing markers merged and its pattern compiled. */
    private record FieldRules(FieldNormalization normalization, Set<String> missingMarkers, DateTimeFormatter pattern,
                              String[] markerList) {
        FieldRules(FieldNormalization normalization, Set<String> missingMarkers, DateTimeFormatter pattern) {
            this(normalization, missingMarkers, pattern, missingMarkers.toArray(String[]::new));
        }

        /** Whether the text from {@code from} to {@code to}, trimmed as {@link String#trim()} does, is a marker. */
        boolean isMarker(String text, int from, int to) {
            if (markerList.length == 0) {
                return false;
            }
            while (from < to && text.charAt(from) <= ' ') {
                from++;
            }
            while (to > from && text.charAt(to - 1) <= ' ') {
                to--;
            }
            int length = to - from;
            for (String marker : markerList) {
                if (marker.length() == length
                        && (length == 0 || marker.charAt(0) == text.charAt(from)
                                && text.regionMatches(from + 1, marker, 1, length - 1))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One field of the spec with everything conversion needs, resolved when the converter is built. */
    private record Slot(FieldSpec field, String name, String alias, FieldRules rules, boolean plainNumbers,
                        boolean plainText, int position) {
    }

    /**
     * Names a top-level field whose value a caller wants besides the conversion (ingestion's {@code event_id}). If the
     * spec declares a field of that name it is also converted; otherwise it is only captured (never an unknown field).
     * Not thread-safe: one per conversion.
     */
    public static final class Capture {
        private final String name;
        private JsonNode value;

        public Capture(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** True when the input was an object holding the field (its last occurrence, as JSON objects keep). */
        public boolean present() {
            return value != null;
        }

        /** The field's value (a {@link NullNode} for JSON null), or null when absent. */
        public JsonNode value() {
            return value;
        }
    }

    private static ObjectMapper mapper(boolean wholeInput) {
        JsonMapper.Builder builder = JsonMapper.builder(JsonFactory.builder()
                        .errorReportConfiguration(ErrorReportConfiguration.builder()
                                .maxErrorTokenLength(Excerpt.MAX_CHARS).maxRawContentLength(Excerpt.MAX_CHARS).build())
                        .build())
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        if (wholeInput) {
            builder.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        } else {
            builder.disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        }
        return builder.build();
    }

    public JsonRecordConverter(PipelineSpec spec) {
        this(spec, NormalizationListener.NONE);
    }

    /**
     * @param listener told of every normalisation applied (see {@link NormalizationRule}), so that none is silent
     */
    public JsonRecordConverter(PipelineSpec spec, NormalizationListener listener) {
        this(spec, listener, true);
    }

    /** The converter with only the general paths: the reference the fast paths are tested against. */
    static JsonRecordConverter withoutFastPaths(PipelineSpec spec, NormalizationListener listener) {
        return new JsonRecordConverter(spec, listener, false);
    }

    private JsonRecordConverter(PipelineSpec spec, NormalizationListener listener, boolean fastPaths) {
        this.fastPaths = fastPaths;
        this.spec = Objects.requireNonNull(spec, "spec");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.schema = spec.dataSchema();
        Map<String, FieldRules> byField = new HashMap<>();
        for (FieldSpec field : spec.data().fields()) {
            FieldNormalization n = field.normalize();
            Set<String> markers = new HashSet<>(spec.data().missingValues());
            markers.addAll(n.missing());
            DateTimeFormatter pattern = n.timestampPattern()
                    .map(p -> DateTimeFormatter.ofPattern(p, Locale.ROOT)).orElse(null);
            byField.put(field.name(), new FieldRules(n, Set.copyOf(markers), pattern));
        }
        this.rules = Map.copyOf(byField);
        this.aliases = spec.data().fields().stream().map(f -> f.normalize().alias()).filter(Objects::nonNull)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        List<FieldSpec> fields = spec.data().fields();
        this.slots = new Slot[fields.size()];
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < slots.length; i++) {
            FieldSpec field = fields.get(i);
            FieldRules fieldRules = rules.get(field.name());
            slots[i] = new Slot(field, field.name(), field.normalize().alias(), fieldRules,
                    fieldRules.normalization().scale() == null, plainNumberText(fieldRules.normalization()),
                    schema.getField(field.name()).pos());
            index.put(field.name(), 2 * i);
        }
        for (int i = 0; i < slots.length; i++) {
            if (slots[i].alias() != null) {
                index.putIfAbsent(slots[i].alias(), 2 * i + 1);
            }
        }
        this.slotIndex = Map.copyOf(index);
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
            return malformed("the input is not valid JSON" + where + ": " + Excerpt.of(e.getOriginalMessage()));
        } catch (NumberFormatException e) {
            // Jackson refuses some numbers only when it builds the tree (e.g. an exponent outside int's range).
            return malformed("the input holds a number that cannot be read (its exponent or length is out of range)");
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
            if (!slotIndex.containsKey(name)) {
                violations.add(unknown(name));
            }
        }
        for (int i = 0; i < slots.length; i++) {
            Slot slot = slots[i];
            JsonNode value = json.get(slot.name());
            if (value == null && slot.alias() != null) {
                value = json.get(slot.alias());
            }
            record.put(slot.position(), convertValue(slot, value, violations));
        }
        return new Conversion(record, violations);
    }

    /**
     * A converter bound to one fixed list of input names (a file's header after column mapping), for rows of text
     * values: which column fills which field, and which names are unknown, is decided once, not per row.
     * {@link #convert(String[], String, Long)} gives exactly what {@link JsonRecordConverter#convert(JsonNode)} gives
     * for the object holding each column's value as JSON text (a later column of the same name replacing an earlier
     * one), plus the generated key and event time.
     *
     * @param names         the input name of each column, or null for a column that is dropped
     * @param generatedKey  the field a generated key fills, or null
     * @param generatedTime the field a generated event time (epoch milliseconds) fills, or null
     */
    public Columns columns(List<String> names, String generatedKey, String generatedTime) {
        return new Columns(names, generatedKey, generatedTime);
    }

    /** See {@link #columns}; holds no per-row state. */
    public final class Columns {
        private final int width;
        /** Per slot: the column whose value fills it, -1 for none, -2 for the generated key, -3 for the time. */
        private final int[] source;
        private final List<Violation> unknown;

        private Columns(List<String> names, String generatedKey, String generatedTime) {
            this.width = names.size();
            // An object keeps one entry per name, at the place of its first occurrence, with its last value.
            Map<String, Integer> lastColumn = new java.util.LinkedHashMap<>();
            for (int c = 0; c < names.size(); c++) {
                String name = names.get(c);
                if (name != null) {
                    lastColumn.put(name, c);
                }
            }
            List<Violation> unknownNames = new ArrayList<>();
            for (String name : lastColumn.keySet()) {
                if (!slotIndex.containsKey(name)) {
                    unknownNames.add(unknown(name));
                }
            }
            this.unknown = List.copyOf(unknownNames);
            this.source = new int[slots.length];
            for (int i = 0; i < slots.length; i++) {
                Slot slot = slots[i];
                int column;
                if (slot.name().equals(generatedKey)) {
                    column = -2;
                } else if (slot.name().equals(generatedTime)) {
                    column = -3;
                } else {
                    Integer byName = lastColumn.get(slot.name());
                    Integer byAlias = slot.alias() == null ? null : lastColumn.get(slot.alias());
                    column = byName != null ? byName : byAlias != null ? byAlias : -1;
                }
                source[i] = column;
            }
        }

        /**
         * Converts one row.
         *
         * @param values one text value per column (as many as names)
         * @param key    the generated key, when a generated key field was named
         * @param time   the generated event time, when a generated time field was named
         */
        public Conversion convert(String[] values, String key, Long time) {
            if (values.length != width) {
                throw new IllegalArgumentException("expected " + width + " values, got " + values.length);
            }
            return convert(values, null, null, key, time);
        }

        /**
         * Converts one row given as one line of text and each column's place in it, without a string per value
         * (a value is copied out only when it takes the general path): the same result as
         * {@link #convert(String[], String, Long)} with the values {@code line.substring(bounds[2c], bounds[2c+1])}.
         *
         * @param bounds per column, the start (inclusive) then the end (exclusive) of its value in {@code line}
         */
        public Conversion convert(String line, int[] bounds, String key, Long time) {
            if (bounds.length != 2 * width) {
                throw new IllegalArgumentException("expected " + width + " values, got " + bounds.length / 2);
            }
            return convert(null, line, bounds, key, time);
        }

        private Conversion convert(String[] values, String line, int[] bounds, String key, Long time) {
            List<Violation> violations = unknown.isEmpty() ? new ArrayList<>(2) : new ArrayList<>(unknown);
            GenericData.Record record = new GenericData.Record(schema);
            for (int i = 0; i < slots.length; i++) {
                int column = source[i];
                Object converted = switch (column) {
                    case -1 -> null;
                    case -2 -> key == null ? null : convertValue(slots[i], TextNode.valueOf(key), violations);
                    case -3 -> time == null ? null : convertValue(slots[i], LongNode.valueOf(time), violations);
                    default -> values != null
                            ? values[column] == null ? null
                                    : convertText(slots[i], values[column], 0, values[column].length(), violations)
                            : convertText(slots[i], line, bounds[2 * column], bounds[2 * column + 1], violations);
                };
                record.put(slots[i].position(), converted);
            }
            return new Conversion(record, violations);
        }
    }

    private Violation unknown(String name) {
        return new Violation(ReasonCode.UNKNOWN_FIELD, Excerpt.of(name),
                "the field '" + Excerpt.of(name) + "' is not declared in the pipeline spec '" + spec.pipeline() + "'");
    }

    /**
     * Converts the JSON value in {@code length} bytes of UTF-8 from {@code offset}, streaming: the tokens go straight
     * into the fields' slots, no tree is built. Gives exactly what {@link #convert(String)} gives for the same text
     * when it holds one JSON value (the caller has checked there is nothing after it).
     *
     * @param capture a top-level field whose value the caller wants as well, or null
     */
    public Conversion convert(byte[] source, int offset, int length, Capture capture) {
        try (JsonParser parser = mapper.getFactory().createParser(source, offset, length)) {
            return convert(parser, capture);
        } catch (IOException e) {
            return malformed("the input could not be read: " + Excerpt.of(e.getMessage()));
        }
    }

    /**
     * Converts the next JSON value of {@code parser} (or its current token's value, if it has one), streaming; reads
     * exactly that value. Never throws for bad input: unreadable JSON gives MALFORMED_JSON.
     *
     * @param capture a top-level field whose value the caller wants as well, or null
     */
    public Conversion convert(JsonParser parser, Capture capture) {
        try {
            JsonToken token = parser.currentToken() != null ? parser.currentToken() : parser.nextToken();
            if (token == null) {
                return convert(MissingNode.getInstance());
            }
            if (token != JsonToken.START_OBJECT) {
                JsonNode value = valueMapper.readTree(parser);
                return convert(value);
            }
            return convertObject(parser, capture);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            return malformed("the input is not valid JSON" + where + ": " + Excerpt.of(e.getOriginalMessage()));
        } catch (NumberFormatException e) {
            return malformed("the input holds a number that cannot be read (its exponent or length is out of range)");
        } catch (IOException e) {
            return malformed("the input could not be read: " + Excerpt.of(e.getMessage()));
        }
    }

    /**
     * Converts the JSON object whose {@code START_OBJECT} is {@code parser}'s current token, streaming, and leaves the
     * parser on its {@code END_OBJECT}: what {@link #convert(JsonParser, Capture)} gives for a readable object, but
     * input it cannot read (malformed JSON, a number Jackson refuses) is thrown, not answered as MALFORMED_JSON.
     * For a caller that converts the values of a larger document (ingestion's request body of many events) in the
     * same pass that reads the document, and that must refuse the document whole when any of it is unreadable: the
     * parser is then in no state to go on, so the caller takes its careful path.
     *
     * @param capture a top-level field whose value the caller wants as well, or null
     * @throws IOException when the input is not readable JSON, a number in it included (Jackson's
     *                     {@link NumberFormatException} or {@link ArithmeticException} for a number it cannot read
     *                     is given as a {@link JsonParseException}): the one exception a caller's careful path needs
     *                     to catch, so that anything else (a defect) is not mistaken for unreadable input
     */
    public Conversion convertObjectOrThrow(JsonParser parser, Capture capture) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("the parser is not at the start of an object but at "
                    + parser.currentToken());
        }
        Conversion conversion;
        try {
            conversion = convertObject(parser, capture);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new JsonParseException(parser, "a number cannot be read: " + e.getMessage(), e);
        }
        if (parser.currentToken() != JsonToken.END_OBJECT) {
            throw new JsonParseException(parser, "the object is not closed");
        }
        return conversion;
    }

    private Conversion convertObject(JsonParser parser, Capture capture) throws IOException {
        // Two slots per field, as a tree would hold them: [2i] the value under the field's name, [2i+1] under its
        // alias; a Double there is a plain number already read by the fast path. The last occurrence of a name wins.
        Object[] values = new Object[2 * slots.length];
        Set<String> unknown = null;
        String captureName = capture == null ? null : capture.name;
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken valueToken = parser.nextToken();
            Integer at = slotIndex.get(name);
            boolean captured = name.equals(captureName);
            if (captured && at != null && (at & 1) == 1) {
                at = null; // captured names that are only an alias are taken by the caller, not the field
            }
            if (at == null && !captured) {
                if (unknown == null) {
                    unknown = new LinkedHashSet<>();
                }
                unknown.add(name);
                skipValue(parser, valueToken);
                continue;
            }
            if (fastPaths && at != null && !captured && valueToken == JsonToken.VALUE_NUMBER_FLOAT) {
                Slot slot = slots[at >> 1];
                if (slot.plainNumbers() && slot.field().type() == io.mlcycle.mlcore.spec.FieldType.DOUBLE && !parser.isNaN()
                        && parser.getTextLength() <= FAST_DOUBLE_MAX_LENGTH) {
                    String text = parser.getText();
                    if (text.indexOf('e') < 0 && text.indexOf('E') < 0) {
                        // The same exact decimal parsing as numeric text; a decimal has no negative zero.
                        Object fast = plainNumberText(io.mlcycle.mlcore.spec.FieldType.DOUBLE, text, 0, text.length());
                        values[at] = fast != null ? fast : Double.parseDouble(text) + 0.0;
                        continue;
                    }
                }
            }
            JsonNode node = valueNode(parser, valueToken);
            if (at != null) {
                values[at] = node;
            }
            if (captured) {
                capture.value = node;
            }
        }
        if (token != JsonToken.END_OBJECT) {
            return malformed("the input is not valid JSON: the object is not closed");
        }
        List<Violation> violations = new ArrayList<>();
        if (unknown != null) {
            for (String name : unknown) {
                violations.add(unknown(name));
            }
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (int i = 0; i < slots.length; i++) {
            Slot slot = slots[i];
            Object value = values[2 * i];
            if (value == null && slot.alias() != null) {
                value = values[2 * i + 1];
            }
            record.put(slot.position(), value instanceof Double d ? d : convertValue(slot, (JsonNode) value, violations));
        }
        return new Conversion(record, violations);
    }

    /**
     * Reads past a value nobody needs without building it, but reading its decimal numbers as building it would: a
     * number Jackson cannot read makes the whole input MALFORMED_JSON, whichever field holds it.
     */
    private static void skipValue(JsonParser parser, JsonToken token) throws IOException {
        if (!token.isStructStart()) {
            readDecimal(parser, token);
            return;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken next = parser.nextToken();
            if (next == null) {
                return;
            }
            if (next.isStructStart()) {
                depth++;
            } else if (next.isStructEnd()) {
                depth--;
            } else {
                readDecimal(parser, next);
            }
        }
    }

    private static void readDecimal(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_FLOAT && !parser.isNaN()) {
            parser.getDecimalValue();
        }
    }

    /** The node a tree would hold for the current value (scalars built directly, containers by the mapper). */
    private JsonNode valueNode(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> TextNode.valueOf(parser.getText());
            case VALUE_TRUE -> BooleanNode.TRUE;
            case VALUE_FALSE -> BooleanNode.FALSE;
            case VALUE_NULL -> NullNode.getInstance();
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> IntNode.valueOf(parser.getIntValue());
                case LONG -> LongNode.valueOf(parser.getLongValue());
                default -> valueMapper.readTree(parser);
            };
            default -> valueMapper.readTree(parser);
        };
    }

    private static Conversion malformed(String detail) {
        return new Conversion(null, List.of(new Violation(ReasonCode.MALFORMED_JSON, null, detail)));
    }

    private Object convertValue(Slot slot, JsonNode node, List<Violation> violations) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        FieldSpec field = slot.field();
        String name = slot.name();
        FieldRules fieldRules = slot.rules();
        FieldNormalization n = fieldRules.normalization();
        if (fastPaths && slot.plainNumbers() && (node.isInt() || node.isLong())) {
            // Plain whole numbers need no decimal arithmetic: the same values the general path gives, directly.
            switch (field.type()) {
                case INT:
                    if (node.isInt()) {
                        return node.intValue();
                    }
                    break;
                case LONG:
                    return node.longValue();
                case DOUBLE:
                    return (double) node.longValue();
                default:
                    break;
            }
        }
        if (node.isTextual() && fieldRules.missingMarkers().contains(node.textValue().trim())) {
            listener.applied(name, NormalizationRule.MISSING_MARKER);
            return null;
        }
        if (fastPaths && node.isTextual() && slot.plainText()) {
            Object fast = plainNumberText(field.type(), node.textValue(), 0, node.textValue().length());
            if (fast != null) {
                return fast;
            }
        }
        if (node.isContainerNode()) {
            return wrong(violations, name, name + " should be a single value but is a JSON "
                    + (node.isArray() ? "array" : "object"));
        }
        return switch (field.type()) {
            case STRING, CATEGORY -> node.isTextual() ? text(name, node.textValue(), n)
                    : wrong(violations, name, name + " should be text but is " + describe(node));
            case BOOLEAN -> toBoolean(name, node, n, violations);
            case INT -> toWhole(name, node, n, violations, INT_MIN, INT_MAX, "a 32-bit whole number (int)", true);
            case LONG -> toWhole(name, node, n, violations, LONG_MIN, LONG_MAX, "a 64-bit whole number (long)", false);
            case DOUBLE -> toDouble(name, node, n, violations);
            case TIMESTAMP -> toTimestamp(name, node, fieldRules, violations);
        };
    }

    /**
     * {@link #convertValue} of a text value, without wrapping it in a JSON node first (the rows of a file are all
     * text): the same checks in the same order, and the same result.
     */
    /** {@link #convertValue} of the text from {@code from} to {@code to} of {@code text}. */
    private Object convertText(Slot slot, String text, int from, int to, List<Violation> violations) {
        if (slot.rules().isMarker(text, from, to)) {
            listener.applied(slot.name(), NormalizationRule.MISSING_MARKER);
            return null;
        }
        if (fastPaths && slot.plainText()) {
            Object fast = plainNumberText(slot.field().type(), text, from, to);
            if (fast != null) {
                return fast;
            }
        }
        String value = from == 0 && to == text.length() ? text : text.substring(from, to);
        return convertValue(slot, TextNode.valueOf(value), violations);
    }

    private String text(String name, String value, FieldNormalization n) {
        String result = value;
        if (n.trim()) {
            String trimmed = result.strip();
            if (trimmed.length() != result.length()) {
                listener.applied(name, NormalizationRule.TRIM);
                result = trimmed;
            }
        }
        String folded = n.caseFold().apply(result);
        if (!folded.equals(result)) {
            listener.applied(name, NormalizationRule.CASE_FOLD);
        }
        return folded;
    }

    private Object toBoolean(String name, JsonNode node, FieldNormalization n, List<Violation> violations) {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            if (text.equals("true")) {
                return Boolean.TRUE;
            }
            if (text.equals("false")) {
                return Boolean.FALSE;
            }
            Boolean word = switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "yes", "y", "1" -> n.booleanWords() ? Boolean.TRUE : null;
                case "no", "n", "0" -> n.booleanWords() ? Boolean.FALSE : null;
                default -> null;
            };
            if (word != null) {
                listener.applied(name, NormalizationRule.BOOLEAN_WORD);
                return word;
            }
        }
        if (n.booleanWords() && node.isIntegralNumber() && node.canConvertToInt()
                && (node.intValue() == 0 || node.intValue() == 1)) {
            listener.applied(name, NormalizationRule.BOOLEAN_WORD);
            return node.intValue() == 1;
        }
        return wrong(violations, name, name + " should be true or false" + (n.booleanWords() ? " (or yes/no, y/n, 1/0)" : "")
                + " but is " + describe(node));
    }

    /** The node as an exact decimal, or null after reporting NOT_FINITE / WRONG_TYPE. */
    private BigDecimal decimal(String name, JsonNode node, FieldNormalization n, List<Violation> violations) {
        java.util.function.Consumer<NormalizationRule> applied = rule -> listener.applied(name, rule);
        if (node.isNumber()) {
            if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                violations.add(new Violation(ReasonCode.NOT_FINITE, name, name + " = " + node.asText()
                        + " is not a finite number"));
                return null;
            }
            try {
                return NumberText.scaled(node.decimalValue(), n, applied);
            } catch (NumberText.NotANumber e) {
                wrong(violations, name, name + " = " + NumberText.describe(node.decimalValue()) + " " + e.getMessage());
                return null;
            }
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            if (text.length() <= 10 && !text.isEmpty() && !Character.isDigit(text.charAt(text.length() - 1))
                    && NON_FINITE.contains(text.toLowerCase(Locale.ROOT))) {
                violations.add(new Violation(ReasonCode.NOT_FINITE, name, name + " = '" + text
                        + "' is not a finite number"));
                return null;
            }
            try {
                return NumberText.parse(text, n, applied);
            } catch (NumberText.NotANumber e) {
                String why = e.getMessage().equals("is not a number") ? "" : " (it " + e.getMessage() + ")";
                wrong(violations, name, name + " should be a number but is the text '" + Excerpt.of(text) + "'" + why);
                return null;
            }
        }
        wrong(violations, name, name + " should be a number but is " + describe(node));
        return null;
    }

    private Object toWhole(String name, JsonNode node, FieldNormalization n, List<Violation> violations, BigDecimal min,
                           BigDecimal max, String words, boolean asInt) {
        BigDecimal value = decimal(name, node, n, violations);
        if (value == null) {
            return null;
        }
        // Range first: comparing magnitudes is cheap whatever the exponent; anything in range has a small scale.
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            return wrong(violations, name, name + " = " + NumberText.describe(value) + " is too large for " + words);
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() > 0) {
            return wrong(violations, name, name + " = " + NumberText.describe(value) + " is not a whole number");
        }
        return asInt ? (Object) stripped.intValueExact() : (Object) stripped.longValueExact();
    }

    private Object toDouble(String name, JsonNode node, FieldNormalization n, List<Violation> violations) {
        BigDecimal value = decimal(name, node, n, violations);
        if (value == null) {
            return null;
        }
        double d = value.doubleValue();
        if (!Double.isFinite(d)) {
            violations.add(new Violation(ReasonCode.NOT_FINITE, name, name + " = " + NumberText.describe(value)
                    + " is too large to be a finite number"));
            return null;
        }
        return d;
    }

    private Object toTimestamp(String name, JsonNode node, FieldRules fieldRules, List<Violation> violations) {
        FieldNormalization n = fieldRules.normalization();
        boolean seconds = FieldNormalization.EPOCH_SECONDS.equals(n.timestampFormat());
        Long epoch = null;
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                return wrong(violations, name, name + " = " + Excerpt.of(node.asText())
                        + " is too large for epoch " + (seconds ? "seconds" : "milliseconds"));
            }
            epoch = node.longValue();
        } else if (node.isTextual()) {
            String text = node.textValue().trim();
            if (fieldRules.pattern() != null) {
                Long parsed = Timestamps.parsePattern(text, fieldRules.pattern(), n.zone());
                if (parsed != null) {
                    listener.applied(name, NormalizationRule.TIMESTAMP_PATTERN);
                    return parsed;
                }
            } else if (isEpochDigits(text)) {
                epoch = Long.parseLong(text);
            } else if (text.length() <= 64) {
                Timestamps.Parsed parsed = Timestamps.parseIso(text, n.zone());
                if (parsed != null) {
                    if (parsed.zoneAssumed()) {
                        listener.applied(name, NormalizationRule.ZONE_ASSUMED);
                    }
                    return parsed.epochMillis();
                }
            }
        }
        if (epoch != null) {
            if (!seconds) {
                return epoch;
            }
            try {
                long millis = Math.multiplyExact(epoch, 1000L);
                listener.applied(name, NormalizationRule.EPOCH_SECONDS);
                return millis;
            } catch (ArithmeticException e) {
                return wrong(violations, name, name + " = " + epoch + " is too large for epoch seconds");
            }
        }
        String expected = fieldRules.pattern() != null ? "a timestamp in the pattern '" + n.timestampFormat() + "'"
                : seconds ? "a timestamp (use epoch seconds or ISO-8601, e.g. 2024-05-01T12:00:00Z)"
                : "a timestamp (use epoch milliseconds or ISO-8601, e.g. 2024-05-01T12:00:00Z)";
        return wrong(violations, name, name + " = " + (node.isTextual() ? "'" + Excerpt.of(node.textValue()) + "'"
                : Excerpt.of(node.asText())) + " is not " + expected);
    }

    /** True when numeric text of the field needs no declared rule (what CSV files mostly hold). */
    private static boolean plainNumberText(FieldNormalization n) {
        return n.thousandsSeparator() == null && !n.decimalComma() && !n.percent() && n.scale() == null;
    }

    /**
     * The value of plain numeric text ({@code -?digits[.digits]}, nothing else) for a number field without
     * declared rules, read without decimal arithmetic; null for anything else, which takes the general path. Gives
     * what the general path gives: a double correctly rounded (a decimal has no negative zero), a whole number
     * exactly. Called after the missing-value markers were checked (a marker may be digits, e.g. -999). Reads
     * {@code text} from {@code from} (inclusive) to {@code to} (exclusive).
     */
    private static Object plainNumberText(io.mlcycle.mlcore.spec.FieldType type, String text, int from, int to) {
        if (to <= from || to - from > FAST_DOUBLE_MAX_LENGTH) {
            return null;
        }
        int i = text.charAt(from) == '-' ? from + 1 : from;
        int digits = 0;
        int dot = -1;
        long mantissa = 0;
        for (int k = i; k < to; k++) {
            char c = text.charAt(k);
            if (c >= '0' && c <= '9') {
                digits++;
                mantissa = mantissa * 10 + (c - '0'); // overflows past 18 digits: then only used below if < 2^53
            } else if (c == '.' && dot < 0) {
                dot = k;
            } else {
                return null;
            }
        }
        if (digits == 0 || dot == i || dot == to - 1) {
            return null;
        }
        switch (type) {
            case DOUBLE:
                int fractionDigits = dot < 0 ? 0 : to - dot - 1;
                if (digits <= 18 && mantissa < EXACT_DOUBLE_INTEGER_LIMIT && fractionDigits < EXACT_POWERS_OF_TEN.length) {
                    // Clinger's fast path: both operands are exact doubles, so one IEEE division is correctly
                    // rounded, which is exactly Double.parseDouble's answer; a decimal has no negative zero.
                    double magnitude = mantissa / EXACT_POWERS_OF_TEN[fractionDigits];
                    return (i > from ? -magnitude : magnitude) + 0.0;
                }
                return Double.parseDouble(text.substring(from, to)) + 0.0;
            case INT:
                return dot < 0 && digits <= 9 ? (Object) Integer.parseInt(text, from, to, 10) : null;
            case LONG:
                return dot < 0 && digits <= 18 ? (Object) Long.parseLong(text, from, to, 10) : null;
            default:
                return null;
        }
    }

    /** {@code -?\\d{1,18}}, without a regex. */
    private static boolean isEpochDigits(String text) {
        int start = text.startsWith("-") ? 1 : 0;
        int digits = text.length() - start;
        if (digits < 1 || digits > 18) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** ISO-8601 instant, offset date-time, local date-time (UTC) or date (UTC midnight); null if none fits. */
    static Long parseIsoMillis(String text) {
        Timestamps.Parsed parsed = Timestamps.parseIso(text, ZoneOffset.UTC);
        return parsed == null ? null : parsed.epochMillis();
    }

    private static Object wrong(List<Violation> violations, String field, String detail) {
        violations.add(new Violation(ReasonCode.WRONG_TYPE, field, detail));
        return null;
    }

    private static String describe(JsonNode node) {
        if (node.isTextual()) {
            return "the text '" + Excerpt.of(node.textValue()) + "'";
        }
        if (node.isNumber()) {
            return "the number " + (node.isBigDecimal() ? NumberText.describe(node.decimalValue())
                    : Excerpt.of(node.asText()));
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
