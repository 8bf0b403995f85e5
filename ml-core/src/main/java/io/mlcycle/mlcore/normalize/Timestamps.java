package io.mlcycle.mlcore.normalize;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;

/** Reads timestamp text: ISO-8601 with or without a zone, or a declared pattern. */
public final class Timestamps {

    /** A parsed timestamp and whether its zone was assumed (the text had none). */
    public record Parsed(long epochMillis, boolean zoneAssumed) {
    }

    private Timestamps() {
    }

    /**
     * ISO-8601 instant, offset date-time, zoned date-time, local date-time or date (start of day); text without a
     * zone is read in {@code zone}. Null if none fits.
     */
    public static Parsed parseIso(String text, ZoneId zone) {
        try {
            return new Parsed(Instant.parse(text).toEpochMilli(), false);
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the next form
        }
        try {
            return new Parsed(OffsetDateTime.parse(text).toInstant().toEpochMilli(), false);
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the next form
        }
        try {
            return new Parsed(ZonedDateTime.parse(text).toInstant().toEpochMilli(), false);
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the next form
        }
        try {
            return new Parsed(LocalDateTime.parse(text).atZone(zone).toInstant().toEpochMilli(), true);
        } catch (DateTimeParseException | ArithmeticException ignored) {
            // try the next form
        }
        try {
            return new Parsed(LocalDate.parse(text).atStartOfDay(zone).toInstant().toEpochMilli(), true);
        } catch (DateTimeParseException | ArithmeticException ignored) {
            return null;
        }
    }

    /** Text in a declared pattern; a pattern without zone is read in {@code zone}, a date-only one at midnight. */
    public static Long parsePattern(String text, DateTimeFormatter pattern, ZoneId zone) {
        if (text.length() > 128) {
            return null;
        }
        try {
            TemporalAccessor parsed = pattern.parse(text);
            if (parsed.isSupported(ChronoField.INSTANT_SECONDS)) {
                return Instant.from(parsed).toEpochMilli();
            }
            if (parsed.isSupported(ChronoField.HOUR_OF_DAY)) {
                return LocalDateTime.from(parsed).atZone(zone).toInstant().toEpochMilli();
            }
            return LocalDate.from(parsed).atStartOfDay(zone).toInstant().toEpochMilli();
        } catch (java.time.DateTimeException | ArithmeticException e) {
            return null;
        }
    }
}
