package io.mlcycle.mlcore.spec;

import io.mlcycle.mlcore.gates.CrossFieldRules;
import io.mlcycle.mlcore.spec.YamlTree.Entry;
import io.mlcycle.mlcore.spec.YamlTree.ListNode;
import io.mlcycle.mlcore.spec.YamlTree.MapNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the optional {@code evaluation} section (slices and the rule baseline). Kept apart from the main parser; the
 * CEL expressions are compiled here, once, with the same CEL helper as the validation rules
 * ({@link CrossFieldRules}), so an invalid one fails the spec with its line.
 */
final class EvaluationSpecReader {

    static final String SECTION = "evaluation";
    private static final Set<String> KEYS = Set.of("slices", "rule_baseline");
    private static final Set<String> SLICE_KEYS = Set.of("name", "expr");

    private final PipelineSpecParser.Context ctx;

    EvaluationSpecReader(PipelineSpecParser.Context ctx) {
        this.ctx = ctx;
    }

    EvaluationSpec read(MapNode root, DataSpec data, String labelField) {
        Entry entry = ctx.entry(root, SECTION);
        if (entry == null) {
            return EvaluationSpec.DEFAULTS;
        }
        MapNode section = ctx.asMap(entry.value(), SECTION);
        if (section == null) {
            return EvaluationSpec.DEFAULTS;
        }
        ctx.checkKeys(section, SECTION, KEYS);
        List<EvaluationSpec.Slice> slices = readSlices(section, data, labelField);
        Optional<EvaluationSpec.RuleBaseline> rule = Optional.empty();
        String expr = ctx.string(section, SECTION, "rule_baseline", false);
        if (expr != null) {
            int line = ctx.line(section, "rule_baseline");
            if (check(expr, data, labelField, true, line, SECTION + ".rule_baseline")) {
                rule = Optional.of(new EvaluationSpec.RuleBaseline(expr, line));
            }
        }
        return new EvaluationSpec(slices, rule);
    }

    private List<EvaluationSpec.Slice> readSlices(MapNode section, DataSpec data, String labelField) {
        List<EvaluationSpec.Slice> slices = new ArrayList<>();
        Entry entry = ctx.entry(section, "slices");
        if (entry == null) {
            return slices;
        }
        if (!(entry.value() instanceof ListNode list)) {
            ctx.error(entry.value().line(), SECTION + ".slices", "must be a list of slices (name, expr)");
            return slices;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.items().size(); i++) {
            String path = SECTION + ".slices[" + i + "]";
            MapNode map = ctx.asMap(list.items().get(i), path);
            if (map == null) {
                continue;
            }
            ctx.checkKeys(map, path, SLICE_KEYS);
            String name = ctx.string(map, path, "name", true);
            String expr = ctx.string(map, path, "expr", true);
            if (name != null && !names.add(name)) {
                ctx.error(ctx.line(map, "name"), path + ".name", "the slice name '" + name + "' is used twice");
            }
            if (name == null || expr == null) {
                continue;
            }
            int line = ctx.line(map, "expr");
            if (check(expr, data, labelField, false, line, path + ".expr")) {
                slices.add(new EvaluationSpec.Slice(name, expr, line));
            }
        }
        return slices;
    }

    /** Compiles the expression and checks it reads feature fields only (what a model sees); reports errors. */
    private boolean check(String expr, DataSpec data, String labelField, boolean numberAllowed, int line,
                          String path) {
        if (data == null) {
            return false;
        }
        Optional<String> error = CrossFieldRules.expressionError(expr, data, numberAllowed);
        if (error.isPresent()) {
            ctx.error(line, path, "'" + expr + "' " + error.get());
            return false;
        }
        for (String field : CrossFieldRules.expression(path, expr, data).fields()) {
            boolean feature = data.field(field).map(FieldSpec::feature).orElse(false);
            if (!feature || field.equals(labelField)) {
                ctx.error(line, path, "'" + field + "' is not a feature field: slices and rules read the features "
                        + "a model sees");
                return false;
            }
        }
        return true;
    }
}
