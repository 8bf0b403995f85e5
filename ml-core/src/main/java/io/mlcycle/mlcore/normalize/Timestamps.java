package io.mlcycle.mlcore.normalize;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
        Parsed fast = parseCommonIso(text, zone);
        return fast != null ? fast : parseIsoGeneral(text, zone);
    }

    /** {@link #parseIso} through {@link java.time} only. */
    static Parsed parseIsoGeneral(String text, ZoneId zone) {
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

    /**
     * The common shapes {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:mm)} and, in a fixed-offset zone, the same without
     * a zone, read without {@link java.time.format.DateTimeFormatter} (which dominated ingestion profiles). Gives what
     * {@link #parseIso} gives for these; null for anything else (including leap seconds and lower-case letters), which
     * then takes the general path.
     */
    static Parsed parseCommonIso(String text, ZoneId zone) {
        int n = text.length();
        if (n < 19 || n > 35 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < n && text.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                nanos = nanos * 10 + (text.charAt(i) - '0');
                i++;
            }
            int count = i - start;
            if (count == 0 || (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9')) {
                return null;
            }
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        boolean assumed = false;
        if (i == n) {
            if (!(zone instanceof ZoneOffset fixed)) {
                return null;
            }
            offsetSeconds = fixed.getTotalSeconds();
            assumed = true;
        } else if (text.charAt(i) == 'Z' && i + 1 == n) {
            offsetSeconds = 0;
        } else if ((text.charAt(i) == '+' || text.charAt(i) == '-') && i + 6 == n && text.charAt(i + 3) == ':') {
            int oh = digits(text, i + 1, 2);
            int om = digits(text, i + 4, 2);
            if (oh < 0 || oh > 18 || om < 0 || om > 59 || (oh == 18 && om > 0)) {
                return null;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (text.charAt(i) == '-' ? -1 : 1);
        } else {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (java.time.DateTimeException e) {
            return null; // e.g. February 30th: the general path gives its own answer
        }
        long epochSecond = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return new Parsed(epochSecond * 1000L + nanos / 1_000_000, assumed);
    }

    /** The non-negative value of {@code count} ASCII digits from {@code from}, or -1. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
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
