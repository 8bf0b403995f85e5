package io.mlcycle.cli.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.Prediction;
import io.mlcycle.mlcore.monitoring.PrequentialEvaluator;
import io.mlcycle.mlcore.monitoring.PrequentialRule;
import io.mlcycle.schemas.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of a replay: prequential metrics of the model overall, per version and over time next to the no-change
 * and class-prior baselines, and the check of the prequential rule against the versions' lineage.
 */
final class ReplayReport {

    /** What was computed, also for tests and the chart. */
    record Figures(long events, long validated, long quarantined, long rejected, long scored,
                   PrequentialEvaluator.Result prequential, List<PrequentialRule.Violation> violations,
                   Map<String, Long> latestOutcomeByVersion, Map<String, Prediction> predictions,
                   List<ReplayObserver.Mark> marks, Map<String, Long> runsByStatus, long driftAlerts) {
    }

    private ReplayReport() {
    }

    static Figures compute(ReplayRunner.Outcome outcome, Duration period, int rollingWindow) {
        ReplayObserver observer = outcome.observer();
        Map<String, Prediction> predictions = observer.predictions();
        List<PrequentialEvaluator.Observation> observations = new ArrayList<>();
        List<PrequentialRule.Scored> scored = new ArrayList<>();
        long validated = 0;
        long quarantined = 0;
        for (ReplayPlan.Event event : outcome.plan().events()) {
            if (observer.validated(event.eventId()) == null) {
                quarantined += observer.quarantined(event.eventId()) ? 1 : 0;
                continue;
            }
            validated++;
            Prediction prediction = predictions.get(event.eventId());
            observations.add(new PrequentialEvaluator.Observation(event.eventId(), event.eventTime(),
                    event.observedAt(), event.positive(), prediction == null ? null : prediction.getModelVersion(),
                    prediction == null ? 0 : prediction.getScore(), prediction != null && prediction.getDecision()));
            if (prediction != null) {
                scored.add(new PrequentialRule.Scored(event.eventId(), event.eventTime(),
                        prediction.getModelVersion()));
            }
        }
        Map<String, Long> latest = latestOutcomePerVersion(observer, outcome.pipeline());
        PrequentialEvaluator.Result result = new PrequentialEvaluator(period.toMillis(), rollingWindow)
                .evaluate(observations);
        Map<String, Long> runs = new TreeMap<>();
        observer.triggers().keySet().forEach(id -> {
            var run = observer.runOf(id);
            if (run != null) {
                runs.merge(run.getStatus().name(), 1L, Long::sum);
            }
        });
        long drift = observer.marks().stream().filter(m -> m.kind().equals("drift")).count();
        return new Figures(outcome.plan().events().size(), validated, quarantined,
                outcome.rejectedAtIngestion().size(), scored.size(), result, PrequentialRule.check(scored, latest),
                latest, predictions, observer.marks(), runs, drift);
    }

    /** Per version: the latest observation time of the outcomes in its training dataset (its lineage's ranges). */
    static Map<String, Long> latestOutcomePerVersion(ReplayObserver observer, String pipeline) {
        String labeledTopic = Topics.EXAMPLES_LABELED.name(pipeline);
        Map<ReplayObserver.Position, LabeledExample> byPosition = observer.labeledByPosition();
        Map<Integer, TreeMap<Long, Long>> observedByOffset = new HashMap<>();
        byPosition.forEach((position, example) -> observedByOffset
                .computeIfAbsent(position.partition(), p -> new TreeMap<>())
                .put(position.offset(), example.getObservedAt().toEpochMilli()));
        Map<String, Long> latest = new TreeMap<>();
        for (ModelVersion version : observer.models().values()) {
            long max = Long.MIN_VALUE;
            for (OffsetRange range : version.getLineage().getDataset()) {
                if (!range.getTopic().equals(labeledTopic)) {
                    continue;
                }
                TreeMap<Long, Long> offsets = observedByOffset.get(range.getPartition());
                if (offsets == null) {
                    continue;
                }
                for (long observed : offsets.subMap(range.getStartOffset(), range.getEndOffset()).values()) {
                    max = Math.max(max, observed);
                }
            }
            latest.put(version.getVersion(), max);
        }
        return latest;
    }

