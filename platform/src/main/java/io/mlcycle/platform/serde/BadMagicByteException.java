package io.mlcycle.platform.serde;

/** The payload does not start with the Confluent magic byte 0. Failure kind {@link SerdeFailure#BAD_MAGIC_BYTE}. */
public class BadMagicByteException extends AvroSerdeException {

    public BadMagicByteException(String topic, String message) {
        super(SerdeFailure.BAD_MAGIC_BYTE, topic, message);
    }

    public BadMagicByteException(String topic, String message, Throwable cause) {
        super(SerdeFailure.BAD_MAGIC_BYTE, topic, message, cause);
    }
}
