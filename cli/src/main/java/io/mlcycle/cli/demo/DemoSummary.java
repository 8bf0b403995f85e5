package io.mlcycle.cli.demo;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.TrainingRun;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The demo's closing summary, and the verdict on whether the whole loop ran. */
public final class DemoSummary {

    private DemoSummary() {
    }

    /**
     * True when the loop closed: some version was promoted, it made predictions, and outcomes were joined with them.
     */
    public static boolean loopClosed(PipelineObservations.Snapshot snapshot) {
        return snapshot.everPromoted().stream().anyMatch(version ->
                snapshot.predictionsByModel().getOrDefault(version, 0L) > 0
                        && snapshot.labeledWithPredictionsByModel().getOrDefault(version, 0L) > 0);
    }

    public static void print(PrintStream out, DemoScenario.Sent sent, PipelineObservations.Snapshot snapshot,
                             java.time.Instant start, Duration elapsed, Duration truthWindow) {
        out.println();
        out.printf(Locale.ROOT, "Summary after %dm %02ds%n", elapsed.toMinutes(), elapsed.toSecondsPart());
        out.printf(Locale.ROOT, "  applications sent   %7d   accepted by ingestion %d, rejected there %d; "
                + "garbage records written straight to Kafka %d%n", sent.events(), sent.accepted(),
                sent.rejectedAtIngestion(), sent.garbage());
        out.printf(Locale.ROOT, "  raw records         %7d%n", snapshot.rawRecords());
        out.printf(Locale.ROOT, "  validated           %7d%n", snapshot.validated());
        out.printf(Locale.ROOT, "  quarantined         %7d   %s%n", snapshot.quarantined(),
                counts(snapshot.quarantineByReason()));
        out.printf(Locale.ROOT, "  predictions         %7d   %s%n", snapshot.predictions(),
                counts(snapshot.predictionsByModel()));
        out.printf(Locale.ROOT, "  outcomes sent       %7d   joined into labeled examples %d; the others belong to "
                        + "records validation held back, and are reported as unmatched when the label window "
                        + "closes%n", sent.feedback(), snapshot.labeled());
        out.printf(Locale.ROOT, "  labeled examples carrying a prediction, by version: %s%n",
                counts(snapshot.labeledWithPredictionsByModel()));
        out.printf(Locale.ROOT, "  quality windows     %7d   drift alerts %d%n", snapshot.qualityWindows(),
                snapshot.driftAlerts());
        Map<String, Long> runsByStatus = snapshot.runs().values().stream()
                .collect(Collectors.groupingBy(run -> run.getStatus().name(), TreeMap::new, Collectors.counting()));
        out.printf(Locale.ROOT, "  training runs       %7d   %s%n", snapshot.runs().size(), counts(runsByStatus));
        Map<String, Long> runsByTrigger = snapshot.runs().values().stream()
                .collect(Collectors.groupingBy(run -> run.getTriggerReason().name(), TreeMap::new, Collectors.counting()));
        out.printf(Locale.ROOT, "  runs by trigger               %s%n", counts(runsByTrigger));
        out.println("  model versions:");
        snapshot.models().values().stream()
                .sorted(Comparator.comparingInt(ModelVersion::getVersionNumber))
                .forEach(model -> out.printf(Locale.ROOT,
                        "    %-12s %-9s ROC AUC %s (class prior %s)  trained on %d, held out %d  trigger %s%n",
                        model.getVersion(), model.getStage(), metric(model.getOfflineMetrics(), "roc_auc"),
                        metric(model.getBaselineMetrics().getOrDefault("class_prior", Map.of()), "roc_auc"),
                        model.getLineage().getTrainExamples(), model.getLineage().getHoldoutExamples(),
                        model.getLineage().getTriggerReason()));
        String promotedOnline = versions(snapshot, StageScript::promotedOnline);
        String rolledBackOnline = versions(snapshot, StageScript::rolledBackOnline);
        out.printf(Locale.ROOT, "  decided on online evidence: promoted from canary %s; rolled back by itself %s%n",
                promotedOnline.isEmpty() ? "none" : promotedOnline,
                rolledBackOnline.isEmpty() ? "none" : rolledBackOnline);
        TruthSeries.print(out, snapshot.truth(), start, sent.driftAt(), truthWindow);
        if (loopClosed(snapshot)) {
            out.println("  OK: a model was trained, promoted, used for predictions, and its predictions were joined "
                    + "with outcomes.");
        } else {
            out.println("  INCOMPLETE: the loop did not close in this run (no promoted version whose predictions were "
                    + "joined with outcomes); try more --events.");
        }
        out.flush();
    }

    private static String versions(PipelineObservations.Snapshot snapshot,
                                   java.util.function.Predicate<ModelVersion> which) {
        return snapshot.models().values().stream().filter(which)
                .sorted(Comparator.comparingInt(ModelVersion::getVersionNumber)).map(ModelVersion::getVersion)
                .collect(Collectors.joining(", "));
    }

    private static String metric(Map<String, Double> metrics, String name) {
        Double value = metrics.get(name);
        return value == null ? "n/a" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String counts(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "";
        }
        return counts.entrySet().stream().map(entry -> entry.getKey() + " " + entry.getValue())
                .collect(Collectors.joining(", "));
    }

    static String progressLine(PipelineObservations.Snapshot snapshot) {
        TrainingRun lastRun = snapshot.runs().values().stream().reduce((first, second) -> second).orElse(null);
        return String.format(Locale.ROOT,
                "raw %d | validated %d | quarantined %d | predictions %d | labeled %d | champion %s%s",
                snapshot.rawRecords(), snapshot.validated(), snapshot.quarantined(), snapshot.predictions(),
                snapshot.labeled(), snapshot.champion() == null ? "none yet" : snapshot.champion(),
                lastRun == null ? "" : " | last run " + lastRun.getStatus());
    }
}
