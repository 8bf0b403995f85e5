package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.gates.Violation;
import java.util.List;

/**
 * One row read from a file: its 1-based number (data rows, header excluded), its fields as a JSON object named by
 * file column (before mapping), and its original text; or, when it could not be read, the problems instead.
 *
 * @param number   1-based data row number; the identity of the row for event ids and {@code --resume}
 * @param fields   the row's values by column name (JSON Lines, Avro), or null when the row could not be read or
 *                 comes as {@code values}
 * @param values   the row's text values in the order of the source's columns (CSV), or null
 * @param bounds   instead of {@code values}, where each value is in {@code original} (a CSV line without quotes):
 *                 per column its start, then its end; or null
 * @param original the row's text as in the file (re-quoted for CSV), for quarantine
 * @param problems why the row could not be read (MALFORMED_ROW, DESERIALIZATION_FAILED); empty when it could
 */
record SourceRow(long number, ObjectNode fields, String[] values, int[] bounds, String original,
                 List<Violation> problems) {
    SourceRow {
        problems = List.copyOf(problems);
    }

    /** A row of named values, or an unreadable row (null fields). */
    SourceRow(long number, ObjectNode fields, String original, List<Violation> problems) {
        this(number, fields, null, null, original, problems);
    }

    /** A row of text values in the source's column order. */
    SourceRow(long number, String[] values, String original) {
        this(number, null, values, null, original, List.of());
    }

    /** A row of text values in the source's column order, each a part of the line {@code original}. */
    SourceRow(long number, int[] bounds, String original) {
        this(number, null, null, bounds, original, List.of());
    }

    boolean readable() {
        return (fields != null || values != null || bounds != null) && problems.isEmpty();
    }

    /** The text values by column (copied out of the line when the row holds {@code bounds}), or null. */
    String[] textValues() {
        if (values != null || bounds == null) {
            return values;
        }
        String[] result = new String[bounds.length / 2];
        for (int c = 0; c < result.length; c++) {
            result[c] = original.substring(bounds[2 * c], bounds[2 * c + 1]);
        }
        return result;
    }
}
