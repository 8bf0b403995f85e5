package io.mlcycle.serving;

import io.mlcycle.mlcore.monitoring.LabelNoiseDetector;
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
 * Serde of the label-noise thresholds the feedback join keeps ({@link LabelNoiseDetector.State}, store
 * {@value ServingTopology#LABEL_THRESHOLDS_STORE}): Avro single-object encoding (marker, 8-byte CRC-64 fingerprint of
 * the writer schema, binary body), like the join state, so a later schema (a field added with a default) still reads
 * a changelog written before it. Every schema this service ever wrote is shipped under
 * {@code label-thresholds-schemas/}.
 */
final class LabelThresholdsSerde implements Serde<LabelNoiseDetector.State> {

    /** The shipped schemas, oldest first; a test checks that the current schema is among them. */
    static final List<String> SHIPPED = List.of("label-thresholds-schemas/v1.avsc");

    static final Schema SCHEMA = SchemaBuilder.record("LabelThresholds").namespace("io.mlcycle.serving.internal")
            .fields()
            .name("negatives").type().longType().noDefault()
            .name("negative_probability_sum").type().doubleType().noDefault()
            .name("positives").type().longType().noDefault()
            .name("positive_probability_sum").type().doubleType().noDefault()
            .endRecord();

    private final BinaryMessageEncoder<GenericRecord> encoder;
    private final BinaryMessageDecoder<GenericRecord> decoder;

    LabelThresholdsSerde() {
        this.encoder = new BinaryMessageEncoder<>(GenericData.get(), SCHEMA);
        this.decoder = new BinaryMessageDecoder<>(GenericData.get(), SCHEMA);
        shippedSchemas().forEach(decoder::addSchema);
        decoder.addSchema(SCHEMA);
    }

    static List<Schema> shippedSchemas() {
        return StateStoreSchemas.shipped(LabelThresholdsSerde.class, SHIPPED);
    }

    @Override
    public Serializer<LabelNoiseDetector.State> serializer() {
        return (topic, state) -> state == null ? null : write(state);
    }

    @Override
    public Deserializer<LabelNoiseDetector.State> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    byte[] write(LabelNoiseDetector.State state) {
        GenericRecord record = new GenericData.Record(SCHEMA);
        record.put("negatives", state.negatives());
        record.put("negative_probability_sum", state.negativeProbabilitySum());
        record.put("positives", state.positives());
        record.put("positive_probability_sum", state.positiveProbabilitySum());
        return StateStoreSchemas.encode(encoder, record, "label thresholds");
    }

    LabelNoiseDetector.State read(byte[] bytes) {
        try {
            GenericRecord record = decoder.decode(bytes);
            return new LabelNoiseDetector.State((Long) record.get("negatives"),
                    (Double) record.get("negative_probability_sum"), (Long) record.get("positives"),
                    (Double) record.get("positive_probability_sum"));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode label thresholds: " + e.getMessage(), e);
        }
    }
}
