package io.mlcycle.serving.truth;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.monitoring.Calibration;
import io.mlcycle.mlcore.monitoring.Cbpe;
import io.mlcycle.mlcore.monitoring.PerformanceEstimate;
import io.mlcycle.mlcore.monitoring.Reconciliation;
import io.mlcycle.mlcore.monitoring.ScoreBins;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Online truth per model version, variant and event-time window: performance estimated from the logged scores alone
 * (CBPE, with the version's calibration), reconciled with the outcomes as they arrive (label coverage, realised
 * metrics, divergence beyond the estimate's interval), and the count of outcomes whose label the feedback join flagged
 * as suspect ({@code label_suspect} on the labeled example). Input: {@code <p>.predictions} and {@code <p>.examples.labeled} (co-partitioned by event id),
 * decoded as views without their features ({@link TruthTopology#PREDICTION_VIEW}, {@link TruthTopology#LABELED_VIEW}).
 * Output: {@code OnlineMetrics} to {@code <p>.monitoring.metrics} for windows that changed, every punctuation
 * interval (wall clock), and a DEGRADATION alert to {@code <p>.monitoring.alerts} the first time a window's realised
 * metrics leave the estimate's interval.
 *
 * <p>An emission's cost is bounded whatever a window's size: a window of up to {@link #EXACT_LIMIT} predictions is
 * estimated per prediction from its stored entries, a larger one from its {@link ScoreBins} (sufficient statistics
 * in a fixed number of score bins, updated with every entry written), so a window of a million predictions costs an
 * emission what one of {@code 2 * ScoreBins.BINS_PER_SIDE} does. The estimate decides at the window's own threshold.
 */
final class TruthProcessor implements Processor<String, Object, String, Object> {

    /**
     * Windows of up to this many predictions are estimated per prediction ({@link Reconciliation#of(Cbpe,
     * Calibration, double[], Boolean[], double)}, at most {@code 2 * DRAWS * EXACT_LIMIT} random draws); larger ones
     * from their {@link ScoreBins}, whose cost does not grow with the window.
     */
    static final int EXACT_LIMIT = 10_000;
    private static final int DRAWS = 200;
    private static final long SEED = 42;

    private final TruthTopology.Settings settings;
    /**
     * The bins of the windows over {@link #EXACT_LIMIT} predictions emitted since this task started, kept in step with
     * the predictions store by every write to it; built from the store when such a window is first emitted after
     * {@link #init} (e.g. a restore after a crash, which also rolls the store back to its last commit), after its
     * threshold changed, or when it first grows past the limit.
     */
    private final Map<String, ScoreBins> bins = new HashMap<>();
    /**
     * The windows store's values as last written, by key: every prediction reads its window, and reading it from
     * the store was a RocksDB read and a JSON parse per record. Written through ({@link #save}), cleared by
     * {@link #init}, so it never holds what the store does not.
     */
    private final Map<String, TruthWindow> windowCache = new HashMap<>();
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, TruthWindow> windows;
    private KeyValueStore<String, byte[]> predictions;
    private long maxEventTime = Long.MIN_VALUE;

    TruthProcessor(TruthTopology.Settings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.windows = context.getStateStore(TruthTopology.WINDOWS_STORE);
        this.predictions = context.getStateStore(TruthTopology.PREDICTIONS_STORE);
        bins.clear();
        windowCache.clear();
        context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::emit);
    }

    @Override
    public void process(Record<String, Object> record) {
        // views of a Prediction and a LabeledExample (TruthTopology.PREDICTION_VIEW, LABELED_VIEW), by field name
        if (!(record.value() instanceof GenericRecord value)) {
            return;
        }
        if (value.getSchema().getName().equals(TruthTopology.PREDICTION_VIEW.getName())) {
            Object at = value.get("event_time");
            long eventTime = millis(at != null ? at : value.get("predicted_at"));
            double score = (Double) value.get("score");
            double threshold = (Double) value.get("threshold");
            TruthWindow window = window(value.get("model_version").toString(), variant(value.get("variant")),
                    eventTime);
            String entry = entryKey(window, value.get("prediction_id").toString());
            byte[] known = predictions.get(entry);
            Boolean outcome = PredictionEntry.outcome(known);
            predictions.put(entry, PredictionEntry.encode(score, outcome));
            boolean changed = !window.dirty || window.threshold != threshold;
            window.threshold = threshold;
            track(window, known, score, outcome);
            window.dirty = true;
            if (changed) {
                save(key(window), window);
            }
        } else if (value.getSchema().getName().equals(TruthTopology.LABELED_VIEW.getName())) {
            long eventTime = millis(value.get("event_time"));
            boolean positive = (Boolean) value.get("positive");
            // the feedback join judged the label (it owns the thresholds); counted here, not recomputed
            boolean suspect = (Boolean) value.get("label_suspect");
            for (Object item : (List<?>) value.get("predictions")) {
                GenericRecord prediction = (GenericRecord) item;
                Variant variant = variant(prediction.get("variant"));
                TruthWindow window = window(prediction.get("model_version").toString(), variant, eventTime);
                String entry = entryKey(window, prediction.get("prediction_id").toString());
                byte[] known = predictions.get(entry);
                double score = known == null ? (Double) prediction.get("score") : PredictionEntry.score(known);
                predictions.put(entry, PredictionEntry.encode(score, positive));
                track(window, known, score, positive);
                boolean changed = !window.dirty;
                if (suspect && variant == Variant.CHAMPION) {
                    window.flagged++;
                    changed = true;
                }
                window.dirty = true;
                if (changed) {
                    save(key(window), window);
                }
            }
        }
    }

    /** A timestamp-millis field as read generically: a long, or an Instant where a conversion is registered. */
    private static long millis(Object value) {
        return value instanceof Instant instant ? instant.toEpochMilli() : (Long) value;
    }

    private static Variant variant(Object symbol) {
        try {
            return Variant.valueOf(symbol.toString());
        } catch (IllegalArgumentException e) {
            return Variant.UNKNOWN;
        }
    }

    private TruthWindow window(String version, Variant variant, long eventTime) {
        maxEventTime = Math.max(maxEventTime, eventTime);
        long size = settings.window().toMillis();
        long start = Math.floorDiv(eventTime, size) * size;
        String key = version + "|" + variant + "|" + start;
        TruthWindow window = windowCache.get(key);
        if (window == null) {
            window = windows.get(key);
            if (window != null) {
                windowCache.put(key, window);
            }
        }
        return window != null ? window : new TruthWindow(version, variant.name(), start, start + size);
    }

    private void save(String key, TruthWindow window) {
        windows.put(key, window);
        windowCache.put(key, window);
    }

    /** Moves a prediction of a window from its stored entry before ({@code null}: none) to its new score and outcome. */
    private void track(TruthWindow window, byte[] before, double score, Boolean outcome) {
        String key = key(window);
        ScoreBins held = bins.get(key);
        if (held == null) {
            return;
        }
        if (held.threshold() != window.threshold) {
            bins.remove(key); // split at the old threshold: rebuilt from the store when next emitted
            return;
        }
        if (before != null) {
            held.remove(PredictionEntry.score(before), PredictionEntry.outcome(before));
        }
        held.add(score, outcome);
    }

    /**
     * Reconciles a window: per prediction while it is small, else from its bins (built from the store the first time).
     */
    private Reconciliation reconcile(String key, TruthWindow window) {
        Calibration calibration = settings.calibrations().apply(window.version);
        Cbpe cbpe = new Cbpe(window.threshold, settings.spec().monitoring().estimateLevel(), DRAWS, SEED);
        ScoreBins held = bins.get(key);
        PredictionEntry.Window stored = null;
        if (held == null || held.threshold() != window.threshold) {
            stored = PredictionEntry.Window.of(predictions, key + "|");
            if (stored.scores().length <= EXACT_LIMIT) {
                // bins only for windows that use them: about 40 KB each, kept until the window expires
                bins.remove(key);
                return Reconciliation.of(cbpe, calibration, stored.scores(), stored.outcomes(), window.threshold);
            }
            held = new ScoreBins(window.threshold);
            for (int i = 0; i < stored.scores().length; i++) {
                held.add(stored.scores()[i], stored.outcomes()[i]);
            }
            bins.put(key, held);
        }
        if (held.predictions() > EXACT_LIMIT) {
            return Reconciliation.of(cbpe, calibration, held);
        }
        if (stored == null) {
            stored = PredictionEntry.Window.of(predictions, key + "|");
        }
        return Reconciliation.of(cbpe, calibration, stored.scores(), stored.outcomes(), window.threshold);
    }

    private static String key(TruthWindow window) {
        return window.version + "|" + window.variant + "|" + window.start;
    }

    /** The key of one prediction of a window: the window's key, then the prediction id (a prefix per window). */
    private static String entryKey(TruthWindow window, String predictionId) {
        return key(window) + "|" + predictionId;
    }

    /** Emits changed windows and forgets windows older than the retention (in event time). */
    void emit(long wallClockMs) {
        List<KeyValue<String, TruthWindow>> changed = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        long horizon = maxEventTime == Long.MIN_VALUE ? Long.MIN_VALUE
                : maxEventTime - settings.retention().toMillis();
        try (KeyValueIterator<String, TruthWindow> all = windows.all()) {
            while (all.hasNext()) {
                KeyValue<String, TruthWindow> entry = all.next();
                if (entry.value.dirty) {
                    changed.add(entry);
                } else if (entry.value.end < horizon) {
                    expired.add(entry.key);
                }
            }
        }
        for (KeyValue<String, TruthWindow> entry : changed) {
            TruthWindow window = entry.value;
            Reconciliation reconciliation = reconcile(entry.key, window);
            Map<String, Double> metrics = new LinkedHashMap<>(reconciliation.toMetrics());
            OnlineMetrics online = OnlineMetrics.newBuilder()
                    .setPipeline(settings.spec().pipeline())
                    .setModelVersion(window.version)
                    .setVariant(Variant.valueOf(window.variant))
                    .setWindowStart(Instant.ofEpochMilli(window.start))
                    .setWindowEnd(Instant.ofEpochMilli(window.end))
                    .setPredictions(reconciliation.predictions())
                    .setLabeled(reconciliation.labeled())
                    .setMetrics(metrics)
                    .setEmittedAt(Instant.ofEpochMilli(wallClockMs))
                    .setFlaggedLabels(window.flagged)
                    // each task (input partition) keeps its own windows: say which part of the traffic this covers
                    .setTaskPartition(context.taskId().partition())
                    .build();
            context.forward(new Record<>(window.version, (Object) online, wallClockMs), TruthTopology.METRICS_SINK);
            if (reconciliation.diverged() && !window.alerted) {
                window.alerted = true;
                context.forward(new Record<>("DEGRADATION:" + window.version, (Object) alert(window, reconciliation,
                        wallClockMs), wallClockMs), TruthTopology.ALERTS_SINK);
            }
            window.dirty = false;
            save(entry.key, window);
        }
        for (String window : expired) {
            for (String prediction : PredictionEntry.Window.keys(predictions, window + "|")) {
                predictions.delete(prediction);
            }
            windows.delete(window);
            windowCache.remove(window);
            bins.remove(window);
        }
    }

    /** Names the metric that left its interval (accuracy, ROC AUC or both) with its numbers. */
    private static String message(TruthWindow window, Reconciliation r) {
        PerformanceEstimate estimate = r.labeledEstimate();
        List<String> outside = new ArrayList<>();
        if (!estimate.accuracyConsistent(r.realisedAccuracy())) {
            outside.add(String.format(Locale.ROOT, "realised accuracy %.3f is outside its %.0f %% interval [%.3f, %.3f]",
                    r.realisedAccuracy(), 100 * estimate.level(), estimate.accuracyLow(), estimate.accuracyHigh()));
        }
        if (!estimate.rocAucConsistent(r.realisedRocAuc())) {
            outside.add(String.format(Locale.ROOT, "realised ROC AUC %.3f is outside its %.0f %% interval [%.3f, %.3f]",
                    r.realisedRocAuc(), 100 * estimate.level(), estimate.rocAucLow(), estimate.rocAucHigh()));
        }
        return String.format(Locale.ROOT, "On %d labeled predictions of %s in the window from %s, %s estimated from the scores:"
                        + " beyond the calibration's error and chance, so the scores no longer mean what they meant"
                        + " at training (P(label | features) changed)", r.labeled(), window.version,
                Instant.ofEpochMilli(window.start), String.join(" and ", outside));
    }

    private Alert alert(TruthWindow window, Reconciliation r, long now) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("window_start", Instant.ofEpochMilli(window.start).toString());
        evidence.put("labeled", Long.toString(r.labeled()));
        evidence.put("realised_accuracy", Double.toString(r.realisedAccuracy()));
        evidence.put("estimated_accuracy", Double.toString(r.labeledEstimate().accuracy()));
        evidence.put("estimated_accuracy_low", Double.toString(r.labeledEstimate().accuracyLow()));
        evidence.put("estimated_accuracy_high", Double.toString(r.labeledEstimate().accuracyHigh()));
        evidence.put("realised_roc_auc", Double.toString(r.realisedRocAuc()));
        evidence.put("estimated_roc_auc", Double.toString(r.labeledEstimate().rocAuc()));
        return Alert.newBuilder()
                .setAlertId(UUID.randomUUID().toString())
                .setPipeline(settings.spec().pipeline())
                .setType(AlertType.DEGRADATION)
                .setSeverity(Severity.WARNING)
                .setSourceService("serving-feedback")
                .setSubject(window.version)
                .setMessage(message(window, r))
                .setEvidence(evidence)
                .setRaisedAt(Instant.ofEpochMilli(now))
                .build();
    }
}
