package io.mlcycle.cli.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A labeled history as a CSV file (RFC 4180: a header row, comma-separated, double quotes around fields that contain
 * commas, quotes or line breaks), optionally gzip-compressed ({@code .gz}). Rows are maps from column name to text.
 */
final class HistoryFile {

    private HistoryFile() {
    }

    /** Reads at most {@code limit} data rows (all when limit <= 0). */
    static List<Map<String, String>> read(Path file, int limit) throws IOException {
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("No such file: " + file);
        }
        if (file.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String> header = nextRecord(reader, 1);
            if (header == null) {
                throw new IllegalArgumentException(file + " is empty: a header row is expected");
            }
            List<Map<String, String>> rows = new ArrayList<>();
            int line = 1;
            List<String> cells;
            while ((limit <= 0 || rows.size() < limit) && (cells = nextRecord(reader, ++line)) != null) {
                if (cells.size() == 1 && cells.get(0).isEmpty()) {
                    continue;
                }
                if (cells.size() != header.size()) {
                    throw new IllegalArgumentException(file + ": row " + (rows.size() + 1) + " has " + cells.size()
                            + " fields but the header has " + header.size());
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i).trim(), cells.get(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /** One CSV record (which may span lines when a quoted field holds a line break), or null at the end. */
    static List<String> nextRecord(BufferedReader reader, int lineNumber) throws IOException {
        String line = reader.readLine();
        if (line == null) {
            return null;
        }
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        while (true) {
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            cell.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        cell.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    cells.add(cell.toString());
                    cell.setLength(0);
                } else {
                    cell.append(c);
                }
            }
            if (!quoted) {
                break;
            }
            String next = reader.readLine();
            if (next == null) {
                throw new IllegalArgumentException("unterminated quoted field starting on line " + lineNumber);
            }
            cell.append('\n');
            line = next;
        }
        cells.add(cell.toString());
        return cells;
    }
}
