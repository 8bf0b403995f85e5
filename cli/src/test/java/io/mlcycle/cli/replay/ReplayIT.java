package io.mlcycle.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Prediction;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small synthetic history replayed twice through the whole pipeline, each time on a fresh embedded Kafka: the
 * predictions (version and score per event) and the metrics are the same both times, and no event is scored by a
 * model that learnt from an outcome observed after the event's time.
 */
class ReplayIT {

    static final String SPEC = """
            pipeline: PIPELINE
            data:
              record: Reading
              key: id
              event_time: at
              fields:
                - {name: id, type: string, required: true}
                - {name: at, type: timestamp, required: true}
                - {name: x1, type: double, feature: true}
                - {name: x2, type: double, feature: true}
                - {name: previous, type: category, values: ["yes", "no"], feature: true}
                - {name: outcome, type: category, values: ["yes", "no"]}
            label:
              field: outcome
              positive: "yes"
              delay: PT3M
            training:
              min_examples: 40
              max_examples: 200
              hyperparameters: {epochs: 5}
            triggers:
              volume: 40
              cooldown: PT0.001S
            drift:
              window_records: 100000
            promotion:
              min_lift: 0
              non_inferiority_margin: 0.05
            replay:
              event_time: row_order
              start: 2020-01-01T00:00:00Z
              step: PT1M
              previous_label: previous
              batch: PT30M
            """;

    @TempDir
    Path dir;

    @Test
    void replayIsDeterministicAndPrequential() throws Exception {
        Path specA = dir.resolve("synth-a.yaml");
        Files.writeString(specA, SPEC.replace("PIPELINE", "synth-a"));
        Path specB = dir.resolve("synth-b.yaml");
        Files.writeString(specB, SPEC.replace("PIPELINE", "synth-b"));
        Path history = dir.resolve("history.csv");
        StringBuilder csv = new StringBuilder("id,x1,x2,outcome\n");
        Random random = new Random(3);
        for (int i = 0; i < 180; i++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            double z = 2 * x1 - x2;
            boolean yes = random.nextDouble() < 1 / (1 + Math.exp(-2 * z));
            csv.append(',').append(x1).append(',').append(x2).append(',').append(yes ? "yes" : "no").append('\n');
        }
        Files.writeString(history, csv);
        PipelineSpec a = PipelineSpecParser.parse(specA);
        PipelineSpec b = PipelineSpecParser.parse(specB);
        ReplayPlan planA = ReplayPlan.build(a, HistoryFile.read(history, 0));
        ReplayPlan planB = ReplayPlan.build(b, HistoryFile.read(history, 0));
        assertThat(planA.events()).hasSize(180);

        ReplayCommand.Replayed first;
        ReplayCommand.Replayed second;
        // one broker, two pipelines with the same spec but their name: each replay starts from nothing
        try (LocalStack stack = LocalStack.ephemeral()) {
            first = ReplayCommand.replay(stack, specA, a, planA, Duration.ofSeconds(60), p -> { },
                    Duration.ofHours(1), 50);
            second = ReplayCommand.replay(stack, specB, b, planB, Duration.ofSeconds(60), p -> { },
                    Duration.ofHours(1), 50);
        }
        ReplayPlan plan = planA;

        ReplayReport.Figures figures = first.figures();
        assertThat(figures.validated()).isEqualTo(180);
        assertThat(figures.violations()).isEmpty();
        // the first model needs 40 outcomes, known after the second batch of 30, but with 10 held out it cannot be
        // shown to beat the best simple rule and is rejected; the volume retrain after the fourth batch is promoted,
        // and from then on every event is scored
        assertThat(figures.scored()).isEqualTo(60L);
        // the version promoted after the sixth batch has no event left to score
        assertThat(figures.prequential().perVersion()).hasSize(1);
        assertThat(figures.prequential().model().accuracy())
                .isGreaterThan(figures.prequential().classPrior().accuracy());
        // every version's training outcomes were observed before the first event it scored
        Map<String, Long> firstScored = new TreeMap<>();
        for (ReplayPlan.Event event : plan.events()) {
            Prediction p = figures.predictions().get(event.eventId());
            if (p != null) {
                firstScored.putIfAbsent(p.getModelVersion(), event.eventTime());
            }
        }
        firstScored.forEach((version, at) ->
                assertThat(figures.latestOutcomeByVersion().get(version)).isLessThanOrEqualTo(at));

        assertThat(scores(second.figures())).isEqualTo(scores(figures));
        assertThat(second.figures().prequential().model()).isEqualTo(figures.prequential().model());
        assertThat(withoutPipeline(second.figures().prequential().perVersion()))
                .isEqualTo(withoutPipeline(figures.prequential().perVersion()));
        assertThat(second.figures().prequential().noChange()).isEqualTo(figures.prequential().noChange());
    }

