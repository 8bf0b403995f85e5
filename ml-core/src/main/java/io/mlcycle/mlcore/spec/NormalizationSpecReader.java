package io.mlcycle.mlcore.spec;

import io.mlcycle.mlcore.spec.FieldNormalization.CaseFold;
import io.mlcycle.mlcore.spec.YamlTree.Entry;
import io.mlcycle.mlcore.spec.YamlTree.ListNode;
import io.mlcycle.mlcore.spec.YamlTree.MapNode;
import io.mlcycle.mlcore.spec.YamlTree.Node;
import io.mlcycle.mlcore.spec.YamlTree.ScalarNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a field's {@code normalize:} block into a {@link FieldNormalization}, reporting every problem to the parser's
 * error sink. Kept apart from the parser so that normalisation keys live in one small place.
 */
final class NormalizationSpecReader {

    static final Set<String> KEYS = Set.of("missing", "trim", "case", "thousands_separator", "decimal_comma", "percent",
            "scale", "booleans", "timestamp_format", "timezone", "alias");

    /** Where problems go: line, key path, message. */
    interface Errors {
        void error(int line, String path, String message);
    }

    private final Errors errors;

    NormalizationSpecReader(Errors errors) {
        this.errors = errors;
    }

    /** The normalisation of a field of {@code type}; {@link FieldNormalization#NONE} when the block is absent. */
    FieldNormalization read(Entry entry, String fieldPath, FieldType type) {
        if (entry == null) {
            return FieldNormalization.NONE;
        }
        String path = fieldPath + ".normalize";
        if (!(entry.value() instanceof MapNode map)) {
            errors.error(entry.value().line(), path, "must be a map of normalisation rules, but is " + entry.value().kind());
            return FieldNormalization.NONE;
        }
        for (Entry e : map.entries().values()) {
            if (!KEYS.contains(e.key())) {
                errors.error(e.keyLine(), path + "." + e.key(), "unknown key" + PipelineSpecParser.suggestion(e.key(), KEYS));
            }
        }
        List<String> missing = strings(map, path, "missing");
        boolean trim = bool(map, path, "trim");
        CaseFold caseFold = CaseFold.NONE;
        String caseText = text(map, path, "case");
        if (caseText != null) {
            switch (caseText.toLowerCase(Locale.ROOT)) {
                case "lower" -> caseFold = CaseFold.LOWER;
                case "upper" -> caseFold = CaseFold.UPPER;
                default -> errors.error(line(map, "case"), path + ".case", "must be 'lower' or 'upper', not '" + caseText + "'");
            }
        }
        String thousands = text(map, path, "thousands_separator");
        if (thousands != null && !Set.of(",", ".", " ", "'", "_", "\u00a0", "\u202f").contains(thousands)) {
            errors.error(line(map, "thousands_separator"), path + ".thousands_separator",
                    "must be one of ',', '.', ' ', \"'\", '_' or a no-break space, not '" + thousands + "'");
            thousands = null;
        }
        boolean decimalComma = bool(map, path, "decimal_comma");
        if (decimalComma && ",".equals(thousands)) {
            errors.error(line(map, "thousands_separator"), path + ".thousands_separator",
                    "cannot be ',' when decimal_comma is true");
        }
        boolean percent = bool(map, path, "percent");
        BigDecimal scale = null;
        String scaleText = text(map, path, "scale");
        if (scaleText != null) {
            try {
                scale = new BigDecimal(scaleText.trim().replace("_", ""));
                if (scale.signum() == 0 || scale.precision() > 30 || Math.abs(scale.scale()) > 30) {
                    errors.error(line(map, "scale"), path + ".scale", "must be a non-zero number of moderate size, not "
                            + scaleText);
                    scale = null;
                }
            } catch (NumberFormatException e) {
                errors.error(line(map, "scale"), path + ".scale", "must be a number, e.g. 0.001, not '" + scaleText + "'");
            }
        }
        boolean booleans = bool(map, path, "booleans");
        String format = text(map, path, "timestamp_format");
        if (format != null && !format.equals(FieldNormalization.ISO) && !format.equals(FieldNormalization.EPOCH_SECONDS)
                && !format.equals(FieldNormalization.EPOCH_MILLIS)) {
            try {
                DateTimeFormatter.ofPattern(format, Locale.ROOT);
            } catch (IllegalArgumentException e) {
                errors.error(line(map, "timestamp_format"), path + ".timestamp_format", "'" + format
                        + "' is neither iso, epoch_seconds, epoch_millis nor a valid date-time pattern: " + e.getMessage());
                format = null;
            }
        }
        ZoneId zone = null;
        String zoneText = text(map, path, "timezone");
        if (zoneText != null) {
            try {
                zone = ZoneId.of(zoneText.trim());
            } catch (DateTimeException e) {
                errors.error(line(map, "timezone"), path + ".timezone", "'" + zoneText
                        + "' is not a time zone (examples: UTC, +02:00, Europe/Paris)");
            }
        }
        String alias = text(map, path, "alias");
        if (alias != null && alias.isBlank()) {
            errors.error(line(map, "alias"), path + ".alias", "must not be blank");
            alias = null;
        }
        if (type != null) {
            boolean text = type == FieldType.STRING || type == FieldType.CATEGORY;
            onlyFor(map, path, "trim", text, type, "string and category");
            onlyFor(map, path, "case", text, type, "string and category");
            onlyFor(map, path, "thousands_separator", type.isNumeric(), type, "int, long and double");
            onlyFor(map, path, "decimal_comma", type.isNumeric(), type, "int, long and double");
            onlyFor(map, path, "percent", type.isNumeric(), type, "int, long and double");
            onlyFor(map, path, "scale", type.isNumeric(), type, "int, long and double");
            onlyFor(map, path, "booleans", type == FieldType.BOOLEAN, type, "boolean");
            onlyFor(map, path, "timestamp_format", type == FieldType.TIMESTAMP, type, "timestamp");
            onlyFor(map, path, "timezone", type == FieldType.TIMESTAMP, type, "timestamp");
        }
        return new FieldNormalization(missing, trim, caseFold, thousands, decimalComma, percent, scale, booleans, format,
                zone, alias);
    }

