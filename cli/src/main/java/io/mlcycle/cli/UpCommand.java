package io.mlcycle.cli;

import io.mlcycle.localstack.LocalStack;
import io.mlcycle.localstack.LocalStackConfig;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.config.ConfigSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mlcycle up}: starts the embedded Kafka broker and schema registry, creates the pipeline's topics, registers
 * its schemas and starts the four services, then waits for Ctrl-C. Generates no data.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start Kafka, the schema registry and the four services for a pipeline, and wait.",
                "State is kept under --data-dir, so topics, schemas and models survive a restart."})
final class UpCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--spec", paramLabel = "FILE",
            description = "Pipeline spec; repeat to run several pipelines on one stack (default: the bundled credit spec).")
    List<Path> specFiles = new ArrayList<>();

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".mlcycle",
            description = "Where Kafka, the registry and the services keep their state (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka broker port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8081",
            description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--http-base-port", defaultValue = "8180",
            description = "Ingestion's HTTP port; validation, serving-feedback and the orchestrator take the next three; "
                    + "each further --spec takes the next four (default: ${DEFAULT-VALUE}; 0 = ephemeral ports).")
    int httpBasePort;

    /** HTTP ports each pipeline's four services take from --http-base-port. */
    static final int PORTS_PER_PIPELINE = 4;

    private final CountDownLatch stopRequested = new CountDownLatch(1);

    /** Stops a running {@code up} as Ctrl-C would. */
    void requestStop() {
        stopRequested.countDown();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        List<Path> specs = specFiles.isEmpty()
                ? List.of(BundledSpecs.extract(BundledSpecs.CREDIT, dataDir.resolve("specs"))) : List.copyOf(specFiles);
        Map<String, Path> names = new LinkedHashMap<>();
        for (Path spec : specs) {
            if (!Files.isRegularFile(spec)) {
                throw new IllegalArgumentException("No spec file at " + spec.toAbsolutePath());
            }
            String name = PipelineSpecParser.parse(spec).pipeline();
            Path other = names.putIfAbsent(name, spec);
            if (other != null) {
                throw new IllegalArgumentException("Specs " + other + " and " + spec + " both define pipeline '" + name
                        + "'; pipeline names must differ");
            }
        }
        LocalStackConfig stackConfig = LocalStackConfig.defaults().withDataDir(dataDir).withKafkaPort(kafkaPort)
                .withRegistryPort(registryPort);
        CountDownLatch closed = new CountDownLatch(1);
        try (LocalStack stack = LocalStack.start(stackConfig)) {
            List<PipelineStack> pipelines = new ArrayList<>();
            try {
                for (int i = 0; i < specs.size(); i++) {
                    // One state directory per pipeline once there are several, so their services never share one.
                    Path stateDir = specs.size() == 1 ? dataDir.resolve("state") : dataDir.resolve("state").resolve("p" + i);
                    int basePort = httpBasePort == 0 ? 0 : httpBasePort + PORTS_PER_PIPELINE * i;
                    pipelines.add(PipelineStack.start(new PipelineStack.Settings(specs.get(i), stack.bootstrapServers(),
                            stack.registryUrl(), stateDir, basePort,
                            ConfigSource.builder().environment(System.getenv()).build()), Duration.ofSeconds(90)));
                }
                printUrls(out, stack, specs, pipelines);
                Thread hook = new Thread(() -> ShutdownHooks.stopAndAwait(stopRequested, closed), "mlcycle-up-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    stopRequested.await();
                } finally {
                    ShutdownHooks.removeQuietly(hook);
                }
                out.println("Stopping...");
                out.flush();
            } finally {
                // The services stop before the broker and registry they use.
                for (int i = pipelines.size() - 1; i >= 0; i--) {
                    pipelines.get(i).close();
                }
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }

    private void printUrls(PrintWriter out, LocalStack stack, List<Path> specs, List<PipelineStack> pipelines) {
        boolean one = pipelines.size() == 1;
        out.printf("mlcycle is up: %s%n", one
                ? "pipeline '" + pipelines.get(0).spec().pipeline() + "' (spec " + specs.get(0) + ")"
                : pipelines.size() + " pipelines");
        out.printf("  bootstrap servers      %s%n", stack.bootstrapServers());
        out.printf("  schema registry        %s%n", stack.registryUrl());
        for (int i = 0; i < pipelines.size(); i++) {
            PipelineStack pipeline = pipelines.get(i);
            if (!one) {
                out.printf("  pipeline %s (spec %s)%n", pipeline.spec().pipeline(), specs.get(i));
            }
            for (PipelineStack.RunningService service : pipeline.services()) {
                // With several pipelines, a service is named "<pipeline> <service>".
                String name = one ? service.name() : pipeline.spec().pipeline() + " " + service.name();
                out.printf("  %-" + (one ? 22 : 36) + "s %s%n", name, service.httpBaseUrl());
            }
        }
        out.printf("  data directory         %s%n", dataDir.toAbsolutePath());
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }
}
