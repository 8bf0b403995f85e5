package io.mlcycle.mlcore.spec;

import io.mlcycle.mlcore.gates.CrossFieldRules;
import io.mlcycle.mlcore.spec.YamlTree.Entry;
import io.mlcycle.mlcore.spec.YamlTree.ListNode;
import io.mlcycle.mlcore.spec.YamlTree.MapNode;
import io.mlcycle.mlcore.spec.YamlTree.Node;
import io.mlcycle.mlcore.spec.YamlTree.ScalarNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the optional {@code gates} section (see the spec table in README.md). Kept apart from the
 * main parser so the section can grow without touching the field parsing. CEL rules are compiled here, once, so an
 * invalid rule fails the spec with its line.
 */
final class GatesSpecReader {

    static final String SECTION = "gates";
    private static final Set<String> KEYS = Set.of("categories", "sentinels", "rules", "event_time", "duplicates", "window",
            "conflicting_labels");
    private static final Set<String> CONFLICT_KEYS = Set.of("window");
    private static final Set<String> WINDOW_KEYS = Set.of("max_missing_rate", "max_quarantine_rate",
            "min_records_per_hour");
    private static final Set<String> CATEGORY_KEYS = Set.of("unseen");
    private static final Set<String> SENTINEL_KEYS = Set.of("values", "action", "meaning");
    private static final Set<String> RULE_KEYS = Set.of("name", "expr", "detail");
    private static final Set<String> EVENT_TIME_KEYS = Set.of("max_late");
    private static final Set<String> DUPLICATE_KEYS = Set.of("retention", "enabled");

    private final PipelineSpecParser.Context ctx;

    GatesSpecReader(PipelineSpecParser.Context ctx) {
        this.ctx = ctx;
    }

    GatesSpec read(MapNode root, DataSpec data) {
        Entry entry = ctx.entry(root, SECTION);
        if (entry == null) {
            return GatesSpec.defaults();
        }
        MapNode gates = ctx.asMap(entry.value(), SECTION);
        if (gates == null) {
            return GatesSpec.defaults();
        }
        ctx.checkKeys(gates, SECTION, KEYS);
        Map<String, GatesSpec.UnseenPolicy> unseen = readCategories(gates, data);
        Map<String, GatesSpec.Sentinel> sentinels = readSentinels(gates, data);
        List<GatesSpec.Rule> rules = readRules(gates, data);
        Optional<Duration> maxLate = Optional.empty();
        MapNode eventTime = subMap(gates, "event_time", EVENT_TIME_KEYS);
        if (eventTime != null) {
            maxLate = Optional.ofNullable(ctx.duration(eventTime, "gates.event_time", "max_late", null));
        }
        Optional<Duration> duplicates = Optional.of(GatesSpec.DEFAULT_DUPLICATE_RETENTION);
        MapNode dup = subMap(gates, "duplicates", DUPLICATE_KEYS);
        if (dup != null) {
            boolean enabled = ctx.bool(dup, "gates.duplicates", "enabled", true);
            Duration retention = ctx.duration(dup, "gates.duplicates", "retention",
                    GatesSpec.DEFAULT_DUPLICATE_RETENTION);
            duplicates = enabled ? Optional.of(retention) : Optional.empty();
        }
        GatesSpec.WindowExpectations window = GatesSpec.WindowExpectations.NONE;
        MapNode expectations = subMap(gates, "window", WINDOW_KEYS);
        if (expectations != null) {
            String path = "gates.window";
            window = new GatesSpec.WindowExpectations(
                    rate(expectations, path, "max_missing_rate"),
                    rate(expectations, path, "max_quarantine_rate"),
                    positive(expectations, path, "min_records_per_hour"));
        }
        Optional<Duration> conflictingLabels = Optional.empty();
        MapNode conflicts = subMap(gates, "conflicting_labels", CONFLICT_KEYS);
        if (conflicts != null) {
            conflictingLabels = Optional.ofNullable(ctx.duration(conflicts, "gates.conflicting_labels", "window",
                    Duration.ofDays(1)));
        }
        return new GatesSpec(unseen, sentinels, rules, maxLate, duplicates, window, conflictingLabels);
    }

    private Double rate(MapNode map, String path, String key) {
        if (ctx.entry(map, key) == null) {
            return null;
        }
        double value = ctx.decimal(map, path, key, Double.NaN, -1e-12, 1 + 1e-12, "a fraction between 0 and 1");
        return Double.isNaN(value) ? null : value;
    }

    private Double positive(MapNode map, String path, String key) {
        if (ctx.entry(map, key) == null) {
            return null;
        }
        double value = ctx.decimal(map, path, key, Double.NaN, 0, Double.POSITIVE_INFINITY, "a positive number");
        return Double.isNaN(value) ? null : value;
    }

    private MapNode subMap(MapNode parent, String key, Set<String> allowed) {
        Entry entry = ctx.entry(parent, key);
        if (entry == null) {
            return null;
        }
        String path = SECTION + "." + key;
        MapNode map = ctx.asMap(entry.value(), path);
        if (map != null) {
            ctx.checkKeys(map, path, allowed);
        }
        return map;
    }

