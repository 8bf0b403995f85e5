package io.mlcycle.mlcore.spec;

import io.mlcycle.mlcore.spec.YamlTree.Entry;
import io.mlcycle.mlcore.spec.YamlTree.ListNode;
import io.mlcycle.mlcore.spec.YamlTree.MapNode;
import io.mlcycle.mlcore.spec.YamlTree.Node;
import io.mlcycle.mlcore.spec.YamlTree.ScalarNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a pipeline spec (YAML, format version 1) into a {@link PipelineSpec}, checking every rule of SPEC-FORMAT.md
 * and collecting all problems into one {@link SpecException}. Stateless and thread-safe.
 */
public final class PipelineSpecParser {

    static final Pattern PIPELINE_NAME = Pattern.compile("^[a-z][a-z0-9-]{0,48}$");
    static final Pattern IDENTIFIER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
    static final Pattern NAMESPACE = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$");

    /** Hyper-parameters understood by the logistic regression trainer. */
    public static final Set<String> LOGISTIC_REGRESSION_HYPERPARAMETERS =
            Set.of("epochs", "learning_rate", "l2", "class_weight", "minibatch_size");

    /** Hyper-parameters understood by the gradient-boosted trees trainer. */
    public static final Set<String> GRADIENT_BOOSTING_HYPERPARAMETERS =
            Set.of("rounds", "learning_rate", "max_depth", "min_child_weight", "subsample", "colsample", "l2",
                    "class_weight");

    /** The hyper-parameter keys a trainer understands. */
    public static Set<String> hyperparameterKeys(String trainer) {
        return TrainingSpec.GRADIENT_BOOSTING.equals(trainer) ? GRADIENT_BOOSTING_HYPERPARAMETERS
                : LOGISTIC_REGRESSION_HYPERPARAMETERS;
    }

    private static final Set<String> TOP_KEYS =
            Set.of("pipeline", "description", "data", "label", "objective", "training", "triggers", "drift", "promotion",
                    GatesSpecReader.SECTION, "monitoring", "replay",
                    EvaluationSpecReader.SECTION);
    private static final Set<String> DATA_KEYS =
            Set.of("record", "namespace", "key", "event_time", "missing_values", "max_future", "fields");
    private static final Set<String> FIELD_KEYS =
            Set.of("name", "type", "required", "feature", "min", "max", "values", "pattern", "doc", "normalize");
    private static final Set<String> LABEL_KEYS = Set.of("field", "positive", "delay");
    private static final Set<String> OBJECTIVE_KEYS = Set.of("metric", "decision_threshold", "budgets");
    private static final Set<String> BUDGET_KEYS = Set.of("latency_p99_ms", "artifact_max_bytes");
    private static final Set<String> TRAINING_KEYS =
            Set.of("trainer", "seed", "holdout_fraction", "min_examples", "max_examples", "hyperparameters");
    private static final Set<String> TRIGGER_KEYS = Set.of("volume", "cooldown", "schedule");
    private static final Set<String> DRIFT_KEYS = Set.of("window_records", "psi_threshold", "significance",
            "ks_threshold", "js_threshold", "skew");
    private static final Set<String> PROMOTION_KEYS = union(Set.of("significance", "min_lift",
            "non_inferiority_margin"), PromotionStagesReader.KEYS);
    private static final Set<String> MONITORING_KEYS =
            Set.of("flagged_labels", "label_noise_min_per_class", "estimate_level");
    private static final Set<String> REPLAY_KEYS = Set.of("event_time", "start", "step", "previous_label", "batch");

