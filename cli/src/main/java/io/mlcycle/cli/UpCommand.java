package io.mlcycle.cli;

import io.mlcycle.localstack.LocalStack;
import io.mlcycle.localstack.LocalStackConfig;
import io.mlcycle.platform.config.ConfigSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    @Option(names = "--spec", paramLabel = "FILE", description = "Pipeline spec (default: the bundled credit spec).")
    Path specFile;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".mlcycle",
            description = "Where Kafka, the registry and the services keep their state (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka broker port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8081",
            description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--http-base-port", defaultValue = "8180",
            description = "Ingestion's HTTP port; validation, serving-feedback and the orchestrator take the next three "
                    + "(default: ${DEFAULT-VALUE}; 0 = ephemeral ports).")
    int httpBasePort;

    private final CountDownLatch stopRequested = new CountDownLatch(1);

    /** Stops a running {@code up} as Ctrl-C would. */
    void requestStop() {
        stopRequested.countDown();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        Path spec = specFile != null ? specFile : BundledSpecs.extract(BundledSpecs.CREDIT, dataDir.resolve("specs"));
        if (!Files.isRegularFile(spec)) {
            throw new IllegalArgumentException("No spec file at " + spec.toAbsolutePath());
        }
        LocalStackConfig stackConfig = LocalStackConfig.defaults().withDataDir(dataDir).withKafkaPort(kafkaPort)
                .withRegistryPort(registryPort);
        CountDownLatch closed = new CountDownLatch(1);
        try (LocalStack stack = LocalStack.start(stackConfig);
             PipelineStack pipeline = PipelineStack.start(new PipelineStack.Settings(spec, stack.bootstrapServers(),
                     stack.registryUrl(), dataDir.resolve("state"), httpBasePort,
                     ConfigSource.builder().environment(System.getenv()).build()), Duration.ofSeconds(90))) {
            out.printf("mlcycle is up: pipeline '%s' (spec %s)%n", pipeline.spec().pipeline(), spec);
            out.printf("  bootstrap servers      %s%n", stack.bootstrapServers());
            out.printf("  schema registry        %s%n", stack.registryUrl());
            for (PipelineStack.RunningService service : pipeline.services()) {
                out.printf("  %-22s %s%n", service.name(), service.httpBaseUrl());
            }
            out.printf("  data directory         %s%n", dataDir.toAbsolutePath());
            out.println("Press Ctrl-C to stop.");
            out.flush();
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
            closed.countDown();
        }
        return 0;
    }
}