    private void onlyFor(MapNode map, String path, String key, boolean applies, FieldType type, String types) {
        if (!applies && map.entries().containsKey(key)) {
            errors.error(line(map, key), path + "." + key, "applies to " + types + " fields only; this field is "
                    + type.yamlName());
        }
    }

    private static int line(MapNode map, String key) {
        Entry entry = map.entries().get(key);
        return entry == null ? map.line() : entry.value().line();
    }

    private String text(MapNode map, String path, String key) {
        Entry entry = map.entries().get(key);
        if (entry == null || entry.value() instanceof ScalarNode s && s.isNull()) {
            return null;
        }
        if (entry.value() instanceof ScalarNode scalar) {
            return scalar.text();
        }
        errors.error(entry.value().line(), path + "." + key, "must be a single value, but is " + entry.value().kind());
        return null;
    }

    private boolean bool(MapNode map, String path, String key) {
        Entry entry = map.entries().get(key);
        if (entry == null) {
            return false;
        }
        if (entry.value() instanceof ScalarNode scalar && scalar.isBoolean()) {
            return Boolean.parseBoolean(scalar.text());
        }
        errors.error(entry.value().line(), path + "." + key, "must be true or false");
        return false;
    }

    private List<String> strings(MapNode map, String path, String key) {
        Entry entry = map.entries().get(key);
        if (entry == null) {
            return List.of();
        }
        if (!(entry.value() instanceof ListNode list)) {
            errors.error(entry.value().line(), path + "." + key, "must be a list, e.g. [\"?\", \"NA\"], but is "
                    + entry.value().kind());
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (Node item : list.items()) {
            if (item instanceof ScalarNode s && !s.isNull()) {
                result.add(s.text());
            } else {
                errors.error(item.line(), path + "." + key, "must hold single values");
            }
        }
        return result;
    }
}
