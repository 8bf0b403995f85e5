package io.mlcycle.platform.serde;

import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A failure of {@link ConfluentAvroSerializer} or {@link ConfluentAvroDeserializer}, a Kafka
 * {@link SerializationException} carrying its {@link SerdeFailure} kind and the topic concerned.
 */
public class AvroSerdeException extends SerializationException {

    private final SerdeFailure failure;
    private final String topic;

    public AvroSerdeException(SerdeFailure failure, String topic, String message, Throwable cause) {
        super(message, cause);
        this.failure = Objects.requireNonNull(failure, "failure");
        this.topic = topic;
    }

    public AvroSerdeException(SerdeFailure failure, String topic, String message) {
        this(failure, topic, message, null);
    }

    public SerdeFailure failure() {
        return failure;
    }

    /** The topic of the record, or null if the caller gave none. */
    public String topic() {
        return topic;
    }
}