    private PipelineSpecParser() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /** Parses a spec file; the source name in errors is the file name as given. */
    public static PipelineSpec parse(Path file) throws SpecException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new SpecException(List.of(new SpecError(file.toString(), 0, "", "cannot read the spec file: " + e)));
        }
        return parse(bytes, file.toString());
    }

    /** Parses spec text; {@code sourceName} names it in errors (e.g. the file name). */
    public static PipelineSpec parse(String yaml, String sourceName) throws SpecException {
        return parse(yaml.getBytes(StandardCharsets.UTF_8), sourceName);
    }

    /** Parses spec bytes (UTF-8); the SHA-256 is of exactly these bytes. */
    public static PipelineSpec parse(byte[] bytes, String sourceName) throws SpecException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Context ctx = new Context(sourceName);
        List<YamlTree.Duplicate> duplicates = new ArrayList<>();
        Node root;
        try {
            root = YamlTree.read(text, duplicates);
        } catch (YamlTree.SyntaxException e) {
            throw new SpecException(List.of(new SpecError(sourceName, e.line, "", e.getMessage())));
        }
        for (YamlTree.Duplicate d : duplicates) {
            ctx.error(d.line(), d.path(), "the key '" + d.key() + "' appears more than once");
        }
        PipelineSpec spec = new Reader(ctx, sha256Hex(bytes)).read(root);
        if (!ctx.errors.isEmpty() || spec == null) {
            List<SpecError> sorted = new ArrayList<>(ctx.errors);
            sorted.sort(java.util.Comparator.comparingInt(SpecError::line)); // stable: same-line errors keep their order
            throw new SpecException(sorted);
        }
        return spec;
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Collects errors and offers typed accessors that report instead of throwing. */
    static final class Context {
        final String source;
        final List<SpecError> errors = new ArrayList<>();

        Context(String source) {
            this.source = source;
        }

        void error(int line, String path, String message) {
            errors.add(new SpecError(source, line, path, message));
        }

        MapNode asMap(Node node, String path) {
            if (node instanceof MapNode map) {
                return map;
            }
            error(node.line(), path, "must be a map of keys, but is " + node.kind());
            return null;
        }

        void checkKeys(MapNode map, String path, Set<String> allowed) {
            for (Entry entry : map.entries().values()) {
                if (!allowed.contains(entry.key())) {
                    error(entry.keyLine(), join(path, entry.key()), "unknown key" + suggestion(entry.key(), allowed));
                }
            }
        }

        Entry entry(MapNode map, String key) {
            Entry entry = map == null ? null : map.entries().get(key);
            if (entry != null && entry.value() instanceof ScalarNode s && s.isNull()) {
                return null;
            }
            return entry;
        }

        void missing(MapNode map, String path, String key) {
            error(map == null ? 0 : map.line(), join(path, key), "is required but missing");
        }

        ScalarNode scalar(Entry entry, String path) {
            if (entry.value() instanceof ScalarNode scalar) {
                return scalar;
            }
            error(entry.value().line(), path, "must be a single value, but is " + entry.value().kind());
            return null;
        }

        String string(MapNode map, String path, String key, boolean required) {
            Entry entry = entry(map, key);
            String keyPath = join(path, key);
            if (entry == null) {
                if (required) {
                    missing(map, path, key);
                }
                return null;
            }
            ScalarNode scalar = scalar(entry, keyPath);
            return scalar == null ? null : scalar.text();
        }

        Boolean bool(MapNode map, String path, String key, boolean defaultValue) {
            Entry entry = entry(map, key);
            if (entry == null) {
                return defaultValue;
            }
            ScalarNode scalar = scalar(entry, join(path, key));
            if (scalar == null) {
                return defaultValue;
            }
            if (!scalar.isBoolean()) {
                error(scalar.line(), join(path, key), "must be true or false, but is '" + scalar.text() + "'");
                return defaultValue;
            }
            return Boolean.parseBoolean(scalar.text());
        }

        /** A number, or null when absent or wrong (wrong is reported). */
        BigDecimal number(MapNode map, String path, String key) {
            Entry entry = entry(map, key);
            if (entry == null) {
                return null;
            }
            ScalarNode scalar = scalar(entry, join(path, key));
            if (scalar == null) {
                return null;
            }
            if (!scalar.isNumber()) {
                error(scalar.line(), join(path, key), "must be a number, but is " + scalar.kind() + " '" + scalar.text() + "'");
                return null;
            }
            try {
                return new BigDecimal(scalar.text().replace("_", ""));
            } catch (NumberFormatException e) {
                error(scalar.line(), join(path, key), "is not a plain number: '" + scalar.text() + "'");
                return null;
            }
        }

        double decimal(MapNode map, String path, String key, double defaultValue, double lowExclusive,
                       double highExclusive, String rangeWords) {
            BigDecimal value = number(map, path, key);
            if (value == null) {
                return defaultValue;
            }
            double d = value.doubleValue();
            if (!(d > lowExclusive && d < highExclusive)) {
                error(line(map, key), join(path, key), "must be " + rangeWords + ", but is " + value.toPlainString());
                return defaultValue;
            }
            return d;
        }

        long integer(MapNode map, String path, String key, long defaultValue, long minInclusive) {
            BigDecimal value = number(map, path, key);
            if (value == null) {
                return defaultValue;
            }
            long result;
            try {
                result = value.longValueExact();
            } catch (ArithmeticException e) {
                error(line(map, key), join(path, key), "must be a whole number, but is " + value.toPlainString());
                return defaultValue;
            }
            if (result < minInclusive) {
                error(line(map, key), join(path, key), "must be at least " + minInclusive + ", but is " + result);
                return defaultValue;
            }
            return result;
        }

        Duration duration(MapNode map, String path, String key, Duration defaultValue) {
            String text = string(map, path, key, false);
            if (text == null) {
                return defaultValue;
            }
            try {
                Duration duration = Duration.parse(text.trim());
                if (duration.isNegative() || duration.isZero()) {
                    error(line(map, key), join(path, key), "must be a positive duration, but is " + text);
                    return defaultValue;
                }
                return duration;
            } catch (DateTimeParseException e) {
                error(line(map, key), join(path, key),
                        "'" + text + "' is not an ISO-8601 duration (examples: PT30S, PT10M, PT24H, P7D)");
                return defaultValue;
            }
        }

        int line(MapNode map, String key) {
            Entry entry = map == null ? null : map.entries().get(key);
            return entry == null ? (map == null ? 0 : map.line()) : entry.value().line();
        }
    }

    /** Reads the sections; one instance per parse. */
    private static final class Reader {
        private final Context ctx;
        private final String sha256;

        Reader(Context ctx, String sha256) {
            this.ctx = ctx;
            this.sha256 = sha256;
        }

        PipelineSpec read(Node rootNode) {
            MapNode root = ctx.asMap(rootNode, "");
            if (root == null) {
                return null;
            }
            ctx.checkKeys(root, "", TOP_KEYS);
            String pipeline = ctx.string(root, "", "pipeline", true);
            if (pipeline != null && !PIPELINE_NAME.matcher(pipeline).matches()) {
                ctx.error(ctx.line(root, "pipeline"), "pipeline", "'" + pipeline
                        + "' is not a valid pipeline name: use 1-49 characters, lower-case letters, digits and '-',"
                        + " starting with a letter (it becomes the topic prefix)");
            }
            String description = ctx.string(root, "", "description", false);

            DataSpec data = readData(root, pipeline);
            LabelSpec label = readLabel(root, data);
            ObjectiveSpec objective = readObjective(root);
            TrainingSpec training = readTraining(root);
            TriggerSpec triggers = readTriggers(root);
            DriftSpec drift = readDrift(root);
            MapNode promotionSection = section(root, "promotion", false, PROMOTION_KEYS);
            PromotionSpec promotion = readPromotion(promotionSection);
            CanarySpec canary = new PromotionStagesReader(ctx).read(promotionSection);
            GatesSpec gates = new GatesSpecReader(ctx).read(root, data);
            MonitoringSpec monitoring = readMonitoring(root);
            ReplaySpec replay = readReplay(root, data, label);
            EvaluationSpec evaluation = new EvaluationSpecReader(ctx).read(root, data,
                    label == null ? null : label.field());
            if (pipeline == null || data == null || label == null) {
                return null;
            }
            return new PipelineSpec(pipeline, description, data, label, objective, training, triggers, drift, promotion,
                    ctx.source, sha256, canary, gates, monitoring, replay, evaluation);
        }

        private MapNode section(MapNode root, String key, boolean required, Set<String> allowed) {
            Entry entry = ctx.entry(root, key);
            if (entry == null) {
                if (required) {
                    ctx.missing(root, "", key);
                }
                return null;
            }
            MapNode map = ctx.asMap(entry.value(), key);
            if (map != null) {
                ctx.checkKeys(map, key, allowed);
            }
            return map;
        }

        private DataSpec readData(MapNode root, String pipeline) {
            MapNode data = section(root, "data", true, DATA_KEYS);
            if (data == null) {
                return null;
            }
            String record = ctx.string(data, "data", "record", true);
            if (record != null && !IDENTIFIER.matcher(record).matches()) {
                ctx.error(ctx.line(data, "record"), "data.record",
                        "'" + record + "' is not a valid Avro record name (letters, digits and '_', not starting with a digit)");
            }
            String namespace = ctx.string(data, "data", "namespace", false);
            if (namespace == null) {
                namespace = "io.mlcycle.data." + (pipeline == null ? "unnamed" : pipeline.replace('-', '_'));
            } else if (!NAMESPACE.matcher(namespace).matches()) {
                ctx.error(ctx.line(data, "namespace"), "data.namespace",
                        "'" + namespace + "' is not a valid Avro namespace (dot-separated names, e.g. com.example.data)");
            }
            String key = ctx.string(data, "data", "key", true);
            String eventTime = ctx.string(data, "data", "event_time", true);
            List<String> missingValues = readStringList(data, "data", "missing_values");
            Duration maxFuture = ctx.duration(data, "data", "max_future", null);
            List<FieldSpec> fields = readFields(data);

            Map<String, FieldSpec> byName = new LinkedHashMap<>();
            fields.forEach(f -> byName.putIfAbsent(f.name(), f));
            if (key != null) {
                checkReference(byName, key, "data.key", ctx.line(data, "key"), FieldType.STRING, "the entity key");
            }
            if (eventTime != null) {
                checkReference(byName, eventTime, "data.event_time", ctx.line(data, "event_time"), FieldType.TIMESTAMP,
                        "the event time");
            }
            if (ctx.entry(data, "fields") != null && fields.stream().noneMatch(FieldSpec::feature)) {
                ctx.error(ctx.line(data, "fields"), "data.fields",
                        "no field is marked 'feature: true'; a model needs at least one feature");
            }
            checkAliases(fields);
            if (record == null || key == null || eventTime == null) {
                return null;
            }
            return new DataSpec(record, namespace, key, eventTime, missingValues, Optional.ofNullable(maxFuture), fields);
        }

        /** An alias must name one field only, and must not be another field's name. */
        private void checkAliases(List<FieldSpec> fields) {
            Set<String> names = new HashSet<>();
            fields.forEach(f -> names.add(f.name()));
            Set<String> aliases = new HashSet<>();
            for (FieldSpec f : fields) {
                String alias = f.normalize().alias();
                if (alias != null && (names.contains(alias) || !aliases.add(alias))) {
                    ctx.error(0, "data.fields." + f.name() + ".normalize.alias", "'" + alias
                            + "' is already the name or alias of another field");
                }
            }
        }

        private void checkReference(Map<String, FieldSpec> fields, String name, String path, int line, FieldType type,
                                    String role) {
            FieldSpec field = fields.get(name);
            if (field == null) {
                ctx.error(line, path, "'" + name + "' is not a declared field" + suggestion(name, fields.keySet()));
            } else if (field.type() != type) {
                ctx.error(line, path, "'" + name + "' is " + role + " and must be of type " + type.yamlName()
                        + ", but is declared as " + field.type().yamlName());
            }
        }

        private List<String> readStringList(MapNode map, String path, String key) {
            Entry entry = ctx.entry(map, key);
            if (entry == null) {
                return List.of();
            }
            String keyPath = join(path, key);
            if (!(entry.value() instanceof ListNode list)) {
                ctx.error(entry.value().line(), keyPath, "must be a list, but is " + entry.value().kind());
                return List.of();
            }
            List<String> result = new ArrayList<>();
            for (int i = 0; i < list.items().size(); i++) {
                Node item = list.items().get(i);
                if (item instanceof ScalarNode s && !s.isNull()) {
                    result.add(s.text());
                } else {
                    ctx.error(item.line(), keyPath + "[" + i + "]", "must be a single value, but is " + item.kind());
                }
            }
            return result;
        }

        private List<FieldSpec> readFields(MapNode data) {
            Entry entry = ctx.entry(data, "fields");
            if (entry == null) {
                ctx.missing(data, "data", "fields");
                return List.of();
            }
            if (!(entry.value() instanceof ListNode list)) {
                ctx.error(entry.value().line(), "data.fields", "must be a list of fields, but is " + entry.value().kind());
                return List.of();
            }
            if (list.items().isEmpty()) {
                ctx.error(list.line(), "data.fields", "must declare at least one field");
            }
            List<FieldSpec> fields = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < list.items().size(); i++) {
                String path = "data.fields[" + i + "]";
                MapNode fieldMap = ctx.asMap(list.items().get(i), path);
                if (fieldMap == null) {
                    continue;
                }
                FieldSpec field = readField(fieldMap, path);
                if (field == null) {
                    continue;
                }
                if (!seen.add(field.name())) {
                    ctx.error(ctx.line(fieldMap, "name"), path + ".name", "the field '" + field.name() + "' is declared twice");
                    continue;
                }
                fields.add(field);
            }
            return fields;
        }

        private FieldSpec readField(MapNode map, String path) {
            ctx.checkKeys(map, path, FIELD_KEYS);
            String name = ctx.string(map, path, "name", true);
            if (name != null && !IDENTIFIER.matcher(name).matches()) {
                ctx.error(ctx.line(map, "name"), path + ".name", "'" + name
                        + "' is not a valid field name (letters, digits and '_', not starting with a digit)");
            }
            String typeName = ctx.string(map, path, "type", true);
            FieldType type = null;
            if (typeName != null) {
                type = FieldType.fromYamlName(typeName).orElse(null);
                if (type == null) {
                    ctx.error(ctx.line(map, "type"), path + ".type", "unknown type '" + typeName + "'"
                            + suggestion(typeName, FieldType.yamlNames()));
                }
            }
            boolean required = ctx.bool(map, path, "required", false);
            boolean feature = ctx.bool(map, path, "feature", false);
            BigDecimal min = ctx.number(map, path, "min");
            BigDecimal max = ctx.number(map, path, "max");
            List<String> values = readStringList(map, path, "values");
            String pattern = ctx.string(map, path, "pattern", false);
            String doc = ctx.string(map, path, "doc", false);
            FieldNormalization normalize = new NormalizationSpecReader(ctx::error)
                    .read(ctx.entry(map, "normalize"), path, type);
            String label = name == null ? "this field" : "'" + name + "'";

            if (type != null) {
                if ((min != null || max != null) && !type.isNumeric()) {
                    String bound = min != null ? "min" : "max";
                    ctx.error(ctx.line(map, bound), path + "." + bound, "bounds apply to int, long and double fields only; "
                            + label + " is " + type.yamlName());
                }
                if (type == FieldType.INT) {
                    checkIntRange(map, path, "min", min);
                    checkIntRange(map, path, "max", max);
                }
                if (type == FieldType.CATEGORY) {
                    if (values.isEmpty()) {
                        int line = ctx.entry(map, "values") != null ? ctx.line(map, "values") : ctx.line(map, "type");
                        ctx.error(line, path + ".values",
                                "a category field needs its allowed values, e.g. values: [a, b, c]");
                    }
                    Set<String> distinct = new HashSet<>();
                    for (String value : values) {
                        if (!distinct.add(value)) {
                            ctx.error(ctx.line(map, "values"), path + ".values", "the value '" + value + "' is listed twice");
                        }
                        if (value.isBlank()) {
                            ctx.error(ctx.line(map, "values"), path + ".values", "a category value must not be blank");
                        }
                    }
                } else if (ctx.entry(map, "values") != null) {
                    ctx.error(ctx.line(map, "values"), path + ".values",
                            "allowed values apply to category fields only; " + label + " is " + type.yamlName());
                }
                if (pattern != null && type != FieldType.STRING) {
                    ctx.error(ctx.line(map, "pattern"), path + ".pattern",
                            "a pattern applies to string fields only; " + label + " is " + type.yamlName());
                }
                if (feature && !type.canBeFeature()) {
                    ctx.error(ctx.line(map, "feature"), path + ".feature", label + " is " + type.yamlName()
                            + "; features must be int, long, double, boolean or category");
                }
            }
            if (min != null && max != null && min.compareTo(max) > 0) {
                ctx.error(ctx.line(map, "min"), path + ".min",
                        "min " + min.toPlainString() + " is greater than max " + max.toPlainString());
            }
            if (pattern != null) {
                try {
                    Pattern.compile(pattern);
                } catch (PatternSyntaxException e) {
                    ctx.error(ctx.line(map, "pattern"), path + ".pattern",
                            "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
                }
            }
            if (name == null || type == null) {
                return null;
            }
            return new FieldSpec(name, type, required, feature, min == null ? null : min.doubleValue(),
                    max == null ? null : max.doubleValue(), values, pattern, doc, normalize);
        }

        private void checkIntRange(MapNode map, String path, String key, BigDecimal bound) {
            if (bound != null && (bound.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) < 0
                    || bound.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0)) {
                ctx.error(ctx.line(map, key), path + "." + key, bound.toPlainString() + " is outside the int range");
            }
        }

        private LabelSpec readLabel(MapNode root, DataSpec data) {
            MapNode label = section(root, "label", true, LABEL_KEYS);
            if (label == null) {
                return null;
            }
            String field = ctx.string(label, "label", "field", true);
            String positive = ctx.string(label, "label", "positive", true);
            Duration delay = ctx.duration(label, "label", "delay", Duration.ofHours(24));
            if (field != null && data != null) {
                Optional<FieldSpec> declared = data.field(field);
                int line = ctx.line(label, "field");
                if (declared.isEmpty()) {
                    ctx.error(line, "label.field", "'" + field + "' is not a declared field"
                            + suggestion(field, data.fields().stream().map(FieldSpec::name).toList()));
                } else {
                    FieldSpec labelField = declared.get();
                    if (labelField.feature()) {
                        ctx.error(line, "label.field", "'" + field
                                + "' is the label and must not be a feature (the model would see the answer)");
                    }
                    if (field.equals(data.key()) || field.equals(data.eventTime())) {
                        ctx.error(line, "label.field", "'" + field + "' is the key or event time and cannot be the label");
                    }
                    switch (labelField.type()) {
                        case DOUBLE, TIMESTAMP -> ctx.error(line, "label.field", "'" + field + "' is "
                                + labelField.type().yamlName() + "; a label must be boolean, category, string, int or long");
                        default -> {
                            if (positive != null) {
                                checkPositive(labelField, positive, ctx.line(label, "positive"));
                            }
                        }
                    }
                }
            }
            if (field == null || positive == null) {
                return null;
            }
            return new LabelSpec(field, positive, delay);
        }

        private void checkPositive(FieldSpec labelField, String positive, int line) {
            String p = positive.trim();
            switch (labelField.type()) {
                case BOOLEAN -> {
                    if (!p.equalsIgnoreCase("true") && !p.equalsIgnoreCase("false")) {
                        ctx.error(line, "label.positive", "the label '" + labelField.name()
                                + "' is boolean, so positive must be true or false, not '" + positive + "'");
                    }
                }
                case CATEGORY -> {
                    if (labelField.values().stream().noneMatch(v -> v.equalsIgnoreCase(p))) {
                        ctx.error(line, "label.positive", "'" + positive + "' is not one of the values of '"
                                + labelField.name() + "': " + labelField.values());
                    }
                }
                case INT, LONG -> {
                    if (!p.equals("0") && !p.equals("1")) {
                        ctx.error(line, "label.positive", "the label '" + labelField.name()
                                + "' is an integer 0/1 label, so positive must be 0 or 1, not '" + positive + "'");
                    }
                }
                default -> {
                    if (p.isEmpty()) {
                        ctx.error(line, "label.positive", "must not be blank");
                    }
                }
            }
        }

        private ObjectiveSpec readObjective(MapNode root) {
            MapNode objective = section(root, "objective", false, OBJECTIVE_KEYS);
            ObjectiveMetric metric = ObjectiveMetric.ROC_AUC;
            String metricName = ctx.string(objective, "objective", "metric", false);
            if (metricName != null) {
                Optional<ObjectiveMetric> parsed = ObjectiveMetric.fromKey(metricName);
                if (parsed.isEmpty()) {
                    ctx.error(ctx.line(objective, "metric"), "objective.metric", "unknown metric '" + metricName + "'"
                            + suggestion(metricName, ObjectiveMetric.keys()));
                } else {
                    metric = parsed.get();
                }
            }
            double threshold = ctx.decimal(objective, "objective", "decision_threshold",
                    ObjectiveSpec.DEFAULT_DECISION_THRESHOLD, 0, 1, "between 0 and 1 (exclusive)");
            double latency = ObjectiveSpec.DEFAULT_LATENCY_P99_MS;
            long artifactMax = ObjectiveSpec.DEFAULT_ARTIFACT_MAX_BYTES;
            Entry budgetsEntry = ctx.entry(objective, "budgets");
            if (budgetsEntry != null) {
                MapNode budgets = ctx.asMap(budgetsEntry.value(), "objective.budgets");
                if (budgets != null) {
                    ctx.checkKeys(budgets, "objective.budgets", BUDGET_KEYS);
                    latency = ctx.decimal(budgets, "objective.budgets", "latency_p99_ms", latency, 0,
                            Double.POSITIVE_INFINITY, "a positive number of milliseconds");
                    artifactMax = ctx.integer(budgets, "objective.budgets", "artifact_max_bytes", artifactMax, 1);
                }
            }
            return new ObjectiveSpec(metric, threshold, latency, artifactMax);
        }

        private TrainingSpec readTraining(MapNode root) {
            MapNode training = section(root, "training", false, TRAINING_KEYS);
            String trainer = ctx.string(training, "training", "trainer", false);
            if (trainer == null) {
                trainer = TrainingSpec.LOGISTIC_REGRESSION;
            } else if (!TrainingSpec.TRAINERS.contains(trainer)) {
                ctx.error(ctx.line(training, "trainer"), "training.trainer", "unknown trainer '" + trainer
                        + "'" + suggestion(trainer, TrainingSpec.TRAINERS));
            }
            long seed = ctx.integer(training, "training", "seed", TrainingSpec.DEFAULT_SEED, Long.MIN_VALUE);
            double holdout = ctx.decimal(training, "training", "holdout_fraction", TrainingSpec.DEFAULT_HOLDOUT_FRACTION,
                    0, 1, "between 0 and 1 (exclusive)");
            long minExamples = ctx.integer(training, "training", "min_examples", TrainingSpec.DEFAULT_MIN_EXAMPLES, 1);
            if (minExamples > Integer.MAX_VALUE) {
                ctx.error(ctx.line(training, "min_examples"), "training.min_examples", "is too large");
                minExamples = TrainingSpec.DEFAULT_MIN_EXAMPLES;
            }
            OptionalInt maxExamples = OptionalInt.empty();
            if (ctx.entry(training, "max_examples") != null) {
                long max = ctx.integer(training, "training", "max_examples", Integer.MAX_VALUE, 2);
                if (max > Integer.MAX_VALUE) {
                    ctx.error(ctx.line(training, "max_examples"), "training.max_examples", "is too large");
                } else if (max < minExamples) {
                    ctx.error(ctx.line(training, "max_examples"), "training.max_examples", "is " + max
                            + ", fewer than training.min_examples (" + minExamples + ")");
                } else {
                    maxExamples = OptionalInt.of((int) max);
                }
            }
            Map<String, String> hyperparameters = readHyperparameters(training, trainer);
            return new TrainingSpec(trainer, seed, holdout, (int) minExamples, hyperparameters, maxExamples);
        }

        private Map<String, String> readHyperparameters(MapNode training, String trainer) {
            Set<String> known = hyperparameterKeys(trainer);
            Entry entry = ctx.entry(training, "hyperparameters");
            if (entry == null) {
                return Map.of();
            }
            MapNode map = ctx.asMap(entry.value(), "training.hyperparameters");
            if (map == null) {
                return Map.of();
            }
            ctx.checkKeys(map, "training.hyperparameters", known);
            Map<String, String> result = new LinkedHashMap<>();
            for (Entry e : map.entries().values()) {
                String path = "training.hyperparameters." + e.key();
                ScalarNode scalar = ctx.scalar(e, path);
                if (scalar == null || scalar.isNull()) {
                    continue;
                }
                if (!known.contains(e.key())) {
                    continue;
                }
                String problem = checkHyperparameter(trainer, e.key(), scalar.text());
                if (problem != null) {
                    ctx.error(scalar.line(), path, problem);
                } else {
                    result.put(e.key(), scalar.text());
                }
            }
            return result;
        }

        private TriggerSpec readTriggers(MapNode root) {
            MapNode triggers = section(root, "triggers", false, TRIGGER_KEYS);
            long volume = ctx.integer(triggers, "triggers", "volume", 0, 1);
            Duration cooldown = ctx.duration(triggers, "triggers", "cooldown", TriggerSpec.DEFAULT_COOLDOWN);
            Duration schedule = ctx.duration(triggers, "triggers", "schedule", null);
            return new TriggerSpec(volume > 0 ? OptionalLong.of(volume) : OptionalLong.empty(), cooldown,
                    java.util.Optional.ofNullable(schedule));
        }

        private DriftSpec readDrift(MapNode root) {
            MapNode drift = section(root, "drift", false, DRIFT_KEYS);
            long window = ctx.integer(drift, "drift", "window_records", DriftSpec.DEFAULT_WINDOW_RECORDS, 1);
            if (window > Integer.MAX_VALUE) {
                ctx.error(ctx.line(drift, "window_records"), "drift.window_records", "is too large");
                window = DriftSpec.DEFAULT_WINDOW_RECORDS;
            }
            double psi = ctx.decimal(drift, "drift", "psi_threshold", DriftSpec.DEFAULT_PSI_THRESHOLD, 0,
                    Double.POSITIVE_INFINITY, "a positive number");
            double significance = ctx.decimal(drift, "drift", "significance", DriftSpec.DEFAULT_SIGNIFICANCE, 0, 1,
                    "a probability between 0 and 1 (exclusive)");
            double ks = ctx.decimal(drift, "drift", "ks_threshold", DriftSpec.DEFAULT_KS_THRESHOLD, 0, 1,
                    "a distance between 0 and 1 (exclusive)");
            double js = ctx.decimal(drift, "drift", "js_threshold", DriftSpec.DEFAULT_JS_THRESHOLD, 0, 1,
                    "a distance between 0 and 1 (exclusive)");
            String skew = ctx.string(drift, "drift", "skew", false);
            if (skew != null && !skew.equals("true") && !skew.equals("false")) {
                ctx.error(ctx.line(drift, "skew"), "drift.skew", "must be true or false");
            }
            return new DriftSpec((int) window, psi, significance, ks, js, !"false".equals(skew));
        }

        private MonitoringSpec readMonitoring(MapNode root) {
            MapNode monitoring = section(root, "monitoring", false, MONITORING_KEYS);
            io.mlcycle.mlcore.monitoring.FlaggedLabelPolicy policy = MonitoringSpec.DEFAULTS.flaggedLabels();
            String text = ctx.string(monitoring, "monitoring", "flagged_labels", false);
            if (text != null) {
                try {
                    policy = io.mlcycle.mlcore.monitoring.FlaggedLabelPolicy.fromSpec(text.trim());
                } catch (IllegalArgumentException e) {
                    ctx.error(ctx.line(monitoring, "flagged_labels"), "monitoring.flagged_labels", e.getMessage());
                }
            }
            long minPerClass = ctx.integer(monitoring, "monitoring", "label_noise_min_per_class",
                    MonitoringSpec.DEFAULT_LABEL_NOISE_MIN_PER_CLASS, 1);
            double level = ctx.decimal(monitoring, "monitoring", "estimate_level", MonitoringSpec.DEFAULT_ESTIMATE_LEVEL,
                    0, 1, "between 0 and 1 (exclusive)");
            return new MonitoringSpec(policy, minPerClass, level);
        }

        private ReplaySpec readReplay(MapNode root, DataSpec data, LabelSpec label) {
            MapNode replay = section(root, "replay", false, REPLAY_KEYS);
            ReplaySpec.EventTimeSource source = ReplaySpec.EventTimeSource.FIELD;
            String mode = ctx.string(replay, "replay", "event_time", false);
            if (mode != null) {
                switch (mode.trim()) {
                    case "field" -> source = ReplaySpec.EventTimeSource.FIELD;
                    case "row_order" -> source = ReplaySpec.EventTimeSource.ROW_ORDER;
                    default -> ctx.error(ctx.line(replay, "event_time"), "replay.event_time",
                            "'" + mode + "' is not one of field, row_order");
                }
            }
            Instant start = ReplaySpec.DEFAULT_START;
            String startText = ctx.string(replay, "replay", "start", false);
            if (startText != null) {
                try {
                    start = Instant.parse(startText.trim());
                } catch (java.time.format.DateTimeParseException e) {
                    ctx.error(ctx.line(replay, "start"), "replay.start",
                            "'" + startText + "' is not an ISO-8601 instant (example: 1996-05-07T00:00:00Z)");
                }
            }
            Duration step = ctx.duration(replay, "replay", "step", ReplaySpec.DEFAULT_STEP);
            Duration batch = ctx.duration(replay, "replay", "batch", ReplaySpec.DEFAULT_BATCH);
            String previous = ctx.string(replay, "replay", "previous_label", false);
            if (previous != null && data != null) {
                java.util.Optional<FieldSpec> field = data.field(previous);
                if (field.isEmpty() || !field.get().feature()) {
                    ctx.error(ctx.line(replay, "previous_label"), "replay.previous_label",
                            "'" + previous + "' must name a feature field declared under data.fields");
                } else if (label != null && previous.equals(label.field())) {
                    ctx.error(ctx.line(replay, "previous_label"), "replay.previous_label",
                            "must not be the label field itself");
                }
            }
            return new ReplaySpec(source, start, step, java.util.Optional.ofNullable(previous), batch);
        }

        private PromotionSpec readPromotion(MapNode promotion) {
            double significance = ctx.decimal(promotion, "promotion", "significance", PromotionSpec.DEFAULT_SIGNIFICANCE,
                    0, 1, "between 0 and 1 (exclusive)");
            double minLift = ctx.decimal(promotion, "promotion", "min_lift", PromotionSpec.DEFAULT_MIN_LIFT,
                    -Double.MIN_VALUE, 1, "at least 0 and below 1");
            double margin = ctx.decimal(promotion, "promotion", "non_inferiority_margin",
                    PromotionSpec.DEFAULT_NON_INFERIORITY_MARGIN, -Double.MIN_VALUE, 1, "at least 0 and below 1");
            return new PromotionSpec(significance, minLift, margin);
        }
    }

    /**
     * Checks one logistic-regression hyper-parameter value; returns the problem in words, or null when fine.
     * Shared with the trainer so the spec and the trainer agree.
     */
    public static String checkHyperparameter(String key, String value) {
        return checkHyperparameter(TrainingSpec.LOGISTIC_REGRESSION, key, value);
    }

    /** Checks one hyper-parameter of {@code trainer}; returns the problem in words, or null when fine. */
    public static String checkHyperparameter(String trainer, String key, String value) {
        String v = value.trim();
        Set<String> known = hyperparameterKeys(trainer);
        if (!known.contains(key)) {
            return "unknown hyper-parameter for trainer " + trainer + suggestion(key, known);
        }
        try {
            switch (key) {
                case "rounds", "max_depth" -> {
                    int n = Integer.parseInt(v);
                    return n >= 1 && n <= 10_000 ? null : "must be a whole number from 1 to 10000, but is " + value;
                }
                case "min_child_weight" -> {
                    double d = Double.parseDouble(v);
                    return d >= 0 && Double.isFinite(d) ? null : "must be a number of at least 0, but is " + value;
                }
                case "subsample", "colsample" -> {
                    double d = Double.parseDouble(v);
                    return d > 0 && d <= 1 ? null : "must be in (0, 1], but is " + value;
                }
                case "epochs", "minibatch_size" -> {
                    int n = Integer.parseInt(v);
                    return n >= 1 ? null : "must be a whole number of at least 1, but is " + value;
                }
                case "learning_rate" -> {
                    double d = Double.parseDouble(v);
                    return d > 0 && Double.isFinite(d) ? null : "must be a positive number, but is " + value;
                }
                case "l2" -> {
                    double d = Double.parseDouble(v);
                    return d >= 0 && Double.isFinite(d) ? null : "must be a number of at least 0, but is " + value;
                }
                case "class_weight" -> {
                    String lower = v.toLowerCase(Locale.ROOT);
                    return lower.equals("balanced") || lower.equals("none") ? null
                            : "must be 'balanced' or 'none', but is '" + value + "'";
                }
                default -> {
                    return "unknown hyper-parameter" + suggestion(key, LOGISTIC_REGRESSION_HYPERPARAMETERS);
                }
            }
        } catch (NumberFormatException e) {
            return "must be a number, but is '" + value + "'";
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** " (did you mean 'x'?)" for a close candidate, otherwise the list of allowed words. */
    static String suggestion(String word, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates.stream().sorted().toList()) {
            int distance = levenshtein(word.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        for (String candidate : candidates.stream().sorted().toList()) {
            String w = word.toLowerCase(Locale.ROOT);
            String c = candidate.toLowerCase(Locale.ROOT);
            if (bestDistance > 2 && w.length() >= 3 && (w.startsWith(c) || c.startsWith(w))) {
                return " (did you mean '" + candidate + "'?)";
            }
        }
        if (best != null && bestDistance <= Math.max(2, word.length() / 3)) {
            return " (did you mean '" + best + "'?)";
        }
        return candidates.isEmpty() ? "" : " (expected one of: " + String.join(", ", candidates.stream().sorted().toList()) + ")";
    }

    private static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
