package io.mlcycle.orchestrator;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.ModelVersion;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes registry updates to {@code <p>.models} (keyed by version) and their alerts to {@code <p>.monitoring.alerts}
 * in one Kafka transaction: a new champion and its predecessor's retirement become visible together or not at all.
 * Used from the orchestrator's single worker thread only.
 */
public final class ModelRegistryWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryWriter.class);

    private final Producer<byte[], byte[]> producer;
    private final String modelsTopic;
    private final String alertsTopic;
    private final Serializer<String> keySerializer;
    private final Serializer<ModelVersion> modelSerializer;
    private final Serializer<Alert> alertSerializer;
    private final Duration timeout;
    private boolean initialised;

    /**
     * @param producer a transactional producer ({@code transactional.id} set); the writer initialises it lazily
     */
    public ModelRegistryWriter(Producer<byte[], byte[]> producer, String modelsTopic, String alertsTopic,
                               Serializer<String> keySerializer, Serializer<ModelVersion> modelSerializer,
                               Serializer<Alert> alertSerializer, Duration timeout) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.modelsTopic = Objects.requireNonNull(modelsTopic, "modelsTopic");
        this.alertsTopic = Objects.requireNonNull(alertsTopic, "alertsTopic");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.modelSerializer = Objects.requireNonNull(modelSerializer, "modelSerializer");
        this.alertSerializer = Objects.requireNonNull(alertSerializer, "alertSerializer");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Writes the update atomically; throws if the transaction could not be committed (nothing is visible then). */
    public void write(StagePlanner.RegistryUpdate update) {
        if (!initialised) {
            producer.initTransactions();
            initialised = true;
        }
        producer.beginTransaction();
        try {
            for (ModelVersion version : update.versions()) {
                producer.send(new ProducerRecord<>(modelsTopic,
                        keySerializer.serialize(modelsTopic, version.getVersion()),
                        modelSerializer.serialize(modelsTopic, version)));
            }
            update.alert().ifPresent(alert -> producer.send(new ProducerRecord<>(alertsTopic,
                    keySerializer.serialize(alertsTopic, alert.getType() + ":" + alert.getSubject()),
                    alertSerializer.serialize(alertsTopic, alert))));
            producer.commitTransaction();
        } catch (KafkaException | IllegalStateException e) {
            abortQuietly();
            throw e;
        }
    }

    /** Writes one record outside the promotion flow (e.g. a manual stage change), still transactionally. */
    public void write(ModelVersion version) {
        write(new StagePlanner.RegistryUpdate(List.of(version), Optional.empty()));
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            LOG.warn("Aborting the registry transaction failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        producer.close(timeout);
    }
}
