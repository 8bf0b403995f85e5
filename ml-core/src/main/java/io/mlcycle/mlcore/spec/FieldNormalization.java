package io.mlcycle.mlcore.spec;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code normalize:} block of one field: how inconsistently formatted input is brought to the field's type before
 * it is checked. Each rule applies only where declared (except trimming of numeric, boolean and timestamp text, which
 * parsing always ignores), and every change it makes is counted per field and rule by the converter. Immutable.
 *
 * @param missing           extra text markers read as missing for this field (besides {@code data.missing_values})
 * @param trim              strip surrounding whitespace of string and category values
 * @param caseFold          fold the case of string and category values, or {@link CaseFold#NONE}
 * @param thousandsSeparator a grouping separator removed from numeric text ({@code "1,234"}), or null
 * @param decimalComma      numeric text uses a comma as its decimal separator ({@code "3,5"} is 3.5)
 * @param percent           numeric text may end in {@code %}, which divides it by 100
 * @param scale             factor every numeric value is multiplied by (unit scaling), or null
 * @param booleanWords      booleans may be written yes/no, y/n, 1/0 or true/false, in any case
 * @param timestampFormat   how timestamps are written: {@code iso} (default: ISO-8601 text or epoch milliseconds),
 *                          {@code epoch_seconds}, {@code epoch_millis}, or a {@link java.time.format.DateTimeFormatter}
 *                          pattern
 * @param zone              the zone of timestamps written without one (default UTC)
 * @param alias             another name the field has in input (a file column or JSON key that is not a valid field
 *                          name, e.g. {@code NumberOfTime30-59DaysPastDueNotWorse}), or null
 */
public record FieldNormalization(List<String> missing, boolean trim, CaseFold caseFold, String thousandsSeparator,
                                 boolean decimalComma, boolean percent, BigDecimal scale, boolean booleanWords,
                                 String timestampFormat, ZoneId zone, String alias) {

    public static final String ISO = "iso";
    public static final String EPOCH_SECONDS = "epoch_seconds";
    public static final String EPOCH_MILLIS = "epoch_millis";

    /** Nothing declared: the converter's plain behaviour. */
    public static final FieldNormalization NONE =
            new FieldNormalization(List.of(), false, CaseFold.NONE, null, false, false, null, false, ISO, ZoneOffset.UTC,
                    null);

    /** Case folding of text values. */
    public enum CaseFold {
        NONE, LOWER, UPPER;

        public String apply(String text) {
            return switch (this) {
                case NONE -> text;
                case LOWER -> text.toLowerCase(Locale.ROOT);
                case UPPER -> text.toUpperCase(Locale.ROOT);
            };
        }
    }

    public FieldNormalization {
        missing = missing == null ? List.of() : List.copyOf(missing);
        caseFold = caseFold == null ? CaseFold.NONE : caseFold;
        timestampFormat = timestampFormat == null ? ISO : timestampFormat;
        zone = zone == null ? ZoneOffset.UTC : zone;
        Objects.requireNonNull(timestampFormat);
    }

    /** The declared pattern when {@link #timestampFormat()} is not one of the named formats. */
    public Optional<String> timestampPattern() {
        return switch (timestampFormat) {
            case ISO, EPOCH_SECONDS, EPOCH_MILLIS -> Optional.empty();
            default -> Optional.of(timestampFormat);
        };
    }

    public boolean isNone() {
        return equals(NONE);
    }
}
