package io.mlcycle.orchestrator;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.mlcore.spec.CanarySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies serving's stage decisions to the registry: reads {@code <p>.models.decisions} (StageDecision, group
 * {@code <application id>-decisions}, read_committed) and writes each decision's transitions to {@code <p>.models},
 * signed, in one Kafka transaction with the decision's consumed offset ({@link ModelRegistryWriter}), so a decision
 * is applied exactly once: a crash before the commit re-delivers it, after the commit it is never read again. A
 * stale decision ({@link StageDecisions}) is consumed without a write. Only the orchestrator writes the registry; the
 * decisions topic is how serving asks it to, and how a standby orchestrator instance forwards a person's promote,
 * rollback or stage change to the owner (planned under the spec's promotion policy, as the owner's HTTP call is).
 * Every forwarded request is answered on the same topic (decision ANSWER, its id, APPLIED or REFUSED and why, signed),
 * in the transaction that consumes it: the person who got a 202 from the standby reads the answer with
 * {@code GET .../requests/{id}} on any instance ({@link ForwardedRequests}). Starts applying once the registry has
 * been replayed, and only while this instance owns the pipeline (a standby is not in the decisions group).
 */
final class StageDecisionConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StageDecisionConsumer.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    private final String pipeline;
    private final String topic;
    private final Consumer<String, StageDecision> consumer;
    private final Serializer<String> keySerializer;
    private final Serializer<StageDecision> decisionSerializer;
    private final ModelRegistry registry;
    private final ModelRegistryWriter writer;
    private final java.util.function.Function<ModelVersion, Optional<ModelVersion>> previousChampion;
    private final CanarySpec policy;
    private final BooleanSupplier registryReady;
    private final Clock clock;
    private final Duration timeout;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile long applied;
    private volatile boolean failed;

    StageDecisionConsumer(String pipeline, String topic, Consumer<String, StageDecision> consumer,
                          Serializer<String> keySerializer, Serializer<StageDecision> decisionSerializer,
                          ModelRegistry registry, ModelRegistryWriter writer,
                          java.util.function.Function<ModelVersion, Optional<ModelVersion>> previousChampion,
                          CanarySpec policy, BooleanSupplier registryReady, Clock clock, Duration timeout) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.decisionSerializer = Objects.requireNonNull(decisionSerializer, "decisionSerializer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.previousChampion = Objects.requireNonNull(previousChampion, "previousChampion");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.registryReady = Objects.requireNonNull(registryReady, "registryReady");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.thread = new Thread(this::run, "orchestrator-" + pipeline + "-decisions");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** False once the consumer's thread has died of an unexpected error (a readiness check). */
    boolean alive() {
        return !failed;
    }

    /** Decisions applied to the registry since start. */
    long applied() {
        return applied;
    }

    private void run() {
        try {
            boolean subscribed = false;
            while (running) {
                // only the pipeline's owner is in the decisions group: a standby holding the partition would stall
                // every decision behind writes it is not allowed to make
                boolean mayApply = registryReady.getAsBoolean() && writer.owns();
                if (mayApply != subscribed) {
                    if (mayApply) {
                        consumer.subscribe(List.of(topic));
                    } else {
                        consumer.unsubscribe();
                    }
                    subscribed = mayApply;
                }
                if (!subscribed) {
                    pause();
                    continue;
                }
                try {
                    pollOnce();
                } catch (ModelRegistryWriter.FencedException | ProducerFencedException e) {
                    LOG.warn("The registry producer was fenced by another orchestrator instance; this one stops "
                            + "applying stage decisions until it owns the pipeline again: {}", e.getMessage());
                    consumer.unsubscribe();
                    subscribed = false;
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException | IllegalStateException e) {
                    LOG.warn("Applying stage decisions failed, retrying from the last committed decision in {}: {}",
                            RETRY_BACKOFF, e.getMessage());
                    rewind();
                    pause();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("Stage decision consumer woken up unexpectedly", e);
                failed = true;
            }
        } catch (RuntimeException e) {
            // readiness turns DOWN (see alive()): decisions would otherwise wait unseen
            LOG.error("The stage decision consumer of pipeline {} died; stage decisions are no longer applied",
                    pipeline, e);
            failed = true;
        } finally {
            // closed by the thread that polls it: a KafkaConsumer is not safe for use from two threads
            closeConsumer();
            stopped.countDown();
        }
    }

    private void closeConsumer() {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(timeout));
        } catch (RuntimeException e) {
            LOG.warn("Closing the stage decision consumer of pipeline {} failed: {}", pipeline, e.getMessage());
        }
    }

    /** One poll: each decision applied or skipped, and its offset committed; package-private for tests. */
    void pollOnce() {
        ConsumerRecords<String, StageDecision> records;
        try {
            records = consumer.poll(POLL);
        } catch (RecordDeserializationException e) {
            LOG.warn("Unreadable stage decision at {} offset {} is skipped: {}", e.topicPartition(), e.offset(),
                    e.getMessage());
            commit(Optional.empty(), List.of(), e.topicPartition(), e.offset());
            consumer.seek(e.topicPartition(), e.offset() + 1);
            return;
        }
        for (ConsumerRecord<String, StageDecision> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            StageDecision decision = record.value();
            if (decision == null || StageDecisions.isAnswer(decision)) {
                // an answer (this owner's, or a former owner's) is for the people following a request
                commit(Optional.empty(), List.of(), partition, record.offset());
                continue;
            }
            // the check and the write under the writer's lock: no training run's promotion slips in between
            synchronized (writer) {
                StageDecisions.Outcome outcome = StageDecisions.apply(pipeline, decision, registry,
                        previousChampion, policy, clock.instant());
                // a person waits for a forwarded request (202 from a standby): the answer says what became of it, in
                // the transaction that consumes the request, so it is published once and only if that is committed
                List<ProducerRecord<byte[], byte[]>> answers = StageDecisions.isForwardedRequest(decision)
                        ? List.of(answerRecord(decision, outcome)) : List.of();
                List<ModelVersion> written = commit(outcome.update(), answers, partition, record.offset());
                written.forEach(registry::apply);
                if (outcome.applied()) {
                    applied++;
                    LOG.info("Stage decision {} applied: {}; {}", decision.getDecisionId(), outcome.note(),
                            decision.getEvidence());
                } else if (decision.getForwardedBy() != null) {
                    // also where operators look; the requester reads the answer (GET .../requests/{id})
                    LOG.warn("Forwarded request {} not applied: {}", decision.getDecisionId(), outcome.note());
                } else {
                    LOG.info("Stage decision {} not applied: {}", decision.getDecisionId(), outcome.note());
                }
            }
        }
    }

    private List<ModelVersion> commit(Optional<StagePlanner.RegistryUpdate> update,
                                      List<ProducerRecord<byte[], byte[]>> records, TopicPartition partition,
                                      long offset) {
        StagePlanner.RegistryUpdate writes = update.orElseGet(() ->
                new StagePlanner.RegistryUpdate(List.of(), Optional.empty()));
        return writer.write(writes, records, Map.of(partition, new OffsetAndMetadata(offset + 1)),
                consumer.groupMetadata());
    }

    /** The owner's signed answer to a forwarded request, keyed like the request (by model version). */
    private ProducerRecord<byte[], byte[]> answerRecord(StageDecision request, StageDecisions.Outcome outcome) {
        StageDecision answer = registry.signing().sign(StageDecisions.answer(request, outcome, clock.instant()));
        return new ProducerRecord<>(topic, keySerializer.serialize(topic, answer.getModelVersion()),
                decisionSerializer.serialize(topic, answer));
    }

    /** After a failed transaction: back to the committed positions, so the uncommitted decisions come again. */
    private void rewind() {
        try {
            var assigned = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned, timeout);
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata position = committed.get(partition);
                if (position != null) {
                    consumer.seek(partition, position);
                } else {
                    consumer.seekToBeginning(List.of(partition));
                }
            }
        } catch (KafkaException e) {
            LOG.warn("Could not rewind the stage decision consumer: {}", e.getMessage());
        }
    }

    private void pause() {
        try {
            // a pause between retries (or while the registry replays), not a synchronisation device
            TimeUnit.MILLISECONDS.sleep(RETRY_BACKOFF.toMillis() / 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops the polling thread, which closes the consumer; closes it here only if the thread never started. */
    @Override
    public void close() {
        running = false;
        if (thread.getState() == Thread.State.NEW) {
            closeConsumer();
            return;
        }
        if (thread.isAlive()) {
            consumer.wakeup();
        }
        try {
            if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("The stage decision consumer did not stop within {}; it closes its consumer when it does",
                        timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
