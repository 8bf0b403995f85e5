package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.monitoring.LabelNoiseDetector;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class LabelThresholdsSerdeTest {
    private final LabelThresholdsSerde serde = new LabelThresholdsSerde();

    @Test
    void roundTripsTheThresholds() {
        LabelNoiseDetector.State state = new LabelNoiseDetector.State(40, 33.5, 12, 9.25);

        LabelNoiseDetector.State back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));

        assertThat(back).isEqualTo(state);
        assertThat(back.positiveThreshold()).isEqualTo(9.25 / 12);
    }

    @Test
    void valuesCarryTheWriterSchemasFingerprint() {
        byte[] bytes = serde.write(LabelNoiseDetector.State.EMPTY);
        // single-object encoding: marker C3 01, then the 8-byte little-endian CRC-64 fingerprint of the schema
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xFF);
        }
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(LabelThresholdsSerde.SCHEMA));
    }

    @Test
    void theCurrentSchemaIsShippedSoLaterVersionsCanReadWhatThisOneWrites() {
        assertThat(LabelThresholdsSerde.shippedSchemas()).contains(LabelThresholdsSerde.SCHEMA);
    }

    @Test
    void bytesOfAnUnknownSchemaAreRefusedNotMisread() {
        assertThatThrownBy(() -> serde.read(new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("label thresholds");
    }
}
