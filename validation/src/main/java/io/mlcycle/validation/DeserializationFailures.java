package io.mlcycle.validation;

import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.platform.serde.AvroSerdeException;
import io.mlcycle.platform.serde.SerdeFailure;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Maps the platform serde's failures to quarantine reason codes. Only failures of the record itself are mapped;
 * failures of the environment (registry down, schema not registered) are not the record's fault, so the caller
 * rethrows them and Kafka Streams retries the record instead of quarantining a record that may be fine.
 */
final class DeserializationFailures {

    private DeserializationFailures() {
    }

    /** True when the record's bytes are at fault (quarantine it), false when the environment is (retry). */
    static boolean isRecordFault(RuntimeException failure) {
        if (failure instanceof AvroSerdeException serde) {
            return serde.failure().isRecordFault();
        }
        // Any other decoding failure (e.g. an Avro exception a serde did not wrap) is about the bytes.
        return true;
    }

    /** The reason code for a failure that {@link #isRecordFault is the record's fault}. */
    static ReasonCode reasonCode(RuntimeException failure) {
        if (failure instanceof AvroSerdeException serde) {
            return reasonCode(serde.failure());
        }
        return ReasonCode.DESERIALIZATION_FAILED;
    }

    static ReasonCode reasonCode(SerdeFailure failure) {
        return switch (failure) {
            case BAD_MAGIC_BYTE -> ReasonCode.BAD_MAGIC_BYTE;
            case UNKNOWN_SCHEMA_ID -> ReasonCode.UNKNOWN_SCHEMA_ID;
            case TRUNCATED_RECORD -> ReasonCode.TRUNCATED_RECORD;
            case SCHEMA_MISMATCH -> ReasonCode.SCHEMA_MISMATCH;
            default -> ReasonCode.DESERIALIZATION_FAILED;
        };
    }

    /** A message for the quarantine reason, without a stack trace. */
    static String detail(RuntimeException failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            message = failure.getClass().getSimpleName();
        }
        if (!(failure instanceof SerializationException) && failure.getCause() != null
                && failure.getCause().getMessage() != null) {
            message = message + ": " + failure.getCause().getMessage();
        }
        return message;
    }
}
