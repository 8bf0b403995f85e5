package io.mlcycle.cli.common;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar on stderr for long work: {@code [#######.......]  45%  4,500/10,000 records  1.2k/s}. Redrawn in
 * place (carriage return) at most every 200 ms on a terminal; when stderr is not a terminal (scripts, CI) it prints a
 * plain line every 10% instead, so logs stay readable. Unknown totals (&le; 0) show a counter without a bar.
 *
 * <pre>{@code
 * try (ProgressBar bar = ProgressBar.start(spec.commandLine().getErr(), "records", total)) {
 *     for (...) { ...; bar.step(); }
 * }
 * }</pre>
 */
public final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final String unit;
    private final long total;
    private final boolean interactive;
    private final LongSupplier clock;
    private final long startNanos;
    private long done;
    private long lastDrawNanos;
    private int lastDecile = -1;
    private boolean closed;

    ProgressBar(PrintWriter err, String unit, long total, boolean interactive, LongSupplier clock) {
        this.err = err;
        this.unit = unit;
        this.total = total;
        this.interactive = interactive;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.lastDrawNanos = startNanos - REDRAW_NANOS;
    }

    /** A bar counting {@code unit}s up to {@code total} (&le; 0 if unknown); interactive when there is a console. */
    public static ProgressBar start(PrintWriter err, String unit, long total) {
        return new ProgressBar(err, unit, total, System.console() != null, System::nanoTime);
    }

    public void step() {
        advance(1);
    }

    public synchronized void advance(long n) {
        done += n;
        long now = clock.getAsLong();
        if (interactive) {
            if (now - lastDrawNanos >= REDRAW_NANOS || (total > 0 && done >= total)) {
                lastDrawNanos = now;
                err.print("\r" + render(now));
                err.flush();
            }
        } else if (total > 0) {
            int decile = (int) Math.min(10, done * 10 / total);
            if (decile > lastDecile) {
                lastDecile = decile;
                err.println(render(now));
                err.flush();
            }
        }
    }

    public synchronized long done() {
        return done;
    }

    /** The current line, e.g. {@code [###...]  45%  450/1,000 records  90/s}. */
    synchronized String render(long nowNanos) {
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        String rate = humanRate(done / seconds) + "/s";
        if (total <= 0) {
            return String.format(Locale.ROOT, "%,d %s  %s", done, unit, rate);
        }
        double fraction = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        return String.format(Locale.ROOT, "[%s%s] %3d%%  %,d/%,d %s  %s", "#".repeat(filled), ".".repeat(WIDTH - filled),
                (int) Math.floor(fraction * 100), done, total, unit, rate);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (interactive) {
            err.println("\r" + render(clock.getAsLong()));
        } else if (total <= 0 || lastDecile < 10) {
            err.println(render(clock.getAsLong()));
        }
        err.flush();
    }

    private static String humanRate(double perSecond) {
        if (perSecond >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", perSecond / 1_000_000);
        }
        if (perSecond >= 1_000) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1_000);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }
}
