package io.mlcycle.serving.truth;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.gates.FutureTimeLimit;
import io.mlcycle.mlcore.monitoring.Calibration;
import io.mlcycle.mlcore.monitoring.Cbpe;
import io.mlcycle.mlcore.monitoring.DivergenceTest;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online truth per model version, variant and event-time window: performance estimated from the logged scores alone
 * (CBPE, with the version's calibration), reconciled with the outcomes as they arrive (label coverage, realised
 * metrics, divergence beyond the estimate's interval), and the count of outcomes whose label the feedback join flagged
 * as suspect ({@code label_suspect} on the labeled example). Input: {@code <p>.predictions} and {@code <p>.examples.labeled} (co-partitioned by event id),
 * decoded as views without their features ({@link TruthTopology#PREDICTION_VIEW}, {@link TruthTopology#LABELED_VIEW}).
 * Output: {@code OnlineMetrics} to {@code <p>.monitoring.metrics} for windows that changed, every punctuation
 * interval (wall clock), and a DEGRADATION alert to {@code <p>.monitoring.alerts} the first time a window's outcomes
 * diverge from its calibrated scores.
 *
 * <p>Divergence is decided by a sequential test per window ({@link DivergenceTest}, stored in
 * {@link TruthTopology#DIVERGENCE_STORE}), updated with each outcome in the order the labeled examples arrive, not by
 * the realised metric leaving the estimate's interval: a window is emitted again and again as its outcomes arrive, and
 * an interval checked at every emission is crossed by chance far more often than its level says (the demo raised
 * such alerts before its drift point). The sequential test's false-alarm rate per window stays at most
 * {@code 1 - monitoring.estimate_level} however often it is looked at. The interval and the realised metrics are still
 * emitted, to read. Each outcome is tested once (the first time its prediction's entry gets one), with the decision
 * the prediction logged and the calibration known for its version at that moment; a replay of the same records in
 * the same order decides the same, at the same outcome.
 *
 * <p>One estimate method for every window, whatever its size: its {@link ScoreBins} (sufficient statistics in a fixed
 * number of score bins split at the window's own threshold), so an emission's cost is bounded (a window of a million
 * predictions costs what one of {@code 2 * ScoreBins.BINS_PER_SIDE} does) and a window's verdict, in particular its
 * one DEGRADATION alert, cannot change because the window grew past some size. (Before, windows of up to 10,000
 * predictions were estimated per prediction and larger ones from bins, so a window whose realised metric sat at its
 * interval's edge could raise its alert only by crossing that size.) Where the bins live is a cost decision that does
 * not change a figure: bins are integer counts, the same whatever order their predictions came in, and the estimate is
 * seeded, so bins kept in step record by record and bins rebuilt from the stored entries give the same estimate to the
 * last bit. Windows over {@link #HELD_BINS_LIMIT} predictions keep theirs in memory; smaller ones rebuild them from
 * their entries at each emission.
 *
 * <p>Expiry is by a watermark over the two inputs: a window is forgotten once the predictions and the labeled examples
 * have both reached past its end plus the retention (in event time). Each input's progress is the start of the latest
 * window it has reached, stored ({@link TruthTopology#PROGRESS_STORE}) when it moves to a later window, so a restart
 * or a rebalance resumes with exactly the watermark the task had, and it costs one write per window and input, not
 * per record. The highest event time of either input (as before) let predictions read far ahead of the labeled
 * examples, in a catch-up, expire a window before its outcomes arrived.
 *
 * <p>A record with a bogus event time far in the future would move its input's progress for good, and windows would
 * then be forgotten right after their first emission until the stream caught up with that time. So, where the spec
 * sets {@code data.max_future}, a record whose event time is more than that after the moment it was written does not
 * move the progress ({@link FutureTimeLimit}, the rule of validation's event-time gate and of serving's HTTP
 * endpoints); it is still counted in its window (emitted like any other) and reported in the log. The moment is read
 * from the record itself, so a replay of the same records gives the same progress whatever the wall clock: a
 * prediction's {@code predicted_at} (the scoring server's clock, the one serving's HTTP gate used), a labeled
 * example's Kafka timestamp (that of the feedback or event record that completed the join: a producer's create time,
 * or the event time itself for file imports, where the check then never holds back). Without {@code max_future}
 * nothing is held back, as validation checks nothing then.
 */
final class TruthProcessor implements Processor<String, Object, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(TruthProcessor.class);

    /**
     * Windows of more than this many predictions keep their {@link ScoreBins} (about 40 KB) in memory between
     * emissions, kept in step with every write; smaller ones rebuild them from their stored entries when emitted (a
     * read of at most this many 9-byte entries), so that bins are held only where reading the window would cost more.
     * Changes no figure, only where the bins come from.
     */
    static final int HELD_BINS_LIMIT = 10_000;
    /** Keys of {@link TruthTopology#PROGRESS_STORE}. */
    static final String PREDICTIONS_INPUT = "predictions";
    static final String LABELED_INPUT = "labeled";
    private static final long NOT_REACHED = Long.MIN_VALUE;
    private static final int DRAWS = 200;
    private static final long SEED = 42;

    private final TruthTopology.Settings settings;
    private final FutureTimeLimit maxFuture;
    /** Records whose progress was held back ({@link #maxFuture}) since the last report, and the latest of them. */
    private long heldBack;
    private String heldBackExample;
    /**
     * The bins of the windows over {@link #HELD_BINS_LIMIT} predictions emitted since this task started, kept in step
     * with the predictions store by every write to it; built from the store when such a window is first emitted after
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
    private KeyValueStore<String, Long> progress;
    private KeyValueStore<String, DivergenceTest> divergence;
    /** The divergence store's values as last written, by window key (written through, cleared by {@link #init}). */
    private final Map<String, DivergenceTest> divergenceCache = new HashMap<>();
    /**
     * The stored progress of each input ({@link TruthTopology#PROGRESS_STORE}), read on first use after {@link #init}
     * (a task's stores are restored before it processes or punctuates), then written through.
     */
    private boolean progressRead;
    private long predictionsReached = NOT_REACHED;
    private long labeledReached = NOT_REACHED;

    TruthProcessor(TruthTopology.Settings settings) {
        this.settings = settings;
        this.maxFuture = FutureTimeLimit.of(settings.spec());
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.windows = context.getStateStore(TruthTopology.WINDOWS_STORE);
        this.predictions = context.getStateStore(TruthTopology.PREDICTIONS_STORE);
        this.progress = context.getStateStore(TruthTopology.PROGRESS_STORE);
        this.divergence = context.getStateStore(TruthTopology.DIVERGENCE_STORE);
        bins.clear();
        windowCache.clear();
        divergenceCache.clear();
        progressRead = false;
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
            long predictedAt = millis(value.get("predicted_at"));
            long eventTime = at != null ? millis(at) : predictedAt;
            if (maxFuture.exceeds(eventTime, predictedAt)) {
                heldBack("prediction", value.get("prediction_id"), eventTime, "predicted_at", predictedAt);
            } else {
                reached(PREDICTIONS_INPUT, eventTime);
            }
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
            // counts even with no prediction to join: the input has reached this event time all the same
            if (maxFuture.exceeds(eventTime, record.timestamp())) {
                heldBack("labeled example", record.key(), eventTime, "record timestamp", record.timestamp());
            } else {
                reached(LABELED_INPUT, eventTime);
            }
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
                if (PredictionEntry.outcome(known) == null) { // a redelivered outcome is tested once
                    test(window, score, (Boolean) prediction.get("decision"), positive);
                }
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

    /** Adds one outcome to its window's sequential divergence test. */
    private void test(TruthWindow window, double score, boolean decision, boolean positive) {
        String key = key(window);
        DivergenceTest test = divergence(key).update(score, decision, positive,
                settings.calibrations().apply(window.version), settings.spec().monitoring().estimateLevel());
        divergence.put(key, test);
        divergenceCache.put(key, test);
    }

    private DivergenceTest divergence(String key) {
        DivergenceTest test = divergenceCache.get(key);
        if (test == null) {
            // none stored: a new window, or one stored before the test existed (tested from its next outcome on)
            test = divergence.get(key);
            test = test == null ? DivergenceTest.START : test;
            divergenceCache.put(key, test);
        }
        return test;
    }

    /** Counts a record that does not move its input's progress; reported at the next emission (not per record). */
    private void heldBack(String what, Object id, long eventTime, String reference, long referenceMs) {
        heldBack++;
        heldBackExample = what + " " + id + " has event time " + Instant.ofEpochMilli(eventTime) + ", more than "
                + maxFuture.maxFuture().orElseThrow() + " after its " + reference + " "
                + Instant.ofEpochMilli(referenceMs);
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

    /**
     * Moves an input's progress to the window of {@code eventTime} if that is later than the one it had reached; stored
     * at window granularity, so at most one write per window and input, and the stored value is always the one in
     * memory (a restart resumes with the same watermark).
     */
    private void reached(String input, long eventTime) {
        readProgress();
        long size = settings.window().toMillis();
        long start = Math.floorDiv(eventTime, size) * size;
        boolean predictionsInput = input.equals(PREDICTIONS_INPUT);
        if (start > (predictionsInput ? predictionsReached : labeledReached)) {
            if (predictionsInput) {
                predictionsReached = start;
            } else {
                labeledReached = start;
            }
            progress.put(input, start);
        }
    }

    private void readProgress() {
        if (!progressRead) {
            Long predictionsStored = progress.get(PREDICTIONS_INPUT);
            Long labeledStored = progress.get(LABELED_INPUT);
            predictionsReached = predictionsStored == null ? NOT_REACHED : predictionsStored;
            labeledReached = labeledStored == null ? NOT_REACHED : labeledStored;
            progressRead = true;
        }
    }

    /**
     * The event time both inputs have reached (window granularity): the lower of the two inputs' progress, but never
     * more than {@link TruthTopology.Settings#maxInputLag()} behind the one ahead (so a stalled input, or one that never
     * has records, cannot keep every window forever); none ({@code Long.MIN_VALUE}) while neither has seen anything.
     */
    private long watermark() {
        readProgress();
        long both = Math.min(predictionsReached, labeledReached);
        long ahead = Math.max(predictionsReached, labeledReached);
        // An input that stalls (or never has records) holds the watermark back at most maxInputLag.
        long capped = ahead == NOT_REACHED ? NOT_REACHED : ahead - settings.maxInputLag().toMillis();
        return Math.max(both, capped);
    }

    private TruthWindow window(String version, Variant variant, long eventTime) {
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
     * Reconciles a window from its bins, whatever its size: the held ones, else built from its stored entries (and
     * held from then on if the window is over {@link #HELD_BINS_LIMIT}).
     */
    private Reconciliation reconcile(String key, TruthWindow window) {
        Calibration calibration = settings.calibrations().apply(window.version);
        Cbpe cbpe = new Cbpe(window.threshold, settings.spec().monitoring().estimateLevel(), DRAWS, SEED);
        ScoreBins held = bins.get(key);
        if (held == null || held.threshold() != window.threshold) {
            held = PredictionEntry.Window.bins(predictions, key + "|", window.threshold);
            if (held.predictions() > HELD_BINS_LIMIT) {
                bins.put(key, held);
            } else {
                bins.remove(key); // about 40 KB each, kept until the window expires: only where reading costs more
            }
        }
        return Reconciliation.of(cbpe, calibration, held);
    }

    private static String key(TruthWindow window) {
        return window.version + "|" + window.variant + "|" + window.start;
    }

    /** The key of one prediction of a window: the window's key, then the prediction id (a prefix per window). */
    private static String entryKey(TruthWindow window, String predictionId) {
        return key(window) + "|" + predictionId;
    }

    /**
     * Emits changed windows and forgets those whose end plus the retention both inputs have passed (in event time).
     */
    void emit(long wallClockMs) {
        if (heldBack > 0) {
            LOG.warn("Online truth of pipeline {}: {} record(s) with an event time beyond data.max_future did not move"
                    + " the progress that expires windows (still counted in their windows); the latest: {}",
                    settings.spec().pipeline(), heldBack, heldBackExample);
            heldBack = 0;
            heldBackExample = null;
        }
        List<KeyValue<String, TruthWindow>> changed = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        long watermark = watermark();
        long horizon = watermark == NOT_REACHED ? NOT_REACHED : watermark - settings.retention().toMillis();
        try (KeyValueIterator<String, TruthWindow> all = windows.all()) {
            while (all.hasNext()) {
                KeyValue<String, TruthWindow> entry = all.next();
                if (entry.value.dirty) {
                    changed.add(entry);
                } else if (entry.value.end <= horizon) {
                    expired.add(entry.key);
                }
            }
        }
        for (KeyValue<String, TruthWindow> entry : changed) {
            TruthWindow window = entry.value;
            DivergenceTest test = divergence(entry.key);
            Reconciliation reconciliation = reconcile(entry.key, window).decidedBy(test.rejects(alpha()));
            Map<String, Double> metrics = new LinkedHashMap<>(reconciliation.toMetrics());
            metrics.put("divergence_p_value", test.pValue());
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
                        test, wallClockMs), wallClockMs), TruthTopology.ALERTS_SINK);
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
            divergence.delete(window);
            divergenceCache.remove(window);
            bins.remove(window);
        }
    }

    /** The level of the divergence test: one minus the estimate's level. */
    private double alpha() {
        return 1 - settings.spec().monitoring().estimateLevel();
    }

    /** What diverged, with the sequential test's evidence and the realised metrics beside their estimate. */
    private String message(TruthWindow window, Reconciliation r, DivergenceTest test) {
        PerformanceEstimate estimate = r.labeledEstimate();
        String realised = String.format(Locale.ROOT, "realised accuracy %.3f against %.3f estimated from the scores"
                        + " (%.0f %% interval [%.3f, %.3f])", r.realisedAccuracy(), estimate.accuracy(),
                100 * estimate.level(), estimate.accuracyLow(), estimate.accuracyHigh());
        if (!Double.isNaN(r.realisedRocAuc())) {
            realised += String.format(Locale.ROOT, ", realised ROC AUC %.3f against %.3f", r.realisedRocAuc(),
                    estimate.rocAuc());
        }
        return String.format(Locale.ROOT, "On %d labeled predictions of %s in the window from %s, the outcomes"
                        + " diverge from the calibrated scores: %s (a sequential test, significant from outcome %d on, always-valid"
                        + " p-value %.2g, valid however often the window is looked at); %s. Beyond the calibration's"
                        + " error and chance, so the scores no longer mean what they meant at training (P(label |"
                        + " features) changed)", r.labeled(), window.version, Instant.ofEpochMilli(window.start),
                test.finding(alpha()), test.rejectedAt(), test.pValue(), realised);
    }

    private Alert alert(TruthWindow window, Reconciliation r, DivergenceTest test, long now) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("window_start", Instant.ofEpochMilli(window.start).toString());
        evidence.put("labeled", Long.toString(r.labeled()));
        evidence.put("realised_accuracy", Double.toString(r.realisedAccuracy()));
        evidence.put("estimated_accuracy", Double.toString(r.labeledEstimate().accuracy()));
        evidence.put("estimated_accuracy_low", Double.toString(r.labeledEstimate().accuracyLow()));
        evidence.put("estimated_accuracy_high", Double.toString(r.labeledEstimate().accuracyHigh()));
        evidence.put("realised_roc_auc", Double.toString(r.realisedRocAuc()));
        evidence.put("estimated_roc_auc", Double.toString(r.labeledEstimate().rocAuc()));
        evidence.put("divergence_p_value", Double.toString(test.pValue()));
        evidence.put("divergence_rejected_at", Long.toString(test.rejectedAt()));
        return Alert.newBuilder()
                .setAlertId(UUID.randomUUID().toString())
                .setPipeline(settings.spec().pipeline())
                .setType(AlertType.DEGRADATION)
                .setSeverity(Severity.WARNING)
                .setSourceService("serving-feedback")
                .setSubject(window.version)
                .setMessage(message(window, r, test))
                .setEvidence(evidence)
                .setRaisedAt(Instant.ofEpochMilli(now))
                .build();
    }
}
