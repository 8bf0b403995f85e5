package io.mlcycle.platform.serde;

/** The payload ends before its header or Avro datum is complete. Failure kind {@link SerdeFailure#TRUNCATED_RECORD}. */
public class TruncatedRecordException extends AvroSerdeException {

    public TruncatedRecordException(String topic, String message) {
        super(SerdeFailure.TRUNCATED_RECORD, topic, message);
    }

    public TruncatedRecordException(String topic, String message, Throwable cause) {
        super(SerdeFailure.TRUNCATED_RECORD, topic, message, cause);
    }
}
