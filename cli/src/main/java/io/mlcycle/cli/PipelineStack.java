package io.mlcycle.cli;

import io.mlcycle.ingestion.IngestionConfig;
import io.mlcycle.ingestion.IngestionService;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.orchestrator.OrchestratorConfig;
import io.mlcycle.orchestrator.OrchestratorService;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.serving.ServingFeedbackConfig;
import io.mlcycle.serving.ServingFeedbackService;
import io.mlcycle.validation.ValidationConfig;
import io.mlcycle.validation.ValidationService;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The four services of one pipeline, started in this process against a Kafka cluster and a schema registry: the
 * pipeline's topics are created, its schemas registered, and each service started with its own configuration, as
 * its own main would. Closing stops them in reverse order.
 */
public final class PipelineStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineStack.class);

    /** A started service: its name, its HTTP base URL, whether it is ready, and how to stop it. */
    public record RunningService(String name, URI httpBaseUrl, BooleanSupplier ready, AutoCloseable service) {
    }

    /**
     * What the stack needs.
     *
     * @param specFile         the pipeline spec
     * @param bootstrapServers the Kafka cluster
     * @param registryUrl      the schema registry
     * @param stateDir         where the services keep local state
     * @param httpBasePort     ingestion's HTTP port; validation, serving-feedback and the orchestrator use the next
     *                         three; 0 gives every service an ephemeral port
     * @param baseConfig       the configuration every service starts from (environment, a file, or nothing)
     */
    public record Settings(Path specFile, String bootstrapServers, String registryUrl, Path stateDir, int httpBasePort,
                           ConfigSource baseConfig) {
    }

    private final PipelineSpec spec;
    private final PipelineSerdes serdes;
    private final List<RunningService> services;
    private final Map<String, Integer> schemaIds;

    private PipelineStack(PipelineSpec spec, PipelineSerdes serdes, List<RunningService> services,
                          Map<String, Integer> schemaIds) {
        this.spec = spec;
        this.serdes = serdes;
        this.services = services;
        this.schemaIds = schemaIds;
    }

    /** Creates the topics, registers the schemas, starts the four services and waits until they are ready. */
    public static PipelineStack start(Settings settings, Duration readyTimeout) throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(settings.specFile());
        String pipeline = spec.pipeline();

        // The same bootstrap every service runs: with the serdes and schema ids it gives, the CLI reads the topics.
        PipelineBootstrap.Prepared prepared = PipelineBootstrap.prepare(
                PlatformConfig.from(serviceConfig(settings, "mlcycle-cli", 0), 0), pipeline, spec.dataSchema());
        PipelineSerdes serdes = prepared.serdes();
        Map<String, Integer> schemaIds = prepared.schemaIds();

        Deque<RunningService> started = new ArrayDeque<>();
        try {
            // Consumers of a topic start before its producers, so the first records find everyone listening.
            ServingFeedbackService serving = ServingFeedbackService.start(
                    ServingFeedbackConfig.from(serviceConfig(settings, "serving-feedback", 2)));
            started.push(new RunningService("serving-feedback", serving.httpBaseUrl(), serving::isReady, serving));
            OrchestratorService orchestrator = OrchestratorService.start(
                    OrchestratorConfig.from(serviceConfig(settings, "training-orchestrator", 3)));
            started.push(new RunningService("training-orchestrator", orchestrator.httpBaseUrl(), orchestrator::isReady,
                    orchestrator));
            ValidationService validation = ValidationService.start(
                    ValidationConfig.from(serviceConfig(settings, "validation", 1)));
            started.push(new RunningService("validation", validation.httpBaseUrl(), validation::isReady, validation));
            IngestionService ingestion = IngestionService.start(
                    IngestionConfig.from(serviceConfig(settings, "ingestion", 0)));
            started.push(new RunningService("ingestion", ingestion.httpBaseUrl(), ingestion::isReady, ingestion));

            List<RunningService> inStartOrder = new java.util.ArrayList<>(started);
            java.util.Collections.reverse(inStartOrder);
            awaitReady(inStartOrder, readyTimeout);
            return new PipelineStack(spec, serdes, List.copyOf(inStartOrder), schemaIds);
        } catch (Exception | Error e) {
            closeAll(started);
            throw e;
        }
    }

    private static ConfigSource serviceConfig(Settings settings, String serviceName, int portOffset) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put(PlatformConfig.PIPELINE_SPEC, settings.specFile().toString());
        overrides.put(PlatformConfig.BOOTSTRAP_SERVERS, settings.bootstrapServers());
        overrides.put(PlatformConfig.SCHEMA_REGISTRY_URL, settings.registryUrl());
        overrides.put(PlatformConfig.STATE_DIR, settings.stateDir().toString());
        overrides.put(PlatformConfig.HTTP_PORT, settings.httpBasePort() == 0 ? 0 : settings.httpBasePort() + portOffset);
        overrides.put(PlatformConfig.INSTANCE_ID, serviceName);
        return settings.baseConfig().withOverrides(overrides);
    }

    private static void awaitReady(List<RunningService> services, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RunningService service : services) {
            while (!service.ready().getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The " + service.name() + " service was not ready after "
                            + timeout.toSeconds() + " s; see the log for why");
                }
                // Readiness is polled: the services expose it as a state, not as an event.
                Thread.sleep(100);
            }
        }
    }

    public PipelineSpec spec() {
        return spec;
    }

    public PipelineSerdes serdes() {
        return serdes;
    }

    /** The services in start order. */
    public List<RunningService> services() {
        return services;
    }

    /** The value schema ids registered for the pipeline's topics, by subject. */
    public Map<String, Integer> schemaIds() {
        return schemaIds;
    }

    /** The HTTP base URL of the named service. */
    public URI httpBaseUrl(String serviceName) {
        return services.stream().filter(service -> service.name().equals(serviceName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No service named " + serviceName))
                .httpBaseUrl();
    }

    @Override
    public void close() {
        Deque<RunningService> toClose = new ArrayDeque<>();
        services.forEach(toClose::push);
        closeAll(toClose);
    }

    private static void closeAll(Deque<RunningService> services) {
        while (!services.isEmpty()) {
            RunningService service = services.pop();
            try {
                service.service().close();
            } catch (Exception e) {
                log.warn("Closing the {} service failed: {}", service.name(), e.toString());
            }
        }
    }
}
