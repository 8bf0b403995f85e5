package io.mlcycle.cli.replay;

import io.mlcycle.cli.PipelineStack;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mlcycle replay FILE --spec SPEC}: plays a labeled history through the whole pipeline (ingestion, validation,
 * serving-feedback, the orchestrator) on a fresh in-process Kafka, in event-time order, and reports prequential
 * metrics next to the no-change and class-prior baselines, with a chart.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Play a labeled CSV file (optionally .gz) through the whole pipeline in event-time order on a",
                "fresh embedded Kafka: each row becomes an event, its outcome arrives label.delay later (event time),",
                "models retrain and are promoted as the spec's triggers and gates say. Prints prequential accuracy",
                "overall, per version and over time next to the no-change and class-prior baselines, checks that no",
                "event was scored by a model that learnt from a later outcome, and writes a PNG chart."})
public final class ReplayCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "The labeled history: CSV with a header row, or .csv.gz.")
    Path file;

    @Option(names = "--spec", required = true, description = "The pipeline spec (its replay section says how rows "
            + "become events).")
    Path specFile;

    @Option(names = "--chart", description = "Where to write the PNG chart (default: replay-<pipeline>.png).")
    Path chart;

    @Option(names = "--limit", defaultValue = "0", description = "Replay only the first N rows (default: all).")
    int limit;

    @Option(names = "--rolling", defaultValue = "500",
            description = "Events in the chart's rolling accuracy (default: ${DEFAULT-VALUE}).")
    int rolling;

    @Option(names = "--period", defaultValue = "P28D",
            description = "Length of the 'over time' periods, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration period;

    @Option(names = "--timeout", defaultValue = "PT5M",
            description = "Longest wait for any one step of the pipeline (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(specFile);
        List<Map<String, String>> rows = HistoryFile.read(file, limit);
        ReplayPlan plan = ReplayPlan.build(spec, rows);
        Path chartFile = chart != null ? chart : Path.of("replay-" + spec.pipeline() + ".png");
        if (!json) {
            out.printf("mlcycle replay: %d rows of %s, pipeline '%s'; starting an embedded Kafka broker and the four"
                    + " services...%n", rows.size(), file.getFileName(), spec.pipeline());
        }
        Progress progress = new Progress(json ? null : err);
        Replayed replayed = replay(specFile, spec, plan, timeout, progress::show, period, rolling);
        progress.done();
        ReplayChart.write(chartFile, "mlcycle replay: " + spec.pipeline(), replayed.figures().prequential(),
                replayed.figures().marks(), rolling);
        if (json) {
            out.println(ReplayReport.json(replayed.outcome(), replayed.figures(), chartFile.toString()));
        } else {
            ReplayReport.print(out, replayed.outcome(), replayed.figures(), file.getFileName().toString(),
                    chartFile.toString());
        }
        return replayed.figures().violations().isEmpty() ? 0 : 3;
    }

    /** A finished replay: what the runner saw and the figures computed from it. */
    record Replayed(ReplayRunner.Outcome outcome, ReplayReport.Figures figures) {
    }

    /** Starts a fresh embedded stack with the pipeline, replays the plan on it, and computes the figures. */
    static Replayed replay(Path specFile, PipelineSpec spec, ReplayPlan plan, Duration timeout,
                           java.util.function.Consumer<String> progress, Duration period, int rolling)
            throws Exception {
        try (LocalStack stack = LocalStack.ephemeral()) {
            return replay(stack, specFile, spec, plan, timeout, progress, period, rolling);
        }
    }

    /** Starts the pipeline's services on {@code stack} (a pipeline new to it), replays the plan, computes figures. */
    static Replayed replay(LocalStack stack, Path specFile, PipelineSpec spec, ReplayPlan plan, Duration timeout,
                           java.util.function.Consumer<String> progress, Duration period, int rolling)
            throws Exception {
        return replay(stack, specFile, spec, plan, timeout, progress, period, rolling, java.time.Clock.systemUTC());
    }

    /** {@link #replay(LocalStack, Path, PipelineSpec, ReplayPlan, Duration, java.util.function.Consumer, Duration,
     * int)} judging outcome times against {@code wallClock} (tests fix it). */
    static Replayed replay(LocalStack stack, Path specFile, PipelineSpec spec, ReplayPlan plan, Duration timeout,
                           java.util.function.Consumer<String> progress, Duration period, int rolling,
                           java.time.Clock wallClock) throws Exception {
        Path workDir = Files.createTempDirectory("mlcycle-replay-");
        try (PipelineStack pipeline = PipelineStack.start(new PipelineStack.Settings(specFile.toAbsolutePath(),
                     stack.bootstrapServers(), stack.registryUrl(), workDir.resolve("state"), 0,
                     ConfigSource.of(stackOverrides(spec))), Duration.ofSeconds(120))) {
            ReplayRunner runner = new ReplayRunner(spec, pipeline.serdes(), new ReplayRunner.Endpoints(
                    stack.bootstrapServers(), pipeline.httpBaseUrl("ingestion"), pipeline.httpBaseUrl("serving-feedback"),
                    servingGroupId(spec)), timeout, progress, wallClock);
            ReplayRunner.Outcome outcome = runner.run(plan);
            try (ReplayObserver observer = outcome.observer()) {
                return new Replayed(outcome, ReplayReport.compute(outcome, period, rolling));
            }
        } finally {
            deleteQuietly(workDir);
        }
    }

    /**
     * The configuration a replay gives every service: the orchestrator's wall-clock volume check off (the replay
     * applies the spec's BOOTSTRAP and VOLUME rules itself at quiet points) and short commit intervals.
     */
    static Map<String, Object> stackOverrides(PipelineSpec spec) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put("orchestrator.volume.check.interval", "P3650D");
        overrides.put("kafka.commit.interval.ms", "20");
        // the join must outlive the longest wall-clock pause between an event and its outcome
        overrides.put("serving.join.window", spec.label().delay().compareTo(Duration.ofHours(1)) > 0
                ? spec.label().delay().toString() : "PT1H");
        return overrides;
    }

    /** serving-feedback's Kafka Streams application id, which is its consumer group. */
    static String servingGroupId(PipelineSpec spec) {
        return "mlcycle-" + spec.pipeline() + "-" + io.mlcycle.serving.ServingFeedbackConfig.SERVICE_NAME;
    }

    /** A one-line progress display on stderr, redrawn in place. */
    private static final class Progress {
        private final PrintStream err;
        private long lastDrawn;

        Progress(PrintStream err) {
            this.err = err;
        }

        void show(String line) {
            long now = System.nanoTime();
            if (err == null || now - lastDrawn < 250_000_000L) {
                return;
            }
            lastDrawn = now;
            err.print("\r  " + line + "\u001b[K");
        }

        void done() {
            if (err != null) {
                err.println();
            }
        }
    }

    private static void deleteQuietly(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (java.io.IOException e) {
            // A leftover temporary directory is harmless.
        }
    }
}
