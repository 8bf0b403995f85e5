package io.mlcycle.serving.truth;

import io.mlcycle.mlcore.monitoring.DivergenceTest;
import io.mlcycle.mlcore.online.BettingMartingale;
import io.mlcycle.serving.StateStoreSchemas;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of a window's sequential divergence test ({@link DivergenceTest}, store
 * {@value TruthTopology#DIVERGENCE_STORE}): Avro single-object encoding (marker, 8-byte CRC-64 fingerprint of the
 * writer schema, binary body), like serving's other state ({@link StateStoreSchemas}), so a later schema (a field added
 * with a default) still reads a changelog written before it. Every schema this service ever wrote is shipped under
 * {@code divergence-schemas/}. About 180 bytes per window whatever its size.
 */
final class DivergenceSerde implements Serde<DivergenceTest> {

    /** The shipped schemas, oldest first; a test checks that the current schema is among them. */
    static final List<String> SHIPPED = List.of("divergence-schemas/v1.avsc");

    private static final Schema MARTINGALE = SchemaBuilder.record("BettingMartingale")
            .namespace("io.mlcycle.serving.internal").fields()
            .name("n").type().longType().noDefault()
            .name("sum").type().doubleType().noDefault()
            .name("sum_squares").type().doubleType().noDefault()
            .name("log_wealth").type().doubleType().noDefault()
            .name("max_log_wealth").type().doubleType().noDefault()
            .endRecord();

    static final Schema SCHEMA = SchemaBuilder.record("TruthDivergence").namespace("io.mlcycle.serving.internal")
            .fields()
            .name("accuracy_above").type(MARTINGALE).noDefault()
            .name("accuracy_below").type(MARTINGALE).noDefault()
            .name("positives_above").type(MARTINGALE).noDefault()
            .name("positives_below").type(MARTINGALE).noDefault()
            .name("rejected_at").type().longType().noDefault()
            .endRecord();

    private final BinaryMessageEncoder<GenericRecord> encoder;
    private final BinaryMessageDecoder<GenericRecord> decoder;

    DivergenceSerde() {
        this.encoder = new BinaryMessageEncoder<>(GenericData.get(), SCHEMA);
        this.decoder = new BinaryMessageDecoder<>(GenericData.get(), SCHEMA);
        shippedSchemas().forEach(decoder::addSchema);
        decoder.addSchema(SCHEMA);
    }

    static List<Schema> shippedSchemas() {
        return StateStoreSchemas.shipped(DivergenceSerde.class, SHIPPED);
    }

    @Override
    public Serializer<DivergenceTest> serializer() {
        return (topic, test) -> test == null ? null : write(test);
    }

    @Override
    public Deserializer<DivergenceTest> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    byte[] write(DivergenceTest test) {
        GenericRecord record = new GenericData.Record(SCHEMA);
        record.put("accuracy_above", martingale(test.accuracyAbove()));
        record.put("accuracy_below", martingale(test.accuracyBelow()));
        record.put("positives_above", martingale(test.positivesAbove()));
        record.put("positives_below", martingale(test.positivesBelow()));
        record.put("rejected_at", test.rejectedAt());
        return StateStoreSchemas.encode(encoder, record, "divergence test");
    }

    DivergenceTest read(byte[] bytes) {
        try {
            GenericRecord record = decoder.decode(bytes);
            return new DivergenceTest(martingale(record.get("accuracy_above")),
                    martingale(record.get("accuracy_below")), martingale(record.get("positives_above")),
                    martingale(record.get("positives_below")), (Long) record.get("rejected_at"));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode divergence test: " + e.getMessage(), e);
        }
    }

    private static GenericRecord martingale(BettingMartingale m) {
        GenericRecord record = new GenericData.Record(MARTINGALE);
        record.put("n", m.n());
        record.put("sum", m.sum());
        record.put("sum_squares", m.sumSquares());
        record.put("log_wealth", m.logWealth());
        record.put("max_log_wealth", m.maxLogWealth());
        return record;
    }

    private static BettingMartingale martingale(Object value) {
        GenericRecord record = (GenericRecord) value;
        return new BettingMartingale((Long) record.get("n"), (Double) record.get("sum"),
                (Double) record.get("sum_squares"), (Double) record.get("log_wealth"),
                (Double) record.get("max_log_wealth"));
    }
}
