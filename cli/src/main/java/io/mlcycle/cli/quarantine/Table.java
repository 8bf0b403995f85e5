package io.mlcycle.cli.quarantine;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned text columns; the column with index {@code numeric} is right-aligned. */
final class Table {

    private static final int MAX_CELL = 120;

    private Table() {
    }

    static void print(List<String[]> lines, PrintWriter out, int numeric) {
        int columns = lines.get(0).length;
        int[] widths = new int[columns];
        for (String[] line : lines) {
            for (int c = 0; c < columns - 1; c++) {
                widths[c] = Math.max(widths[c], cell(line[c]).length());
            }
        }
        for (String[] line : lines) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String text = cell(line[c]);
                if (c == columns - 1) {
                    sb.append(text);
                } else if (c == numeric) {
                    sb.append(" ".repeat(widths[c] - text.length())).append(text).append("  ");
                } else {
                    sb.append(text).append(" ".repeat(widths[c] - text.length())).append("  ");
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static String cell(String text) {
        String oneLine = text == null ? "" : text.replace('\n', ' ');
        return oneLine.length() <= MAX_CELL ? oneLine : oneLine.substring(0, MAX_CELL - 3) + "...";
    }
}
