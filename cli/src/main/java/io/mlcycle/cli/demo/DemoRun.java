package io.mlcycle.cli.demo;

import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Runs the demo scenario against a started pipeline: follows its topics with a {@link Timeline}, plays the
 * {@link DemoScenario}, waits for the pipeline to settle, and returns what it saw.
 */
public final class DemoRun {

    /** The outcome of a demo run. */
    public record Result(DemoScenario.Sent sent, PipelineObservations.Snapshot observed, Instant start,
                         Duration elapsed) {
        public boolean loopClosed() {
            return DemoSummary.loopClosed(observed);
        }
    }

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final PipelineSerdes serdes;
    private final String bootstrapServers;
    private final URI ingestionBaseUrl;
    private final URI orchestratorBaseUrl;
    private final long corruptedWindow;
    private final DemoScenario.Settings settings;
    private final PrintStream out;
    private volatile DemoScenario scenario;
    private volatile boolean stopRequested;

    /** A run without the canary act (tests): the scenario ends with its planned applications. */
    public DemoRun(PipelineSerdes serdes, String bootstrapServers, URI ingestionBaseUrl, DemoScenario.Settings settings,
                   PrintStream out) {
        this(serdes, bootstrapServers, ingestionBaseUrl, null, 0, settings, out);
    }

    /**
     * @param orchestratorBaseUrl where the canary act ({@link StageScript}) asks for a retrain, or null for no act
     * @param corruptedWindow     the spec's {@code training.max_examples}: how many outcomes the act's bug corrupts
     */
    public DemoRun(PipelineSerdes serdes, String bootstrapServers, URI ingestionBaseUrl, URI orchestratorBaseUrl,
                   long corruptedWindow, DemoScenario.Settings settings, PrintStream out) {
        this.corruptedWindow = corruptedWindow;
        this.orchestratorBaseUrl = orchestratorBaseUrl;
        this.serdes = serdes;
        this.bootstrapServers = bootstrapServers;
        this.ingestionBaseUrl = ingestionBaseUrl;
        this.settings = settings;
        this.out = out;
    }

    /** Stops the scenario early (Ctrl-C); {@link #run()} then returns what it saw so far. */
    public void requestStop() {
        stopRequested = true;
        DemoScenario running = scenario;
        if (running != null) {
            running.requestStop();
        }
    }

    public Result run() throws Exception {
        Instant start = Instant.now();
        String pipeline = serdes.pipeline();
        PipelineObservations observations = new PipelineObservations();
        Properties clientProperties = new Properties();
        clientProperties.put("bootstrap.servers", bootstrapServers);
        clientProperties.put("client.id", "mlcycle-demo");
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mlcycle-demo-progress");
            thread.setDaemon(true);
            return thread;
        });
        try (Timeline timeline = new Timeline(pipeline, clientProperties, valueDeserializers(), observations, out, start);
             Producer<String, Feedback> feedbackProducer = new KafkaProducer<>(producerProperties(clientProperties),
                     serdes.keySerde(Topics.FEEDBACK).serializer(), serdes.valueSerde(Topics.FEEDBACK).serializer());
             Producer<byte[], byte[]> rawProducer = new KafkaProducer<>(producerProperties(clientProperties),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            timeline.start();
            progress.scheduleAtFixedRate(() -> timeline.print("progress", "%s",
                            DemoSummary.progressLine(observations.snapshot())),
                    PROGRESS_EVERY.toMillis(), PROGRESS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            timeline.print("scenario", "%d applications at %.0f/s through %s, outcomes %s later, %.0f%% malformed, "
                            + "drift after %.0f%%", settings.events(), settings.eventsPerSecond(), ingestionBaseUrl,
                    settings.feedbackDelay(), settings.malformedShare() * 100, settings.driftAt() * 100);
            StageScript stages = orchestratorBaseUrl == null || settings.stagesBudget().isZero() ? null
                    : new StageScript(observations, pipeline, orchestratorBaseUrl, timeline::print,
                    settings.stagesBudget(), corruptedWindow);
            scenario = new DemoScenario(pipeline, ingestionBaseUrl, settings, feedbackProducer, rawProducer, timeline,
                    stages);
            if (stopRequested) {
                scenario.requestStop();
            }
            DemoScenario.Sent sent = scenario.run();
            if (stopRequested) {
                timeline.print("scenario", "stopped early after %d of %d applications and %d outcomes",
                        sent.events(), settings.events(), sent.feedback());
            } else {
                timeline.print("scenario", "all %d applications and %d outcomes sent; waiting for the pipeline to "
                        + "settle", sent.events(), sent.feedback());
            }
            awaitSettled(observations, sent);
            progress.shutdownNow();
            return new Result(sent, observations.snapshot(), start, Duration.between(start, Instant.now()));
        } finally {
            progress.shutdownNow();
        }
    }

    /**
     * Waits until every raw record is validated or quarantined, every outcome sent has been joined (or the count
     * stopped changing) and no training run is in progress,
     * at most {@link #SETTLE_TIMEOUT}.
     */
    private void awaitSettled(PipelineObservations observations, DemoScenario.Sent sent) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        long lastLabeled = -1;
        int unchangedChecks = 0;
        while (System.nanoTime() < deadline && !stopRequested) {
            PipelineObservations.Snapshot snapshot = observations.snapshot();
            boolean runInProgress = snapshot.runs().values().stream().anyMatch(run -> !isFinal(run.getStatus()));
            unchangedChecks = snapshot.labeled() == lastLabeled ? unchangedChecks + 1 : 0;
            lastLabeled = snapshot.labeled();
            boolean joinedAll = snapshot.labeled() >= sent.feedback();
            boolean validatedAll = snapshot.rawRecords() == sent.accepted() + sent.garbage()
                    && snapshot.rawRecordsAccountedFor();
            if (!runInProgress && validatedAll && (joinedAll || unchangedChecks >= 10)) {
                return;
            }
            // The pipeline's progress is observed by polling the snapshot the timeline keeps.
            Thread.sleep(500);
        }
    }

    private static boolean isFinal(RunStatus status) {
        return switch (status) {
            case REGISTERED, PROMOTED, REJECTED, FAILED, SKIPPED -> true;
            default -> false;
        };
    }

    private java.util.function.Function<io.mlcycle.schemas.TopicDescriptor<?, ?>,
            org.apache.kafka.common.serialization.Deserializer<?>> valueDeserializers() {
        java.util.Map<io.mlcycle.schemas.TopicDescriptor<?, ?>, org.apache.kafka.common.serialization.Deserializer<?>>
                cache = new java.util.concurrent.ConcurrentHashMap<>();
        return topic -> cache.computeIfAbsent(topic, this::valueDeserializer);
    }

    private <K, V> org.apache.kafka.common.serialization.Deserializer<V> valueDeserializer(
            io.mlcycle.schemas.TopicDescriptor<K, V> topic) {
        return serdes.valueSerde(topic).deserializer();
    }

    private static Properties producerProperties(Properties base) {
        Properties properties = new Properties();
        properties.putAll(base);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return properties;
    }
}
