package io.mlcycle.cli.ingest;

import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.Excerpt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * CSV rows (RFC 4180 quoting, a header line naming the columns) with recovery from bad rows: a record is read as
 * physical lines until its quotes balance, so a quoted field may span lines; a quote still open after
 * {@link #MAX_RECORD_LINES} lines or at the end of the file makes its first line one malformed row, and reading goes
 * on at the next line. The original text of each row is exactly its lines in the file. Lines without quotes are split
 * on the delimiter directly; lines with quotes are parsed by Apache Commons CSV.
 */
final class CsvRowSource implements RowSource {

    static final int MAX_RECORD_LINES = 100;
    static final int MAX_RECORD_CHARS = 1 << 20;

    private final BufferedReader reader;
    private final LongSupplier bytesRead;
    private final char delimiter;
    private final char quote;
    private final CSVFormat format;
    private final List<String> columns;
    private final List<String> pushedBack = new ArrayList<>();
    private long lineNumber;
    private long rowNumber;
    private boolean exhausted;

    CsvRowSource(BufferedReader reader, LongSupplier bytesRead, char delimiter, char quote) throws IOException {
        this.reader = reader;
        this.bytesRead = bytesRead;
        this.delimiter = delimiter;
        this.quote = quote;
        this.format = CSVFormat.RFC4180.builder().setDelimiter(delimiter).setQuote(quote).get();
        String header = readLine();
        while (header != null && header.isBlank()) {
            header = readLine();
        }
        if (header == null) {
            throw new IOException("the file is empty: a CSV file needs a header line naming its columns");
        }
        if (header.startsWith("\uFEFF")) {
            header = header.substring(1);
        }
        List<String> names = split(header);
        if (names == null) {
            throw new IOException("the header line is not valid CSV: " + Excerpt.of(header));
        }
        this.columns = names.stream().map(String::trim).toList();
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public long bytesRead() {
        return bytesRead.getAsLong();
    }

    @Override
    public SourceRow next() {
        if (exhausted) {
            return null;
        }
        String first;
        try {
            first = readLine();
            while (first != null && first.isEmpty()) {
                first = readLine();
            }
        } catch (IOException | UncheckedIOException e) {
            return truncated(e);
        }
        if (first == null) {
            exhausted = true;
            return null;
        }
        long number = ++rowNumber;
        long startLine = lineNumber;
        if (first.indexOf(quote) < 0) {
            // Most rows: one line without quotes, whose values are read where they are in the line (the general
            // path below gives the same row).
            int[] bounds = boundsUnquoted(first);
            if (bounds.length != 2 * columns.size()) {
                return malformed(number, first, "line " + startLine + " has " + bounds.length / 2 + " columns but the"
                        + " header has " + columns.size());
            }
            return new SourceRow(number, bounds, first);
        }
        StringBuilder text = new StringBuilder(first);
        List<String> continuation = new ArrayList<>();
        try {
            while (quotesOpen(text)) {
                String more = continuation.size() + 1 >= MAX_RECORD_LINES || text.length() > MAX_RECORD_CHARS
                        ? null : readLine();
                if (more == null) {
                    // Unterminated: the first line alone is the bad row; the lines read ahead are read again.
                    pushedBack.addAll(0, continuation);
                    lineNumber -= continuation.size();
                    return malformed(number, first, "line " + startLine + " has a quote (" + quote
                            + ") that is never closed");
                }
                continuation.add(more);
                text.append('\n').append(more);
            }
        } catch (IOException | UncheckedIOException e) {
            return malformed(number, first, "line " + startLine + " has a quote (" + quote
                    + ") that is never closed before the file breaks off");
        }
        String original = text.toString();
        List<String> values = split(original);
        if (!continuation.isEmpty() && (values == null || values.size() != columns.size())) {
            // Lines joined to close a quote did not make a good row: the quote on the first line was never closed.
            pushedBack.addAll(0, continuation);
            lineNumber -= continuation.size();
            return malformed(number, first, "line " + startLine + " has a quote (" + quote + ") that is never closed");
        }
        if (values == null) {
            return malformed(number, original, "line " + startLine + " is not valid CSV (a quote inside an unquoted value"
                    + " or text after a closing quote)");
        }
        if (values.size() != columns.size()) {
            return malformed(number, original, "line " + startLine + " has " + values.size() + " columns but the header has "
                    + columns.size());
        }
        return new SourceRow(number, values.toArray(new String[0]), original);
    }

    private SourceRow malformed(long number, String original, String detail) {
        return new SourceRow(number, null, original, List.of(new Violation(ReasonCode.MALFORMED_ROW, null,
                "row " + number + ": " + detail)));
    }

    private SourceRow truncated(Exception e) {
        exhausted = true;
        long number = ++rowNumber;
        return new SourceRow(number, null, null, List.of(new Violation(ReasonCode.DESERIALIZATION_FAILED, null,
                "the file breaks off after line " + lineNumber + " (truncated or corrupt: " + Excerpt.of(String.valueOf(
                        e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage())) + ");"
                        + " nothing after it can be read")));
    }

    private String readLine() throws IOException {
        if (!pushedBack.isEmpty()) {
            lineNumber++;
            return pushedBack.remove(0);
        }
        String line = reader.readLine();
        if (line != null) {
            lineNumber++;
        }
        return line;
    }

    private boolean quotesOpen(CharSequence text) {
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == quote) {
                count++;
            }
        }
        return (count & 1) == 1;
    }

    /** Where the values of a line without quotes are (the text between delimiters): per value, start then end. */
    private int[] boundsUnquoted(String line) {
        int n = 1;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == delimiter) {
                n++;
            }
        }
        int[] bounds = new int[2 * n];
        int start = 0;
        int column = 0;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == delimiter) {
                bounds[2 * column] = start;
                bounds[2 * column + 1] = i;
                column++;
                start = i + 1;
            }
        }
        bounds[2 * column] = start;
        bounds[2 * column + 1] = line.length();
        return bounds;
    }

    /** The values of a line without quotes: the text between delimiters. */
    private String[] splitUnquoted(String line) {
        int[] bounds = boundsUnquoted(line);
        String[] values = new String[bounds.length / 2];
        for (int c = 0; c < values.length; c++) {
            values[c] = line.substring(bounds[2 * c], bounds[2 * c + 1]);
        }
        return values;
    }

    /** The values of one complete record, or null when it is not valid CSV. */
    private List<String> split(String record) {
        if (record.indexOf(quote) < 0) {
            return java.util.Arrays.asList(splitUnquoted(record));
        }
        try (CSVParser parser = CSVParser.parse(record, format)) {
            List<CSVRecord> records = parser.getRecords();
            if (records.size() != 1) {
                return null;
            }
            return records.get(0).toList();
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
