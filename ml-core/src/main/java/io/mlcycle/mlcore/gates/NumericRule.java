package io.mlcycle.mlcore.gates;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A direct evaluator for the commonest shape of cross-field rule: comparisons ({@code < <= > >=}) of arithmetic
 * ({@code + - * /}, unary minus) over numeric fields and literals, joined by {@code &&}, {@code ||} and {@code !}, e.g.
 * {@code loan_amount <= income * 60}. CEL's interpreter resolves the overloads of every call for every record, which
 * made one such rule about a tenth of validation's stream thread; here the checked expression becomes a tree of
 * small closures over doubles, built once.
 *
 * <p>Built only when every node is of that shape (anything else, e.g. strings, {@code missing}, {@code ==}, ternaries,
 * arithmetic between two whole-number literals, is left to CEL), and it gives CEL's answer: numeric fields are CEL
 * doubles, whole-number literals up to 2^53 are exact as doubles, double arithmetic never fails in CEL either
 * (division by zero gives an infinity). Where a comparison's operands could make CEL and Java differ (NaN, or a zero,
 * whose sign Java's operators ignore), it answers {@link #ASK_CEL} and the caller evaluates that record with CEL.
 * Immutable and thread-safe.
 */
final class NumericRule {

    static final int FALSE = 0;
    static final int TRUE = 1;
    static final int ASK_CEL = -1;

    private static final double EXACT_LIMIT = 9_007_199_254_740_992d; // 2^53

    private interface Num {
        double eval(Map<String, Object> record);
    }

    private interface Bool {
        int eval(Map<String, Object> record);
    }

    private final Bool root;

    private NumericRule(Bool root) {
        this.root = root;
    }

    /** The fast form of a checked rule over {@code fields} (the fields it reads), or null when it has another shape. */
    static NumericRule of(CelAbstractSyntaxTree ast, Set<String> fields) {
        Bool root = new Builder(ast, fields).bool(ast.getExpr());
        return root == null ? null : new NumericRule(root);
    }

    /**
     * {@link #TRUE}, {@link #FALSE} or {@link #ASK_CEL} for a record in which every field the rule reads has a value
     * (numbers as any {@link Number}).
     */
    int test(Map<String, Object> record) {
        return root.eval(record);
    }

    private static final class Builder {
        private final CelAbstractSyntaxTree ast;
        private final Set<String> fields;

        Builder(CelAbstractSyntaxTree ast, Set<String> fields) {
            this.ast = ast;
            this.fields = fields;
        }

        private boolean typed(CelExpr expr, CelType type) {
            return ast.getType(expr.id()).map(type::equals).orElse(false);
        }

        private Bool bool(CelExpr expr) {
            switch (expr.getKind()) {
                case CONSTANT -> {
                    if (expr.constant().getKind() != CelConstant.Kind.BOOLEAN_VALUE) {
                        return null;
                    }
                    int value = expr.constant().booleanValue() ? TRUE : FALSE;
                    return record -> value;
                }
                case IDENT -> {
                    String name = expr.ident().name();
                    if (!fields.contains(name) || !typed(expr, SimpleType.BOOL)) {
                        return null;
                    }
                    return record -> record.get(name) instanceof Boolean b ? (b ? TRUE : FALSE) : ASK_CEL;
                }
                case CALL -> {
                    CelExpr.CelCall call = expr.call();
                    if (call.target().isPresent()) {
                        return null;
                    }
                    List<CelExpr> args = call.args();
                    switch (call.function()) {
                        case "!_" -> {
                            Bool operand = args.size() == 1 ? bool(args.get(0)) : null;
                            return operand == null ? null : record -> {
                                int v = operand.eval(record);
                                return v == ASK_CEL ? ASK_CEL : TRUE - v;
                            };
                        }
                        case "_&&_", "_||_" -> {
                            if (args.size() != 2) {
                                return null;
                            }
                            Bool left = bool(args.get(0));
                            Bool right = bool(args.get(1));
                            if (left == null || right == null) {
                                return null;
                            }
                            // No node here can fail, so short-circuiting gives CEL's (commutative) answer.
                            int decisive = call.function().equals("_&&_") ? FALSE : TRUE;
                            return record -> {
                                int l = left.eval(record);
                                if (l == decisive || l == ASK_CEL) {
                                    return l;
                                }
                                return right.eval(record);
                            };
                        }
                        case "_<_", "_<=_", "_>_", "_>=_" -> {
                            if (args.size() != 2) {
                                return null;
                            }
                            Num left = num(args.get(0));
                            Num right = num(args.get(1));
                            if (left == null || right == null) {
                                return null;
                            }
                            return comparison(call.function(), left, right);
                        }
                        default -> {
                            return null;
                        }
                    }
                }
                default -> {
                    return null;
                }
            }
        }

        /** Two doubles compared by one operator, chosen when the rule is built rather than per record. */
        private interface Operator {
            boolean holds(double a, double b);
        }

        private static Bool comparison(String function, Num left, Num right) {
            Operator operator = switch (function) {
                case "_<_" -> (a, b) -> a < b;
                case "_<=_" -> (a, b) -> a <= b;
                case "_>_" -> (a, b) -> a > b;
                default -> (a, b) -> a >= b;
            };
            return record -> {
                double a = left.eval(record);
                double b = right.eval(record);
                // NaN never equals itself; a zero's sign is ignored by Java's operators but not by Double.compare.
                if (a != a || b != b || a == 0 || b == 0) {
                    return ASK_CEL;
                }
                return operator.holds(a, b) ? TRUE : FALSE;
            };
        }

        private Num num(CelExpr expr) {
            switch (expr.getKind()) {
                case CONSTANT -> {
                    CelConstant constant = expr.constant();
                    if (constant.getKind() == CelConstant.Kind.DOUBLE_VALUE) {
                        double value = constant.doubleValue();
                        return record -> value;
                    }
                    if (constant.getKind() == CelConstant.Kind.INT64_VALUE
                            && Math.abs((double) constant.int64Value()) <= EXACT_LIMIT) {
                        double value = constant.int64Value();
                        return record -> value;
                    }
                    return null;
                }
                case IDENT -> {
                    String name = expr.ident().name();
                    if (!fields.contains(name) || !typed(expr, SimpleType.DOUBLE)) {
                        return null;
                    }
                    return record -> ((Number) record.get(name)).doubleValue();
                }
                case CALL -> {
                    CelExpr.CelCall call = expr.call();
                    // A whole-number result (two whole-number literals) has CEL's int64 semantics: left to CEL.
                    if (call.target().isPresent() || !typed(expr, SimpleType.DOUBLE)) {
                        return null;
                    }
                    List<CelExpr> args = call.args();
                    if (call.function().equals("-_") && args.size() == 1) {
                        Num operand = num(args.get(0));
                        return operand == null ? null : record -> -operand.eval(record);
                    }
                    if (args.size() != 2) {
                        return null;
                    }
                    Num left = num(args.get(0));
                    Num right = num(args.get(1));
                    if (left == null || right == null) {
                        return null;
                    }
                    return switch (call.function()) {
                        case "_+_" -> record -> left.eval(record) + right.eval(record);
                        case "_-_" -> record -> left.eval(record) - right.eval(record);
                        case "_*_" -> record -> left.eval(record) * right.eval(record);
                        case "_/_" -> record -> left.eval(record) / right.eval(record);
                        default -> null;
                    };
                }
                default -> {
                    return null;
                }
            }
        }
    }
}