    private Map<String, GatesSpec.UnseenPolicy> readCategories(MapNode gates, DataSpec data) {
        Map<String, GatesSpec.UnseenPolicy> result = new LinkedHashMap<>();
        Entry entry = ctx.entry(gates, "categories");
        if (entry == null) {
            return result;
        }
        MapNode categories = ctx.asMap(entry.value(), "gates.categories");
        if (categories == null) {
            return result;
        }
        for (Entry field : categories.entries().values()) {
            String path = "gates.categories." + field.key();
            if (!isField(data, field.key(), FieldType.CATEGORY, field.keyLine(), path)) {
                continue;
            }
            MapNode map = ctx.asMap(field.value(), path);
            if (map == null) {
                continue;
            }
            ctx.checkKeys(map, path, CATEGORY_KEYS);
            String policy = ctx.string(map, path, "unseen", true);
            if (policy == null) {
                continue;
            }
            try {
                result.put(field.key(), GatesSpec.UnseenPolicy.valueOf(policy.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                ctx.error(ctx.line(map, "unseen"), path + ".unseen",
                        "must be reject, other or pass, but is '" + policy + "'");
            }
        }
        return result;
    }

    private Map<String, GatesSpec.Sentinel> readSentinels(MapNode gates, DataSpec data) {
        Map<String, GatesSpec.Sentinel> result = new LinkedHashMap<>();
        Entry entry = ctx.entry(gates, "sentinels");
        if (entry == null) {
            return result;
        }
        MapNode sentinels = ctx.asMap(entry.value(), "gates.sentinels");
        if (sentinels == null) {
            return result;
        }
        for (Entry field : sentinels.entries().values()) {
            String path = "gates.sentinels." + field.key();
            if (!isField(data, field.key(), null, field.keyLine(), path)) {
                continue;
            }
            MapNode map = ctx.asMap(field.value(), path);
            if (map == null) {
                continue;
            }
            ctx.checkKeys(map, path, SENTINEL_KEYS);
            Set<Double> values = new HashSet<>();
            Entry valuesEntry = ctx.entry(map, "values");
            if (valuesEntry == null) {
                ctx.missing(map, path, "values");
            } else if (valuesEntry.value() instanceof ListNode list) {
                for (int i = 0; i < list.items().size(); i++) {
                    Node item = list.items().get(i);
                    if (item instanceof ScalarNode s && s.isNumber()) {
                        values.add(new BigDecimal(s.text().replace("_", "")).doubleValue());
                    } else {
                        ctx.error(item.line(), path + ".values[" + i + "]", "must be a number");
                    }
                }
            } else {
                ctx.error(valuesEntry.value().line(), path + ".values", "must be a list of numbers, e.g. [96, 98]");
            }
            String action = ctx.string(map, path, "action", true);
            GatesSpec.SentinelAction parsed = null;
            if (action != null) {
                try {
                    parsed = GatesSpec.SentinelAction.valueOf(action.trim().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    ctx.error(ctx.line(map, "action"), path + ".action",
                            "must be missing or reject, but is '" + action + "'");
                }
            }
            String meaning = ctx.string(map, path, "meaning", false);
            if (parsed != null) {
                result.put(field.key(), new GatesSpec.Sentinel(values, parsed, meaning));
            }
        }
        return result;
    }

    private List<GatesSpec.Rule> readRules(MapNode gates, DataSpec data) {
        List<GatesSpec.Rule> rules = new ArrayList<>();
        Entry entry = ctx.entry(gates, "rules");
        if (entry == null) {
            return rules;
        }
        if (!(entry.value() instanceof ListNode list)) {
            ctx.error(entry.value().line(), "gates.rules", "must be a list of rules (name, expr, detail)");
            return rules;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.items().size(); i++) {
            String path = "gates.rules[" + i + "]";
            MapNode map = ctx.asMap(list.items().get(i), path);
            if (map == null) {
                continue;
            }
            ctx.checkKeys(map, path, RULE_KEYS);
            String name = ctx.string(map, path, "name", true);
            String expr = ctx.string(map, path, "expr", true);
            String detail = ctx.string(map, path, "detail", false);
            if (name != null && !names.add(name)) {
                ctx.error(ctx.line(map, "name"), path + ".name", "the rule name '" + name + "' is used twice");
            }
            if (name == null || expr == null) {
                continue;
            }
            GatesSpec.Rule rule = new GatesSpec.Rule(name, expr, ctx.line(map, "expr"), detail);
            if (data != null) {
                CrossFieldRules.compileError(rule, data).ifPresent(message ->
                        ctx.error(rule.line(), path + ".expr", message));
            }
            rules.add(rule);
        }
        return rules;
    }

    private boolean isField(DataSpec data, String name, FieldType type, int line, String path) {
        if (data == null) {
            return false;
        }
        Optional<FieldSpec> field = data.field(name);
        if (field.isEmpty()) {
            ctx.error(line, path, "'" + name + "' is not a declared field");
            return false;
        }
        if (type != null && field.get().type() != type) {
            ctx.error(line, path, "'" + name + "' must be a " + type.name().toLowerCase(Locale.ROOT)
                    + " field, but is " + field.get().type().name().toLowerCase(Locale.ROOT));
            return false;
        }
        if (type == null && !field.get().type().isNumeric()) {
            ctx.error(line, path, "'" + name + "' must be a numeric field for sentinel codes");
            return false;
        }
        return true;
    }
}
