package io.mlcycle.cli.ops;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The operating scenario against the docker-compose stack: the project's image built from the Dockerfile, the
 * official Apache Kafka image and the real Confluent Schema Registry. Needs a Docker engine with Compose v2; without
 * one it is skipped (saying so) and {@link LocalStackScenarioIT} runs the same scenario. An engine that exists but
 * fails to run the stack fails the test.
 */
class ComposeScenarioIT extends PipelineScenario {

    /** The host ports docker-compose.yml publishes (README, "Running with docker-compose"). */
    static final Map<String, Integer> SERVICE_PORTS = Map.of("ingestion", 8180, "validation", 8181,
            "serving-feedback", 8182, "training-orchestrator", 8183);

    private static final String NO_DOCKER = "No Docker engine here: the docker-compose scenario is skipped; "
            + "LocalStackScenarioIT runs the same scenario against the embedded local stack";

    private static ComposeContainer compose;
    private static boolean dockerAvailable;

    @BeforeAll
    static void start() {
        dockerAvailable = DockerClientFactory.instance().isDockerAvailable();
        if (!dockerAvailable) {
            // Skipped per test (below), so the report shows the scenario as skipped with this reason.
            return;
        }
        // From here on, an engine that fails to build or run the stack fails the test.
        compose = new ComposeContainer(new File("../docker-compose.yml"))
                .withLocalCompose(true)
                .withBuild(true)
                .withStartupTimeout(Duration.ofMinutes(10));
        SERVICE_PORTS.keySet().forEach(service ->
                compose.waitingFor(service, Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(5))));
        compose.start();
    }

    @BeforeEach
    void requireDocker() {
        assumeTrue(dockerAvailable, NO_DOCKER);
    }

    @AfterAll
    static void stop() {
        if (compose != null) {
            compose.stop();
        }
    }

    @Override
    String bootstrapServers() {
        return "localhost:9092";
    }

    @Override
    String registryUrl() {
        return "http://localhost:8081";
    }

    @Override
    URI serviceUrl(String service) {
        return URI.create("http://localhost:" + SERVICE_PORTS.get(service));
    }
}
