package io.mlcycle.mlcore.gates;

import java.math.BigDecimal;

/** Formatting of values for violation details. */
final class Values {
    private Values() {
    }

    /** 18 rather than 18.0; 0.5 as 0.5. */
    static String number(double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    static String show(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof CharSequence text) {
            return "'" + abbreviate(text.toString()) + "'";
        }
        if (value instanceof Double || value instanceof Float) {
            return number(((Number) value).doubleValue());
        }
        return abbreviate(String.valueOf(value));
    }

    static String abbreviate(String text) {
        return io.mlcycle.mlcore.normalize.Excerpt.of(text);
    }

    static String typeWord(Object value) {
        if (value instanceof CharSequence) {
            return "text";
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return "a whole number";
        }
        if (value instanceof Number) {
            return "a decimal number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a " + value.getClass().getSimpleName();
    }
}
