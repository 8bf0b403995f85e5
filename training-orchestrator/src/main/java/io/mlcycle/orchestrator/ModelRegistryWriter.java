package io.mlcycle.orchestrator;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.mlcore.registry.ModelSigning;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes registry updates to {@code <p>.models} (keyed by version) and their alerts to {@code <p>.monitoring.alerts}
 * in one Kafka transaction: a new champion and its predecessor's retirement become visible together or not at all.
 * Every version is signed ({@link ModelSigning}) on its way out: the other services refuse unsigned versions.
 * Writes are serialised (the worker registers versions, the control loop restores tampered ones). The same producer
 * writes the runs' progress ({@link #writeRecord}), so that one {@code initTransactions} fences both.
 */
public final class ModelRegistryWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryWriter.class);

    private Producer<byte[], byte[]> producer;
    /** Makes a fresh transactional producer on taking ownership; null: the one producer given, initialised lazily. */
    private final java.util.function.Supplier<Producer<byte[], byte[]>> producers;
    /** Whether this instance owns the pipeline (only checked when producers are made per ownership). */
    private boolean owner;
    private final String modelsTopic;
    private final String alertsTopic;
    private final Serializer<String> keySerializer;
    private final Serializer<ModelVersion> modelSerializer;
    private final Serializer<Alert> alertSerializer;
    private final Duration timeout;
    private final ModelSigning signing;
    private boolean initialised;

    /**
     * @param producer a transactional producer ({@code transactional.id} set); the writer initialises it lazily
     */
    public ModelRegistryWriter(Producer<byte[], byte[]> producer, String modelsTopic, String alertsTopic,
                               Serializer<String> keySerializer, Serializer<ModelVersion> modelSerializer,
                               Serializer<Alert> alertSerializer, Duration timeout, ModelSigning signing) {
        this(Objects.requireNonNull(producer, "producer"), null, modelsTopic, alertsTopic, keySerializer,
                modelSerializer, alertSerializer, timeout, signing);
    }

    /**
     * A writer for one of several orchestrator instances: it writes only while this instance owns the pipeline
     * ({@link #takeOwnership}). Every instance uses the same {@code transactional.id}, so the owner's
     * {@code initTransactions} fences every earlier producer: a former owner that has not noticed yet (a zombie)
     * has its writes refused by the broker ({@code ProducerFencedException}) instead of numbering versions twice.
     */
    public ModelRegistryWriter(java.util.function.Supplier<Producer<byte[], byte[]>> producers, String modelsTopic,
                               String alertsTopic, Serializer<String> keySerializer,
                               Serializer<ModelVersion> modelSerializer, Serializer<Alert> alertSerializer,
                               Duration timeout, ModelSigning signing) {
        this(null, Objects.requireNonNull(producers, "producers"), modelsTopic, alertsTopic, keySerializer,
                modelSerializer, alertSerializer, timeout, signing);
    }

    private ModelRegistryWriter(Producer<byte[], byte[]> producer,
                                java.util.function.Supplier<Producer<byte[], byte[]>> producers, String modelsTopic,
                                String alertsTopic, Serializer<String> keySerializer,
                                Serializer<ModelVersion> modelSerializer, Serializer<Alert> alertSerializer,
                                Duration timeout, ModelSigning signing) {
        this.producer = producer;
        this.producers = producers;
        this.modelsTopic = Objects.requireNonNull(modelsTopic, "modelsTopic");
        this.alertsTopic = Objects.requireNonNull(alertsTopic, "alertsTopic");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.modelSerializer = Objects.requireNonNull(modelSerializer, "modelSerializer");
        this.alertSerializer = Objects.requireNonNull(alertSerializer, "alertSerializer");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.signing = Objects.requireNonNull(signing, "signing");
    }

    /**
     * This instance now owns the pipeline: a fresh producer is initialised, which fences every other producer with
     * the same transactional id (and completes or aborts their open transactions) before this one writes.
     */
    public synchronized void takeOwnership() {
        if (producers == null) {
            owner = true;
            return;
        }
        if (producer != null) {
            // after a loss of ownership the old producer may be fenced, which is final for it
            producer.close(Duration.ZERO);
        }
        producer = producers.get();
        producer.initTransactions();
        initialised = true;
        owner = true;
    }

    /** Whether this instance may write the registry now (always, when producers are not made per ownership). */
    public synchronized boolean owns() {
        return producers == null || owner;
    }

    /** This instance no longer owns the pipeline: it writes nothing until it owns it again. */
    public synchronized void releaseOwnership() {
        owner = false;
    }

    /**
     * Signs every version and writes the update atomically; returns the signed versions as written. Throws if the
     * transaction could not be committed (nothing is visible then).
     */
    public synchronized List<ModelVersion> write(StagePlanner.RegistryUpdate update) {
        return write(update, Map.of(), null);
    }

    /**
     * {@link #write(StagePlanner.RegistryUpdate)} together with the consumed offsets of {@code group} (in the same
     * transaction): the input that caused the update is consumed exactly once with it. No offsets: none are sent.
     */
    public synchronized List<ModelVersion> write(StagePlanner.RegistryUpdate update,
                                                 Map<TopicPartition, OffsetAndMetadata> offsets,
                                                 ConsumerGroupMetadata group) {
        return write(update, List.of(), offsets, group);
    }

    /**
     * {@link #write(StagePlanner.RegistryUpdate, Map, ConsumerGroupMetadata)} with {@code records} (serialised, e.g.
     * the owner's answer to a forwarded request) in the same transaction: they are visible if and only if the update
     * and the offsets are.
     */
    public synchronized List<ModelVersion> write(StagePlanner.RegistryUpdate update,
                                                 List<ProducerRecord<byte[], byte[]>> records,
                                                 Map<TopicPartition, OffsetAndMetadata> offsets,
                                                 ConsumerGroupMetadata group) {
        List<ModelVersion> signed = update.versions().stream().map(signing::sign).toList();
        transact("registry write", () -> {
            for (ModelVersion version : signed) {
                producer.send(new ProducerRecord<>(modelsTopic,
                        keySerializer.serialize(modelsTopic, version.getVersion()),
                        modelSerializer.serialize(modelsTopic, version)));
            }
            update.alert().ifPresent(alert -> producer.send(new ProducerRecord<>(alertsTopic,
                    keySerializer.serialize(alertsTopic, alert.getType() + ":" + alert.getSubject()),
                    alertSerializer.serialize(alertsTopic, alert))));
            records.forEach(producer::send);
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, Objects.requireNonNull(group, "group"));
            }
        });
        return signed;
    }

    /**
     * Writes one record (e.g. a run's progress on {@code <p>.training.runs}) in its own transaction of this producer,
     * so that the owner's {@code initTransactions} fences it as it fences registry writes: a zombie's record is refused
     * by the broker ({@link FencedException}), or here once this instance knows it lost the pipeline
     * ({@code IllegalStateException}). Returns once the record is committed; throws if it was not.
     */
    public synchronized void writeRecord(String topic, byte[] key, byte[] value) {
        transact("write to " + topic, () -> producer.send(new ProducerRecord<>(topic, key, value)));
    }

    /** Runs {@code sends} in one transaction and commits it; a fenced producer loses ownership for good. */
    private void transact(String what, Runnable sends) {
        if (producers != null && !owner) {
            throw new IllegalStateException("fenced: another orchestrator instance holds the pipeline's trigger "
                    + "partition; this one writes nothing to the registry or the runs");
        }
        if (!initialised) {
            producer.initTransactions();
            initialised = true;
        }
        try {
            // inside: a producer that knows it is fenced already refuses to begin
            producer.beginTransaction();
            sends.run();
            producer.commitTransaction();
        } catch (org.apache.kafka.common.errors.ProducerFencedException
                 | org.apache.kafka.common.errors.InvalidProducerEpochException e) {
            owner = false;
            LOG.error("{} refused: another orchestrator instance took over this pipeline and fenced this one ({}); "
                    + "nothing of it is visible", what, e.getMessage());
            throw new FencedException(e);
        } catch (KafkaException | IllegalStateException e) {
            abortQuietly();
            throw e;
        }
    }

    /** Writes one record outside the promotion flow (e.g. a manual stage change), still transactionally. */
    public ModelVersion write(ModelVersion version) {
        return write(new StagePlanner.RegistryUpdate(List.of(version), Optional.empty())).get(0);
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (KafkaException | IllegalStateException e) {
            LOG.warn("Aborting the registry transaction failed: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(timeout);
        }
    }

    /** A registry write refused because another orchestrator instance fenced this one. */
    public static final class FencedException extends KafkaException {
        FencedException(Throwable cause) {
            super("fenced: another orchestrator instance took over this pipeline; its registry and run writes are "
                    + "refused (" + cause.getMessage() + ")", cause);
        }
    }
}