    /**
     * Recent data: the last outcomes are observed (event time + label delay) later than {@code data.max_future} after
     * now, which feedback refuses. The replay delivers every other outcome, reports those as not yet observable and
     * finishes, instead of waiting for outcomes that were never written.
     */
    @Test
    void recentDataHoldsBackOutcomesBeyondMaxFuture() throws Exception {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant start = now.minus(Duration.ofSeconds(149 * 60 + 30)); // the last of 150 events half a minute ago
        Path spec = dir.resolve("synth-recent.yaml");
        Files.writeString(spec, SPEC.replace("PIPELINE", "synth-recent")
                .replace("  record: Reading\n", "  record: Reading\n  max_future: PT1M\n")
                .replace("delay: PT3M", "delay: PT10M")
                .replace("batch: PT30M", "batch: PT1H")
                .replace("start: 2020-01-01T00:00:00Z", "start: " + start));
        Path history = dir.resolve("recent.csv");
        StringBuilder csv = new StringBuilder("id,x1,x2,outcome\n");
        Random random = new Random(5);
        for (int i = 0; i < 150; i++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            csv.append(',').append(x1).append(',').append(x2).append(',')
                    .append(random.nextDouble() < 1 / (1 + Math.exp(-2 * x1)) ? "yes" : "no").append('\n');
        }
        Files.writeString(history, csv);
        PipelineSpec parsed = PipelineSpecParser.parse(spec);
        assertThat(parsed.data().maxFuture()).contains(Duration.ofMinutes(1));
        ReplayPlan plan = ReplayPlan.build(parsed, HistoryFile.read(history, 0));
        assertThat(plan.events()).hasSize(150);

        ReplayCommand.Replayed replayed;
        try (LocalStack stack = LocalStack.ephemeral()) {
            replayed = ReplayCommand.replay(stack, spec, parsed, plan, Duration.ofSeconds(60), p -> { },
                    Duration.ofHours(1), 50, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));
        }
        // event i is observed at start + i + 10 minutes: beyond now + 1 minute for i >= 141, all due in the last batch
        List<String> expected = plan.events().subList(141, 150).stream().map(ReplayPlan.Event::eventId).toList();
        assertThat(replayed.figures().validated()).isEqualTo(150);
        assertThat(replayed.outcome().outcomesHeldBack().notYetObservable()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(replayed.outcome().outcomesHeldBack().refused()).isEmpty();
        assertThat(ReplayReport.json(replayed.outcome(), replayed.figures(), null))
                .contains("\"outcomes_not_yet_observable\" : 9");
    }

    /** Per event: the version's number (the pipeline names differ) and the score. */
    private static Map<String, List<Object>> scores(ReplayReport.Figures figures) {
        Map<String, List<Object>> scores = new TreeMap<>();
        figures.predictions().forEach((eventId, p) -> scores.put(eventId,
                List.of(versionNumber(p.getModelVersion()), p.getScore())));
        return scores;
    }

    private static <V> Map<String, V> withoutPipeline(Map<String, V> byVersion) {
        Map<String, V> out = new TreeMap<>();
        byVersion.forEach((version, value) -> out.put(versionNumber(version), value));
        return out;
    }

    private static String versionNumber(String version) {
        return version.substring(version.lastIndexOf('-') + 1);
    }
}
