package io.mlcycle.cli.common;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An aligned text table for people: a header row, then rows; each column as wide as its widest cell, separated by two
 * spaces; columns added with {@link #right(String)} are right-aligned (numbers). Nulls print as {@code -}.
 *
 * <pre>{@code
 * Table.of("SERVICE", "STATE").right("LAG").row("validation", "UP", 0).print(out);
 * }</pre>
 */
public final class Table {

    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> rightAligned = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    private Table() {
    }

    /** A table with these left-aligned columns. */
    public static Table of(String... headers) {
        Table table = new Table();
        for (String header : headers) {
            table.left(header);
        }
        return table;
    }

    public Table left(String header) {
        return column(header, false);
    }

    public Table right(String header) {
        return column(header, true);
    }

    private Table column(String header, boolean right) {
        if (!rows.isEmpty()) {
            throw new IllegalStateException("add columns before rows");
        }
        headers.add(Objects.requireNonNull(header, "header"));
        rightAligned.add(right);
        return this;
    }

    /** Adds a row; it must have one cell per column. */
    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size()
                    + " columns " + headers);
        }
        rows.add(Arrays.stream(cells).map(Table::text).toArray(String[]::new));
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public int size() {
        return rows.size();
    }

    /** The table as lines, without trailing spaces. */
    public List<String> lines() {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(format(headers.toArray(String[]::new), widths));
        for (String[] row : rows) {
            lines.add(format(row, widths));
        }
        return lines;
    }

    public void print(PrintWriter out) {
        lines().forEach(out::println);
        out.flush();
    }

    @Override
    public String toString() {
        return String.join(System.lineSeparator(), lines());
    }

    private String format(String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            line.append(rightAligned.get(i) ? pad + cells[i] : cells[i] + pad);
        }
        return line.toString().stripTrailing();
    }

    private static String text(Object cell) {
        if (cell == null) {
            return "-";
        }
        if (cell instanceof Double d) {
            return d.isNaN() ? "-" : String.format(java.util.Locale.ROOT, "%.4f", d);
        }
        // Cells are one line: a newline would break the alignment.
        return cell.toString().replaceAll("\\R", " ");
    }
}
