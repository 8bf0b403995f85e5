package io.mlcycle.orchestrator;

import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the orchestrator's non-registry records with an idempotent ({@code acks=all}) producer: training triggers
 * to {@code <p>.training.triggers} (keyed by pipeline, so they stay in order) and run progress to
 * {@code <p>.training.runs} (keyed by run id). Thread-safe: the HTTP handlers, the control loop and the worker share it.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final String triggersTopic;
    private final String runsTopic;
    private final Serializer<String> keySerializer;
    private final Serializer<TrainingTrigger> triggerSerializer;
    private final Serializer<TrainingRun> runSerializer;
    private final Duration timeout;

    public EventPublisher(Producer<byte[], byte[]> producer, String triggersTopic, String runsTopic,
                          Serializer<String> keySerializer, Serializer<TrainingTrigger> triggerSerializer,
                          Serializer<TrainingRun> runSerializer, Duration timeout) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.triggersTopic = Objects.requireNonNull(triggersTopic, "triggersTopic");
        this.runsTopic = Objects.requireNonNull(runsTopic, "runsTopic");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.triggerSerializer = Objects.requireNonNull(triggerSerializer, "triggerSerializer");
        this.runSerializer = Objects.requireNonNull(runSerializer, "runSerializer");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Publishes a trigger and waits for the broker's acknowledgement; throws if it was not stored. */
    public void publishTrigger(TrainingTrigger trigger) {
        Future<?> sent = producer.send(new ProducerRecord<>(triggersTopic,
                keySerializer.serialize(triggersTopic, trigger.getPipeline()),
                triggerSerializer.serialize(triggersTopic, trigger)));
        await(sent);
    }

    /**
     * Publishes a run's state. Progress records are informative: a failure is logged, never allowed to fail the run
     * itself (the registry write is what counts).
     */
    public void publishRun(TrainingRun run) {
        publishRun(run, () -> { });
    }

    /** Publishes a run's state; {@code onStored} runs once the broker has acknowledged it (never on failure). */
    public void publishRun(TrainingRun run, Runnable onStored) {
        try {
            producer.send(new ProducerRecord<>(runsTopic, keySerializer.serialize(runsTopic, run.getRunId()),
                    runSerializer.serialize(runsTopic, run)), (metadata, error) -> {
                        if (error != null) {
                            LOG.warn("Publishing run {} status {} failed: {}", run.getRunId(), run.getStatus(),
                                    error.getMessage());
                        } else {
                            onStored.run();
                        }
                    });
        } catch (KafkaException e) {
            LOG.warn("Publishing run {} status {} failed: {}", run.getRunId(), run.getStatus(), e.getMessage());
        }
    }

    private void await(Future<?> future) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while publishing", e);
        } catch (ExecutionException e) {
            throw new KafkaException("publishing failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("publishing not acknowledged within " + timeout, e);
        }
    }

    @Override
    public void close() {
        producer.close(timeout);
    }
}
