package io.mlcycle.cli.demo;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the demo has seen on the pipeline's topics: counts and the latest state of every model version.
 *
 * <p>Updated by the {@link Timeline}'s consumer thread and read by the demo driver and the summary, so every method
 * is synchronised; {@link #snapshot()} returns an immutable copy.
 */
public final class PipelineObservations {

    /** An immutable copy of the observations at one moment. */
    public record Snapshot(
            long rawRecords,
            long validated,
            long quarantined,
            Map<String, Long> quarantineByReason,
            Map<String, Long> quarantineByStage,
            long quarantinedFromRaw,
            long predictions,
            Map<String, Long> predictionsByModel,
            long feedback,
            long labeled,
            Map<String, Long> labeledWithPredictionsByModel,
            Map<String, ModelVersion> models,
            long qualityWindows,
            long driftAlerts,
            Map<String, TrainingRun> runs,
            List<TruthSeries.Row> truth) {

        /** The current champion's version, or null. */
        public String champion() {
            return models.values().stream()
                    .filter(model -> model.getStage() == Stage.CHAMPION)
                    .max((a, b) -> Integer.compare(a.getVersionNumber(), b.getVersionNumber()))
                    .map(ModelVersion::getVersion)
                    .orElse(null);
        }

        /** Every record of data.raw seen so far ended in data.validated or in data.quarantine. */
        public boolean rawRecordsAccountedFor() {
            return validated + quarantinedFromRaw == rawRecords;
        }

        /** Versions that were ever champion, in version order. */
        public Set<String> everPromoted() {
            Set<String> promoted = new TreeSet<>();
            models.values().forEach(model -> {
                boolean wasChampion = model.getStage() == Stage.CHAMPION
                        || model.getHistory().stream().anyMatch(step -> step.getToStage() == Stage.CHAMPION);
                if (wasChampion) {
                    promoted.add(model.getVersion());
                }
            });
            return promoted;
        }
    }

    /** Event ids whose labeled examples are counted apart (the demo's corrupted outcomes). */
    private final java.util.Set<String> watched = new java.util.HashSet<>();
    private long watchedLabeled;
    private long rawRecords;
    private long validated;
    private long quarantined;
    private final Map<String, Long> quarantineByReason = new TreeMap<>();
    private final Map<String, Long> quarantineByStage = new TreeMap<>();
    private long quarantinedFromRaw;
    private long predictions;
    private final Map<String, Long> predictionsByModel = new TreeMap<>();
    private long feedback;
    private long labeled;
    private final Map<String, Long> labeledWithPredictionsByModel = new TreeMap<>();
    private final Map<String, ModelVersion> models = new TreeMap<>();
    private long qualityWindows;
    private long driftAlerts;
    private final Map<String, TrainingRun> runs = new LinkedHashMap<>();
    private final TruthSeries truth = new TruthSeries();

    synchronized void rawRecord() {
        rawRecords++;
    }

    synchronized void validatedRecord() {
        validated++;
    }

    /**
     * Counts a quarantined record ({@code fromRaw}: it was read from data.raw, so it counts in the accounting of
     * that topic); returns true the first time its first reason code is seen.
     */
    synchronized boolean quarantined(QuarantineRecord record, boolean fromRaw) {
        quarantined++;
        quarantinedFromRaw += fromRaw ? 1 : 0;
        String code = record.getReasons().isEmpty() ? "UNKNOWN" : record.getReasons().get(0).getCode();
        boolean first = !quarantineByReason.containsKey(code);
        quarantineByReason.merge(code, 1L, Long::sum);
        quarantineByStage.merge(record.getStage().name(), 1L, Long::sum);
        return first;
    }

    /** Counts a prediction; returns true if it is the first one of its model version. */
    synchronized boolean prediction(Prediction prediction) {
        predictions++;
        boolean first = !predictionsByModel.containsKey(prediction.getModelVersion());
        predictionsByModel.merge(prediction.getModelVersion(), 1L, Long::sum);
        return first;
    }

    synchronized void feedback() {
        feedback++;
    }

    /** Counts a labeled example; returns true if it is the first one carrying a prediction of that version. */
    synchronized boolean labeled(LabeledExample example) {
        labeled++;
        if (watched.remove(example.getEventId())) {
            watchedLabeled++;
        }
        boolean firstForAVersion = false;
        for (String version : example.getPredictions().stream().map(PredictionSummary::getModelVersion)
                .distinct().toList()) {
            firstForAVersion |= !labeledWithPredictionsByModel.containsKey(version);
            labeledWithPredictionsByModel.merge(version, 1L, Long::sum);
        }
        return firstForAVersion;
    }

    /** Records a model version's new state; returns the previous state, or null for a new version. */
    synchronized ModelVersion model(ModelVersion model) {
        return models.put(model.getVersion(), model);
    }

    synchronized void qualityReport(QualityReport report) {
        qualityWindows++;
    }

    synchronized void alert(Alert alert) {
        if (alert.getType() == io.mlcycle.avro.AlertType.DRIFT) {
            driftAlerts++;
        }
    }

    /** Takes a record of monitoring.metrics (the truth topology's estimated and realised accuracy). */
    synchronized void onlineMetrics(OnlineMetrics metrics) {
        truth.add(metrics);
    }

    /** Records a run's new state; returns the previous one, or null. */
    synchronized TrainingRun run(TrainingRun run) {
        return runs.put(run.getRunId(), run);
    }

    /** Counts the labeled example of {@code eventId} apart when it arrives ({@link #watchedLabeled()}). */
    synchronized void watch(String eventId) {
        watched.add(eventId);
    }

    /** How many labeled examples of watched event ids arrived. */
    synchronized long watchedLabeled() {
        return watchedLabeled;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(rawRecords, validated, quarantined, sorted(quarantineByReason),
                sorted(quarantineByStage), quarantinedFromRaw, predictions,
                sorted(predictionsByModel), feedback, labeled, sorted(labeledWithPredictionsByModel),
                sorted(models), qualityWindows, driftAlerts, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(runs)),
                List.copyOf(truth.rows()));
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return java.util.Collections.unmodifiableMap(new TreeMap<>(map));
    }

    static String firstReasonDetail(QuarantineRecord record) {
        if (record.getReasons().isEmpty()) {
            return "no reason given";
        }
        QuarantineReason reason = record.getReasons().get(0);
        return reason.getDetail();
    }
}
