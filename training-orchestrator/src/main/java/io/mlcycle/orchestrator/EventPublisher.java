package io.mlcycle.orchestrator;

import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the orchestrator's non-registry records: training triggers to {@code <p>.training.triggers} (keyed by
 * pipeline, so they stay in order) and forwarded promote, rollback and stage requests to {@code <p>.models.decisions} (keyed
 * by version) with an idempotent ({@code acks=all}) producer, and run progress to {@code <p>.training.runs} (keyed by
 * run id) through the pipeline's transactional producer when one is given ({@link FencedWrites}), so that a zombie
 * instance's progress is refused as its registry writes are. Thread-safe: the HTTP handlers, the control loop and the
 * worker share it.
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
    /** Where run progress goes when fenced (the pipeline's transactional producer); null: the idempotent producer. */
    private final FencedWrites runWrites;
    private final AtomicLong runWritesRefused = new AtomicLong();

    /** Writes one record in a transaction of the pipeline's owner; returns once committed, throws if not. */
    @FunctionalInterface
    public interface FencedWrites {
        void write(String topic, byte[] key, byte[] value);
    }

    public EventPublisher(Producer<byte[], byte[]> producer, String triggersTopic, String runsTopic,
                          Serializer<String> keySerializer, Serializer<TrainingTrigger> triggerSerializer,
                          Serializer<TrainingRun> runSerializer, Duration timeout) {
        this(producer, triggersTopic, runsTopic, keySerializer, triggerSerializer, runSerializer, timeout, null);
    }

    /** @param runWrites how run progress is written (fenced with the registry); null: with {@code producer} */
    public EventPublisher(Producer<byte[], byte[]> producer, String triggersTopic, String runsTopic,
                          Serializer<String> keySerializer, Serializer<TrainingTrigger> triggerSerializer,
                          Serializer<TrainingRun> runSerializer, Duration timeout, FencedWrites runWrites) {
        this.runWrites = runWrites;
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

    /**
     * Publishes a run's state; {@code onStored} runs once the broker has acknowledged it (never on failure). With
     * fenced run writes, this waits for the transaction's commit; a refused write (this instance no longer owns the
     * pipeline) is logged and counted, and the run goes on: the owner has recorded it as interrupted already.
     */
    public void publishRun(TrainingRun run, Runnable onStored) {
        if (runWrites != null) {
            try {
                runWrites.write(runsTopic, keySerializer.serialize(runsTopic, run.getRunId()),
                        runSerializer.serialize(runsTopic, run));
            } catch (KafkaException | IllegalStateException e) {
                runWritesRefused.incrementAndGet();
                LOG.warn("Run {} status {} not published: {}", run.getRunId(), run.getStatus(), e.getMessage());
                return;
            }
            onStored.run();
            return;
        }
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

    /** Run records refused since start (fenced run writes only); package-private for tests. */
    long runWritesRefused() {
        return runWritesRefused.get();
    }

    /** Publishes a forwarded request for the owner and waits for the broker's acknowledgement; throws if not stored. */
    public void publishDecision(String topic, StageDecision decision, Serializer<StageDecision> serializer) {
        await(producer.send(new ProducerRecord<>(topic, keySerializer.serialize(topic, decision.getModelVersion()),
                serializer.serialize(topic, decision))));
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
