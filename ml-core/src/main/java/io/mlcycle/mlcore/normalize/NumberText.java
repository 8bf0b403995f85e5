package io.mlcycle.mlcore.normalize;

import io.mlcycle.mlcore.spec.FieldNormalization;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.function.Consumer;

/**
 * Reads numeric text as an exact decimal in bounded time and memory: the text is at most {@link #MAX_LENGTH}
 * characters, and nothing here ever expands a number to its plain digits (an exponent such as {@code 1e-1000000000}
 * is kept as a scale, never written out). Applies the field's declared thousands separator, decimal comma, percent
 * and unit scale, reporting each rule that changed the value.
 */
public final class NumberText {

    /** Longest numeric text read; longer text is refused before any parsing (no real number needs more). */
    public static final int MAX_LENGTH = 100;

    /** Why text is not a number, in words to follow "the text '...' ". */
    public static final class NotANumber extends Exception {
        private static final long serialVersionUID = 1L;

        NotANumber(String reason) {
            super(reason, null, false, false);
        }
    }

    private NumberText() {
    }

    /**
     * The value of trimmed {@code text} under {@code rules}.
     *
     * @param onRule told of each declared rule that changed the value
     * @throws NotANumber when the text is not a number (the message says why, without echoing the text)
     */
    public static BigDecimal parse(String text, FieldNormalization rules, Consumer<NormalizationRule> onRule)
            throws NotANumber {
        if (text.length() > MAX_LENGTH) {
            throw new NotANumber("is " + text.length() + " characters long, more than the " + MAX_LENGTH
                    + " a number may have");
        }
        String s = text;
        boolean percent = false;
        if (rules.percent() && s.endsWith("%")) {
            s = s.substring(0, s.length() - 1).stripTrailing();
            percent = true;
        }
        String separator = rules.thousandsSeparator();
        if (separator != null && s.contains(separator)) {
            s = removeGrouping(s, separator, rules.decimalComma() ? ',' : '.');
            onRule.accept(NormalizationRule.THOUSANDS_SEPARATOR);
        }
        if (rules.decimalComma() && s.indexOf(',') >= 0) {
            if (s.indexOf('.') >= 0 || s.indexOf(',') != s.lastIndexOf(',')) {
                throw new NotANumber("is not a number with a decimal comma");
            }
            s = s.replace(',', '.');
            onRule.accept(NormalizationRule.DECIMAL_COMMA);
        }
        BigDecimal value;
        try {
            value = new BigDecimal(s);
        } catch (NumberFormatException e) {
            throw new NotANumber("is not a number");
        }
        try {
            if (percent) {
                value = value.movePointLeft(2);
                onRule.accept(NormalizationRule.PERCENT);
            }
            if (rules.scale() != null) {
                value = value.multiply(rules.scale(), MathContext.DECIMAL128);
                onRule.accept(NormalizationRule.UNIT_SCALE);
            }
        } catch (ArithmeticException e) {
            throw new NotANumber("has an exponent too large to scale");
        }
        return value;
    }

    /** Scales a JSON number by the field's unit scale, if declared. */
    public static BigDecimal scaled(BigDecimal value, FieldNormalization rules, Consumer<NormalizationRule> onRule)
            throws NotANumber {
        if (rules.scale() == null) {
            return value;
        }
        try {
            BigDecimal result = value.multiply(rules.scale(), MathContext.DECIMAL128);
            onRule.accept(NormalizationRule.UNIT_SCALE);
            return result;
        } catch (ArithmeticException e) {
            throw new NotANumber("has an exponent too large to scale");
        }
    }

    /** Removes correctly placed grouping separators (groups of three digits); misplaced ones make it not a number. */
    private static String removeGrouping(String s, String separator, char decimalPoint) throws NotANumber {
        int start = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
        int end = s.indexOf(decimalPoint, start);
        if (end < 0) {
            end = s.length();
        }
        String integer = s.substring(start, end);
        String[] groups = integer.split(java.util.regex.Pattern.quote(separator), -1);
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            boolean digits = !g.isEmpty() && g.chars().allMatch(c -> c >= '0' && c <= '9');
            if (!digits || (i == 0 ? g.length() > 3 : g.length() != 3)) {
                throw new NotANumber("has misplaced thousands separators ('" + separator + "')");
            }
        }
        if (s.indexOf(separator, end) >= 0) {
            throw new NotANumber("has a thousands separator ('" + separator + "') after the decimal point");
        }
        return s.substring(0, start) + String.join("", groups) + s.substring(end);
    }

    /**
     * Text for a decimal in messages, bounded whatever its exponent: plain digits for ordinary magnitudes, scientific
     * notation otherwise, and at most 64 characters.
     */
    public static String describe(BigDecimal value) {
        int scale = value.scale();
        String text = scale >= -32 && scale <= 32 ? value.toPlainString() : value.toString();
        return Excerpt.of(text);
    }
}
