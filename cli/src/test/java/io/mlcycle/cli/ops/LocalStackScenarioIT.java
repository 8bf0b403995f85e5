package io.mlcycle.cli.ops;

import io.mlcycle.cli.PipelineStack;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The operating scenario against the embedded local stack: always runs, Docker or not. */
class LocalStackScenarioIT extends PipelineScenario {

    private static LocalStack stack;
    private static PipelineStack pipeline;

    @TempDir
    static Path workDir;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.ephemeral();
        Path spec = workDir.resolve("credit.yaml");
        try (var in = LocalStackScenarioIT.class.getResourceAsStream("/specs/credit.yaml")) {
            Files.copy(in, spec);
        }
        pipeline = PipelineStack.start(new PipelineStack.Settings(spec, stack.bootstrapServers(), stack.registryUrl(),
                workDir.resolve("state"), 0, ConfigSource.of(Map.of())), Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Override
    String bootstrapServers() {
        return stack.bootstrapServers();
    }

    @Override
    String registryUrl() {
        return stack.registryUrl();
    }

    @Override
    URI serviceUrl(String service) {
        return pipeline.httpBaseUrl(service);
    }
}
