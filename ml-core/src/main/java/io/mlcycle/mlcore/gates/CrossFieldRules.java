package io.mlcycle.mlcore.gates;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.runtime.CelVariableResolver;
import io.mlcycle.mlcore.spec.DataSpec;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.FieldType;
import io.mlcycle.mlcore.spec.GatesSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spec's cross-field rules ({@code gates.rules}), written in CEL (Common Expression Language, Google's
 * {@code dev.cel:cel}, the language of Confluent's data contracts) and compiled once, at start. Every numeric field
 * is a CEL {@code double} and whole-number literals mix with it ({@code loan_amount <= monthly_income * 60}); text and
 * category fields are {@code string}, booleans {@code bool}, timestamps epoch milliseconds as {@code double}. A rule
 * whose fields are missing in a record does not apply to it (missing values are the required gate's business); a rule
 * that is about missingness says so with the list {@code missing} (the names of the record's fields without a value),
 * e.g. {@code 'MonthlyIncome' in missing ? DebtRatio <= 10 : true}: a field named only inside quotes is not one the
 * rule needs a value of. Immutable and thread-safe.
 */
public final class CrossFieldRules {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final CelOptions OPTIONS = CelOptions.current()
            .enableHeterogeneousNumericComparisons(true)
            .build();

    /** The CEL variable listing the names of the record's fields that have no value. */
    public static final String MISSING = "missing";

    private final List<Compiled> rules;
    private final List<String> fieldNames;

    /** {@code fast}: the rule as a {@link NumericRule}, or null when it has another shape (CEL evaluates it). */
    private record Compiled(GatesSpec.Rule rule, CelRuntime.Program program, Set<String> fields, NumericRule fast) {
    }

    private CrossFieldRules(List<Compiled> rules, List<String> fieldNames) {
        this.rules = rules;
        this.fieldNames = fieldNames;
    }

    /**
     * Compiles every rule.
     *
     * @throws IllegalArgumentException naming the rule and its spec line when one does not compile (the parser
     *                                  reports these as spec errors first, so this only fires for hand-built specs)
     */
    public static CrossFieldRules compile(List<GatesSpec.Rule> rules, DataSpec data) {
        return compile(rules, data, true);
    }

    /** {@code fastPath}: whether rules of {@link NumericRule}'s shape skip CEL's interpreter (tests compare both). */
    static CrossFieldRules compile(List<GatesSpec.Rule> rules, DataSpec data, boolean fastPath) {
        if (rules.isEmpty()) {
            return new CrossFieldRules(List.of(), List.of());
        }
        CelCompiler compiler = compiler(data);
        CelRuntime runtime = runtime();
        List<Compiled> compiled = new ArrayList<>();
        for (GatesSpec.Rule rule : rules) {
            try {
                CelAbstractSyntaxTree ast = compiler.compile(rule.expression()).getAst();
                Set<String> fields = referencedFields(rule.expression(), data);
                compiled.add(new Compiled(rule, runtime.createProgram(ast), fields,
                        fastPath ? NumericRule.of(ast, fields) : null));
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalArgumentException("rule '" + rule.name() + "' (line " + rule.line() + "): "
                        + e.getMessage(), e);
            }
        }
        return new CrossFieldRules(List.copyOf(compiled),
                data.fields().stream().map(FieldSpec::name).toList());
    }

    /** Why {@code rule} does not compile against the fields of {@code data}, or empty when it does. */
    public static Optional<String> compileError(GatesSpec.Rule rule, DataSpec data) {
        CelValidationResult result = compiler(data).compile(rule.expression());
        if (result.hasError()) {
            return Optional.of("the rule '" + rule.name() + "' is not a valid CEL expression over the declared fields: "
                    + result.getErrorString().replace("\n", " "));
        }
        try {
            CelType type = result.getAst().getResultType();
            if (!type.equals(SimpleType.BOOL)) {
                return Optional.of("the rule '" + rule.name() + "' must be true or false, but its expression gives "
                        + type.name());
            }
        } catch (CelValidationException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /** Adds a RULE_FAILED violation for every rule that is false (or cannot be evaluated) for {@code record}. */
    public void check(Map<String, Object> record, List<Violation> violations) {
        for (Compiled c : rules) {
            boolean applies = true;
            for (String field : c.fields()) {
                if (record.get(field) == null) {
                    applies = false;
                    break;
                }
            }
            if (!applies) {
                continue;
            }
            int fast = c.fast() == null ? NumericRule.ASK_CEL : c.fast().test(record);
            if (fast == NumericRule.TRUE) {
                continue;
            }
            if (fast == NumericRule.FALSE) {
                violations.add(failed(c, record));
                continue;
            }
            try {
                // Variables are read on demand: CEL's eval(Map) copies the map into an immutable one per call, and
                // the list of missing fields is only built for a rule that reads it.
                Object result = c.program().eval((CelVariableResolver) name -> variable(c, record, name));
                if (!Boolean.TRUE.equals(result)) {
                    violations.add(failed(c, record));
                }
            } catch (CelEvaluationException | RuntimeException e) {
                String values = describe(c.fields(), record);
                violations.add(new Violation(ReasonCode.RULE_FAILED, String.join(",", c.fields()),
                        "rule '" + c.rule().name() + "' could not be evaluated for " + values + ": " + e.getMessage(),
                        Values.abbreviate(values)));
            }
        }
    }

    private static Violation failed(Compiled c, Map<String, Object> record) {
        String values = describe(c.fields(), record);
        return new Violation(ReasonCode.RULE_FAILED, String.join(",", c.fields()),
                // Values and the owner's words first: the expression is for whoever maintains the spec.
                "rule '" + c.rule().name() + "' does not hold for " + values
                        + (c.rule().detail() == null ? "" : ": " + c.rule().detail()) + " ("
                        + c.rule().expression() + " is false)",
                Values.abbreviate(values));
    }

    /** How many rules take {@link NumericRule}'s fast path. */
    long fastRules() {
        return rules.stream().filter(c -> c.fast() != null).count();
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * The value of CEL variable {@code name} for rule {@code c}: a field the rule reads (numbers as doubles), or
     * {@link #MISSING} (unless a field has that name), or none.
     */
    private Optional<Object> variable(Compiled c, Map<String, Object> record, String name) {
        if (c.fields().contains(name)) {
            Object value = record.get(name);
            return Optional.ofNullable(value instanceof Number n && !(value instanceof Double) ? n.doubleValue() : value);
        }
        if (MISSING.equals(name)) {
            List<String> missing = new ArrayList<>();
            for (String field : fieldNames) {
                if (record.get(field) == null) {
                    missing.add(field);
                }
            }
            return Optional.of(missing);
        }
        return Optional.empty();
    }

    /**
     * One CEL expression over a record's fields, compiled once, with the same types and mixed arithmetic as the
     * rules: the spec's evaluation slices (true or false) and rule baseline (true or false, or a number as a score).
     * Immutable and thread-safe.
     */
    public static final class Expression {
        private final String text;
        private final CelRuntime.Program program;
        private final Set<String> fields;

        private Expression(String text, CelRuntime.Program program, Set<String> fields) {
            this.text = text;
            this.program = program;
            this.fields = fields;
        }

        public String text() {
            return text;
        }

        /** The declared fields the expression reads. */
        public Set<String> fields() {
            return fields;
        }

        /**
         * The expression's value for {@code record} (Boolean or Double), or empty when one of its fields is missing
         * there or it cannot be evaluated (e.g. a division by zero).
         */
        public Optional<Object> evaluate(Map<String, Object> record) {
            Map<String, Object> vars = new HashMap<>();
            for (String field : fields) {
                Object value = record.get(field);
                if (value == null) {
                    return Optional.empty();
                }
                vars.put(field, value instanceof Number n && !(value instanceof Double) ? n.doubleValue() : value);
            }
            try {
                Object result = program.eval(vars);
                return result instanceof Long l ? Optional.of(l.doubleValue()) : Optional.ofNullable(result);
            } catch (CelEvaluationException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * Why {@code expression} does not compile against the fields of {@code data}, or does not give a value of an
     * allowed kind (a number is allowed when {@code numberAllowed}; true or false always), or empty when it is fine.
     */
    public static Optional<String> expressionError(String expression, DataSpec data, boolean numberAllowed) {
        CelValidationResult result = compiler(data).compile(expression);
        if (result.hasError()) {
            return Optional.of("is not a valid CEL expression over the declared fields: "
                    + result.getErrorString().replace("\n", " "));
        }
        try {
            CelType type = result.getAst().getResultType();
            boolean number = type.equals(SimpleType.DOUBLE) || type.equals(SimpleType.INT);
            if (!type.equals(SimpleType.BOOL) && !(numberAllowed && number)) {
                return Optional.of("must give true or false" + (numberAllowed ? " or a number" : "")
                        + ", but gives " + type.name());
            }
        } catch (CelValidationException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * Compiles one expression (check it with {@link #expressionError} first to report a spec error).
     *
     * @throws IllegalArgumentException naming {@code what} when it does not compile
     */
    public static Expression expression(String what, String expression, DataSpec data) {
        try {
            CelAbstractSyntaxTree ast = compiler(data).compile(expression).getAst();
            return new Expression(expression, runtime().createProgram(ast), referencedFields(expression, data));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static String describe(Set<String> fields, Map<String, Object> record) {
        List<String> parts = new ArrayList<>();
        for (String f : fields) {
            parts.add(f + " = " + Values.show(record.get(f)));
        }
        return String.join(", ", parts);
    }

    private static Set<String> referencedFields(String expression, DataSpec data) {
        Set<String> fields = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(expression.replaceAll("'[^']*'|\"[^\"]*\"", " "));
        while (m.find()) {
            if (data.field(m.group()).isPresent()) {
                fields.add(m.group());
            }
        }
        return fields;
    }

    private static CelCompiler compiler(DataSpec data) {
        CelCompilerBuilder builder = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .addFunctionDeclarations(mixedArithmetic());
        for (FieldSpec field : data.fields()) {
            builder.addVar(field.name(), celType(field.type()));
        }
        if (data.field(MISSING).isEmpty()) {
            builder.addVar(MISSING, ListType.create(SimpleType.STRING));
        }
        return builder.build();
    }

    private static CelRuntime runtime() {
        List<CelFunctionBinding> bindings = new ArrayList<>();
        for (Op op : Op.values()) {
            bindings.add(CelFunctionBinding.from(op.id + "_double_int", Double.class, Long.class,
                    (a, b) -> op.apply.apply(a, b.doubleValue())));
            bindings.add(CelFunctionBinding.from(op.id + "_int_double", Long.class, Double.class,
                    (a, b) -> op.apply.apply(a.doubleValue(), b)));
        }
        return CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).addFunctionBindings(bindings).build();
    }

    /** {@code double op int} and {@code int op double}, which standard CEL refuses, as double arithmetic. */
    private static List<CelFunctionDecl> mixedArithmetic() {
        List<CelFunctionDecl> decls = new ArrayList<>();
        for (Op op : Op.values()) {
            decls.add(CelFunctionDecl.newFunctionDeclaration(op.function,
                    CelOverloadDecl.newGlobalOverload(op.id + "_double_int", SimpleType.DOUBLE, SimpleType.DOUBLE,
                            SimpleType.INT),
                    CelOverloadDecl.newGlobalOverload(op.id + "_int_double", SimpleType.DOUBLE, SimpleType.INT,
                            SimpleType.DOUBLE)));
        }
        return decls;
    }

    private enum Op {
        ADD("_+_", "mlcycle_add", Double::sum),
        SUBTRACT("_-_", "mlcycle_subtract", (a, b) -> a - b),
        MULTIPLY("_*_", "mlcycle_multiply", (a, b) -> a * b),
        DIVIDE("_/_", "mlcycle_divide", (a, b) -> a / b);

        final String function;
        final String id;
        final BinaryOperator<Double> apply;

        Op(String function, String id, BinaryOperator<Double> apply) {
            this.function = function;
            this.id = id;
            this.apply = apply;
        }
    }

    private static CelType celType(FieldType type) {
        return switch (type) {
            case INT, LONG, DOUBLE, TIMESTAMP -> SimpleType.DOUBLE;
            case BOOLEAN -> SimpleType.BOOL;
            case STRING, CATEGORY -> SimpleType.STRING;
        };
    }
}
