package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.platform.serde.AvroSerdeException;
import io.mlcycle.platform.serde.BadMagicByteException;
import io.mlcycle.platform.serde.SerdeFailure;
import org.junit.jupiter.api.Test;

class DeserializationFailuresTest {

    @Test
    void onlyFailuresOfTheRecordAreQuarantinedAndEachGetsItsReasonCode() {
        assertThat(DeserializationFailures.isRecordFault(new BadMagicByteException("t", "bad"))).isTrue();
        assertThat(DeserializationFailures.reasonCode(new BadMagicByteException("t", "bad")))
                .isEqualTo(ReasonCode.BAD_MAGIC_BYTE);
        AvroSerdeException registryDown = new AvroSerdeException(SerdeFailure.REGISTRY_ERROR, "t", "down");
        assertThat(DeserializationFailures.isRecordFault(registryDown)).isFalse();
        assertThat(DeserializationFailures.reasonCode(SerdeFailure.MALFORMED_RECORD))
                .isEqualTo(ReasonCode.DESERIALIZATION_FAILED);
        assertThat(DeserializationFailures.reasonCode(SerdeFailure.SCHEMA_MISMATCH))
                .isEqualTo(ReasonCode.SCHEMA_MISMATCH);
        assertThat(DeserializationFailures.isRecordFault(new IllegalStateException("odd bytes"))).isTrue();
    }
}
