package io.mlcycle.cli.ingest;

import java.io.PrintWriter;

/**
 * Shows an import's progress: on a terminal a bar redrawn in place (rows, rate, percent of the file, ETA), otherwise a
 * plain line every few seconds; silent when asked to be.
 */
final class ProgressPrinter {

    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long PLAIN_NANOS = 5_000_000_000L;

    private final PrintWriter out;
    private final boolean terminal;
    private final boolean silent;
    private final long totalBytes;
    private final long started = System.nanoTime();
    private long lastPrinted;
    private boolean drawn;

    ProgressPrinter(PrintWriter out, boolean terminal, boolean silent, long totalBytes) {
        this.out = out;
        this.terminal = terminal;
        this.silent = silent;
        this.totalBytes = totalBytes;
    }

    void update(long rows, long bytesRead) {
        if (silent) {
            return;
        }
        long now = System.nanoTime();
        boolean atEnd = totalBytes > 0 && bytesRead >= totalBytes;
        if (!(terminal && atEnd) && now - lastPrinted < (terminal ? REDRAW_NANOS : PLAIN_NANOS)) {
            return;
        }
        lastPrinted = now;
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        double rate = rows / seconds;
        double fraction = totalBytes <= 0 ? 0 : Math.min(1.0, (double) bytesRead / totalBytes);
        String eta = fraction <= 0 ? "?" : String.format("%.0fs", seconds / fraction - seconds);
        if (terminal) {
            int width = 30;
            int filled = (int) Math.round(fraction * width);
            out.printf("\r[%s%s] %3.0f%%  %,d rows  %,.0f rows/s  ETA %s   ", "#".repeat(filled), " ".repeat(width - filled),
                    fraction * 100, rows, rate, eta);
            drawn = true;
        } else {
            out.printf("progress: %,d rows, %,.0f rows/s, %.0f%% of the file, ETA %s%n", rows, rate, fraction * 100, eta);
        }
        out.flush();
    }

    /** Ends the bar's line before the report. */
    void finish() {
        if (drawn) {
            out.println();
            out.flush();
        }
    }
}
