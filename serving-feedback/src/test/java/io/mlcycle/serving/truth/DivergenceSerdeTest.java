package io.mlcycle.serving.truth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.monitoring.Calibration;
import io.mlcycle.mlcore.monitoring.DivergenceTest;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class DivergenceSerdeTest {
    private final DivergenceSerde serde = new DivergenceSerde();

    @Test
    void roundTripsTheTestBitForBit() {
        DivergenceTest test = DivergenceTest.START;
        Calibration calibration = new Calibration(1.1, -0.2, 0.02, 0.01, 0.001);
        for (int i = 0; i < 80; i++) {
            test = test.update(0.9, true, i % 3 == 0, calibration, 0.95);
        }

        DivergenceTest back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", test));

        assertThat(back).isEqualTo(test);
        assertThat(back.rejectedAt()).isPositive();
    }

    @Test
    void valuesCarryTheWriterSchemasFingerprintAndStaySmall() {
        byte[] bytes = serde.write(DivergenceTest.START);
        // single-object encoding: marker C3 01, then the 8-byte little-endian CRC-64 fingerprint of the schema
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xFF);
        }
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(DivergenceSerde.SCHEMA));
        assertThat(serde.write(DivergenceTest.START.update(0.3, false, true, Calibration.IDENTITY, 0.95)))
                .hasSizeLessThan(200);
    }

    @Test
    void theCurrentSchemaIsShippedSoLaterVersionsCanReadWhatThisOneWrites() {
        assertThat(DivergenceSerde.shippedSchemas()).contains(DivergenceSerde.SCHEMA);
    }

    @Test
    void bytesOfAnUnknownSchemaAreRefusedNotMisread() {
        assertThatThrownBy(() -> serde.read(new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("divergence test");
    }
}