    static void print(PrintStream out, ReplayRunner.Outcome outcome, Figures figures, String fileName,
                      String chart) {
        PrequentialEvaluator.Result r = figures.prequential();
        out.printf("%nReplay of %s: %d events in %d batches, %s%n", fileName, figures.events(), outcome.batches(),
                human(outcome.elapsed()));
        out.printf("  events      %d validated, %d quarantined, %d rejected at ingestion; %d rows without a valid label"
                        + " left out%n", figures.validated(), figures.quarantined(), figures.rejected(),
                outcome.plan().skippedRows());
        out.printf("  scored      %d (%d before the first model)%n", figures.scored(), r.unscored());
        ReplayRunner.OutcomesHeldBack heldBack = outcome.outcomesHeldBack();
        if (!heldBack.isEmpty()) {
            out.printf("  outcomes    %d not delivered: %d observed more than data.max_future after now (feedback"
                            + " refuses them until then), %d refused by feedback%n",
                    heldBack.notYetObservable().size() + heldBack.refused().size(),
                    heldBack.notYetObservable().size(), heldBack.refused().size());
            heldBack.refused().entrySet().stream().limit(3).forEach(e -> out.printf("    %s: %s%n", e.getKey(),
                    e.getValue()));
        }
        out.printf("  training    %d trigger(s) from the replay; runs %s; drift alerts %d%n",
                outcome.triggersPublished(), figures.runsByStatus(), figures.driftAlerts());
        if (figures.violations().isEmpty()) {
            out.printf("  prequential rule held: every scored event was scored by a version whose training outcomes"
                    + " were all observed at or before the event's time%n");
        } else {
            out.printf("  PREQUENTIAL RULE VIOLATED for %d event(s), e.g.:%n", figures.violations().size());
            figures.violations().stream().limit(5).forEach(v -> out.printf(
                    "    event %s at %s scored by %s, which learnt from an outcome observed at %s%n", v.eventId(),
                    Instant.ofEpochMilli(v.eventTime()), v.modelVersion(),
                    v.latestOutcomeObservedAt() == Long.MAX_VALUE ? "an unknown time"
                            : Instant.ofEpochMilli(v.latestOutcomeObservedAt())));
        }
        out.printf("%nPrequential accuracy (every prediction made before its outcome was known)%n");
        out.printf("  %-24s %9s %9s%n", "", "accuracy", "events");
        out.printf("  %-24s %9.4f %9d%n", "model", r.model().accuracy(), r.model().total());
        out.printf("  %-24s %9.4f %9d%n", "no-change baseline", r.noChange().accuracy(), r.noChange().total());
        out.printf("  %-24s %9.4f %9d%n", "class-prior baseline", r.classPrior().accuracy(), r.classPrior().total());
        out.printf("  %-24s %9.4f%n", "model ROC AUC", r.rocAuc());
        out.printf("%nBy version%n  %-16s %9s %9s%n", "version", "events", "accuracy");
        r.perVersion().forEach((version, tally) -> out.printf("  %-16s %9d %9.4f%n", version, tally.total(),
                tally.accuracy()));
        out.printf("%nOver time%n  %-12s %9s %9s %10s %12s%n", "from", "events", "model", "no-change", "class prior");
        for (PrequentialEvaluator.Period period : r.periods()) {
            out.printf("  %-12s %9d %9.4f %10.4f %12.4f%n", Instant.ofEpochMilli(period.start()).toString()
                            .substring(0, 10), period.model().total(), period.model().accuracy(),
                    period.noChange().accuracy(), period.classPrior().accuracy());
        }
        if (chart != null) {
            out.printf("%nChart: %s%n", chart);
        }
    }

    static String json(ReplayRunner.Outcome outcome, Figures figures, String chart) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        PrequentialEvaluator.Result r = figures.prequential();
        root.put("events", figures.events());
        root.put("validated", figures.validated());
        root.put("quarantined", figures.quarantined());
        root.put("rejected", figures.rejected());
        root.put("skipped_rows", outcome.plan().skippedRows());
        root.put("scored", figures.scored());
        root.put("outcomes_not_yet_observable", outcome.outcomesHeldBack().notYetObservable().size());
        ObjectNode refused = root.putObject("outcomes_refused");
        outcome.outcomesHeldBack().refused().forEach(refused::put);
        root.put("batches", outcome.batches());
        root.put("elapsed_ms", outcome.elapsed().toMillis());
        root.put("accuracy", r.model().accuracy());
        root.put("no_change_accuracy", r.noChange().accuracy());
        root.put("class_prior_accuracy", r.classPrior().accuracy());
        root.put("roc_auc", r.rocAuc());
        root.put("prequential_violations", figures.violations().size());
        ObjectNode versions = root.putObject("versions");
        r.perVersion().forEach((version, tally) -> versions.putObject(version).put("events", tally.total())
                .put("accuracy", tally.accuracy()));
        ArrayNode periods = root.putArray("periods");
        r.periods().forEach(p -> periods.addObject().put("start", Instant.ofEpochMilli(p.start()).toString())
                .put("events", p.model().total()).put("accuracy", p.model().accuracy())
                .put("no_change_accuracy", p.noChange().accuracy())
                .put("class_prior_accuracy", p.classPrior().accuracy()));
        ObjectNode runs = root.putObject("runs");
        figures.runsByStatus().forEach(runs::put);
        root.put("drift_alerts", figures.driftAlerts());
        if (chart != null) {
            root.put("chart", chart);
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + "m " + (s % 60) + "s" : s + "s";
    }
}
