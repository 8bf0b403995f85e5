package io.mlcycle.cli.demo;

import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.monitoring.Reconciliation;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The champion's accuracy per window of event time, estimated from its scores before the outcomes arrive (CBPE) and
 * realised once they have, as the serving-feedback truth topology writes them to {@code <p>.monitoring.metrics}
 * (records with {@code estimated_accuracy}; the online monitor's records are ignored). The truth topology keeps one
 * window per stream task (input partition), so a window's parts are combined here: counts add up, accuracies are
 * weighted by predictions (estimate) and outcomes (realised), and the interval's half-widths add in quadrature with
 * the same weights (the parts are independent). For each window it also remembers when (wall clock) the first
 * estimate and the first realised accuracy on at least {@link Reconciliation#MIN_LABELED} outcomes were written:
 * the estimate comes first.
 *
 * <p>Not thread-safe; {@link PipelineObservations} guards it.
 */
public final class TruthSeries {

    /**
     * One window of one champion version, its parts combined.
     *
     * @param windowStart     start of the event-time window
     * @param version         the model version
     * @param predictions     predictions in the window
     * @param labeled         of which have an outcome
     * @param estimated       accuracy estimated from the scores (all predictions of the window)
     * @param low             lower end of the estimate's interval
     * @param high            upper end of the estimate's interval
     * @param realised        accuracy realised on the labeled predictions (NaN before any)
     * @param diverged        some part's realised metrics left its estimate's interval
     * @param firstEstimateAt when the first estimate of the window was written (wall clock)
     * @param realisedAt      when a realised accuracy on at least {@link Reconciliation#MIN_LABELED} outcomes was
     *                        first written, or null
     */
    public record Row(Instant windowStart, String version, long predictions, long labeled, double estimated,
                      double low, double high, double realised, boolean diverged, Instant firstEstimateAt,
                      Instant realisedAt) {
    }

    private record Key(Instant windowStart, String version) {
    }

    /** The latest record of each part (task partition) of a window, and the window's first times. */
    private static final class Window {
        final Map<Integer, OnlineMetrics> parts = new TreeMap<>();
        Instant firstEstimateAt;
        Instant realisedAt;
    }

    private final Map<Key, Window> windows = new TreeMap<>(
            java.util.Comparator.comparing(Key::windowStart).thenComparing(Key::version));

    /** Takes one record of {@code <p>.monitoring.metrics}; returns false when it is not a champion truth record. */
    public boolean add(OnlineMetrics metrics) {
        if (metrics.getVariant() != Variant.CHAMPION || !metrics.getMetrics().containsKey("estimated_accuracy")) {
            return false;
        }
        Window window = windows.computeIfAbsent(new Key(metrics.getWindowStart(), metrics.getModelVersion()),
                key -> new Window());
        int part = metrics.getTaskPartition() == null ? -1 : metrics.getTaskPartition();
        window.parts.put(part, metrics);
        Instant emitted = metrics.getEmittedAt();
        if (window.firstEstimateAt == null || emitted.isBefore(window.firstEstimateAt)) {
            window.firstEstimateAt = emitted;
        }
        if (window.realisedAt == null && labeled(window) >= Reconciliation.MIN_LABELED) {
            window.realisedAt = emitted;
        }
        return true;
    }

    private static long labeled(Window window) {
        return window.parts.values().stream().mapToLong(OnlineMetrics::getLabeled).sum();
    }

    /** The windows in event-time order (then by version). */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        windows.forEach((key, window) -> rows.add(combine(key, window)));
        return rows;
    }

    private static Row combine(Key key, Window window) {
        long predictions = 0;
        long labeled = 0;
        double estimated = 0;
        double halfWidthSquares = 0;
        double realised = 0;
        boolean diverged = false;
        for (OnlineMetrics part : window.parts.values()) {
            predictions += part.getPredictions();
            labeled += part.getLabeled();
        }
        for (OnlineMetrics part : window.parts.values()) {
            Map<String, Double> m = part.getMetrics();
            double weight = predictions == 0 ? 0 : (double) part.getPredictions() / predictions;
            estimated += weight * m.get("estimated_accuracy");
            double halfWidth = (m.getOrDefault("estimated_accuracy_high", Double.NaN)
                    - m.getOrDefault("estimated_accuracy_low", Double.NaN)) / 2;
            halfWidthSquares += weight * weight * halfWidth * halfWidth;
            if (part.getLabeled() > 0 && m.containsKey("realised_accuracy")) {
                realised += (double) part.getLabeled() / labeled * m.get("realised_accuracy");
            }
            diverged |= m.getOrDefault("estimate_diverged", 0.0) > 0;
        }
        double halfWidth = Math.sqrt(halfWidthSquares);
        return new Row(key.windowStart(), key.version(), predictions, labeled, estimated, estimated - halfWidth,
                estimated + halfWidth, labeled == 0 ? Double.NaN : realised, diverged, window.firstEstimateAt,
                window.realisedAt);
    }

    /**
     * Prints the table: one line per window, times relative to {@code start} (mm:ss), the window in which the world
     * changed marked.
     *
     * @param driftAt when the scenario's world changed, or null
     */
    public static void print(PrintStream out, List<Row> rows, Instant start, Instant driftAt, Duration window) {
        Objects.requireNonNull(start, "start");
        out.printf(Locale.ROOT, "  champion accuracy per %s window of event time: estimated from the scores alone"
                + " (before outcomes) and realised on the outcomes%n", describe(window));
        if (rows.isEmpty()) {
            out.println("    (no window was estimated yet)");
            return;
        }
        out.printf(Locale.ROOT, "    %-7s %-12s %6s %8s  %-15s %12s %8s %8s %11s%n", "window", "version",
                "preds", "estimate", "interval", "estimated at", "realised", "outcomes", "realised at");
        for (Row row : rows) {
            boolean driftWindow = driftAt != null && !driftAt.isBefore(row.windowStart())
                    && driftAt.isBefore(row.windowStart().plus(window));
            String note = row.diverged() ? "DIVERGED" : "";
            if (driftWindow) {
                note = (note.isEmpty() ? "" : note + ", ") + "<- the world changes here";
            }
            out.println(String.format(Locale.ROOT, "    %-7s %-12s %6d %8.3f  %-15s %12s %8s %8d %11s  %s",
                    clock(start, row.windowStart()), row.version(), row.predictions(), row.estimated(),
                    String.format(Locale.ROOT, "[%.3f, %.3f]", row.low(), row.high()),
                    clock(start, row.firstEstimateAt()),
                    Double.isNaN(row.realised()) ? "-" : String.format(Locale.ROOT, "%.3f", row.realised()),
                    row.labeled(), row.realisedAt() == null ? "-" : clock(start, row.realisedAt()), note)
                    .stripTrailing());
        }
    }

    static String clock(Instant start, Instant at) {
        if (at == null) {
            return "-";
        }
        long seconds = Math.max(0, Duration.between(start, at).toSeconds());
        return String.format(Locale.ROOT, "%02d:%02d", seconds / 60, seconds % 60);
    }

    private static String describe(Duration window) {
        return window.toHours() > 0 && window.toMinutesPart() == 0 && window.toSecondsPart() == 0
                ? window.toHours() + " h" : window.toMinutes() > 0 && window.toSecondsPart() == 0
                ? window.toMinutes() + " min" : window.toSeconds() + " s";
    }
}
