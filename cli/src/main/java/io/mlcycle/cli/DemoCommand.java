package io.mlcycle.cli;

import io.mlcycle.cli.demo.DemoRun;
import io.mlcycle.cli.demo.DemoScenario;
import io.mlcycle.cli.demo.DemoSummary;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mlcycle demo}: the whole loop in one process, on a fresh embedded Kafka broker and schema registry, with a
 * scripted scenario on the bundled {@code credit} pipeline; prints a live timeline and a summary, then stops.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on a fresh embedded Kafka with a scripted credit scenario:",
                "applications in, malformed records quarantined, outcomes joined late, models trained, promoted,",
                "served and retrained after drift. Prints a live timeline and a summary, then stops (Ctrl-C stops early)."})
final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--events", defaultValue = "8000",
            description = "Applications to send (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--rate", defaultValue = "80", description = "Applications per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--drift-at", defaultValue = "0.55",
            description = "Fraction of the scenario after which the world drifts (default: ${DEFAULT-VALUE}).")
    double driftAt;

    @Option(names = "--malformed", defaultValue = "0.03",
            description = "Share of malformed applications (default: ${DEFAULT-VALUE}).")
    double malformedShare;

    @Option(names = "--feedback-delay", defaultValue = "PT2S",
            description = "How long after an application its outcome arrives, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration feedbackDelay;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed of the scenario (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--canary-wait", defaultValue = "PT3M",
            description = "After the planned applications, how long post-drift traffic may go on until a canary has "
                    + "been promoted and a worse one rolled back on online evidence, ISO-8601 (default: "
                    + "${DEFAULT-VALUE}; PT0S ends with the planned applications).")
    Duration canaryWait;

    @Option(names = "--truth-window", defaultValue = "PT15S",
            description = "Event-time window of the estimated-vs-realised accuracy (serving.truth.window), ISO-8601 "
                    + "(default: ${DEFAULT-VALUE}; a service's default is PT1H).")
    Duration truthWindow;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        if (truthWindow.isZero() || truthWindow.isNegative()) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(),
                    "--truth-window must be a positive duration, got " + truthWindow);
        }
        if (canaryWait.isNegative()) {
            throw new picocli.CommandLine.ParameterException(command.commandLine(),
                    "--canary-wait must not be negative, got " + canaryWait);
        }
        DemoScenario.Settings settings = new DemoScenario.Settings(events, rate, driftAt, malformedShare, 0.97,
                feedbackDelay, 20, seed, canaryWait);
        out.println("mlcycle demo: starting an embedded Kafka broker (KRaft), a schema registry and four services...");
        CountDownLatch closed = new CountDownLatch(1);
        Path workDir = Files.createTempDirectory("mlcycle-demo-");
        try (LocalStack stack = LocalStack.ephemeral();
             PipelineStack pipeline = PipelineStack.start(new PipelineStack.Settings(
                     BundledSpecs.extract(BundledSpecs.CREDIT, workDir), stack.bootstrapServers(), stack.registryUrl(),
                     workDir.resolve("state"), 0, ConfigSource.of(java.util.Map.of(
                             io.mlcycle.serving.ServingFeedbackConfig.TRUTH_WINDOW, truthWindow.toString(),
                             // every second, so the table shows the estimate written before the outcomes arrive
                             io.mlcycle.serving.ServingFeedbackConfig.TRUTH_EMIT_INTERVAL, "PT1S"))),
                     Duration.ofSeconds(90))) {
            out.printf("  bootstrap servers      %s%n", stack.bootstrapServers());
            out.printf("  schema registry        %s%n", stack.registryUrl());
            pipeline.services().forEach(service -> out.printf("  %-22s %s%n", service.name(), service.httpBaseUrl()));
            DemoRun run = new DemoRun(pipeline.serdes(), stack.bootstrapServers(), pipeline.httpBaseUrl("ingestion"),
                    pipeline.httpBaseUrl("training-orchestrator"), corruptedWindow(pipeline), settings, out);
            Thread hook = new Thread(() -> {
                run.requestStop();
                ShutdownHooks.awaitClosed(closed);
            }, "mlcycle-demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                DemoRun.Result result = run.run();
                DemoSummary.print(out, result.sent(), result.observed(), result.start(), result.elapsed(), truthWindow);
                return result.loopClosed() ? 0 : 2;
            } finally {
                ShutdownHooks.removeQuietly(hook);
            }
        } finally {
            deleteQuietly(workDir);
            // Last: on Ctrl-C the JVM halts as soon as the shutdown hook, which waits for this, returns.
            closed.countDown();
        }
    }

    /** The newest examples a run trains and holds out on: what the canary act's bug must corrupt. */
    private static long corruptedWindow(PipelineStack pipeline) {
        var training = pipeline.spec().training();
        return training.maxExamples().isPresent() ? training.maxExamples().getAsInt() : training.minExamples();
    }

    private static void deleteQuietly(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (java.io.IOException e) {
            // A leftover temporary directory is harmless.
        }
    }
}
