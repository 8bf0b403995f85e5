package io.mlcycle.serving;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.Variant;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of the join store's values: Avro single-object encoding (marker, 8-byte CRC-64 fingerprint of the writer
 * schema, binary body) with a schema private to this service (state stores and their changelogs are internal, so no
 * registry round trip is needed). The schema embeds public contracts (the feature map of
 * {@link LabeledExample#getFeatures()}, {@link PredictionSummary}); the fingerprint lets a compatible change of those
 * contracts still restore a changelog written before it: every schema this service ever wrote is shipped under
 * {@code join-state-schemas/} and resolved to the current one. Values written before fingerprints existed (no
 * marker) are read with the first shipped schema.
 */
final class JoinStateSerde implements Serde<JoinState> {

    /** The shipped schemas, oldest first; a test checks that the current schema is among them. */
    static final List<String> SHIPPED = List.of("join-state-schemas/v1.avsc");

    static final Schema SCHEMA = SchemaBuilder.record("JoinState").namespace("io.mlcycle.serving.internal").fields()
            .name("first_seen_at").type().longType().noDefault()
            .name("has_event").type().booleanType().noDefault()
            .name("event_from_validated").type().booleanType().noDefault()
            .name("entity_key").type().optional().stringType()
            .name("features").type(LabeledExample.getClassSchema().getField("features").schema()).noDefault()
            .name("event_time").type().longType().noDefault()
            .name("predictions").type().array().items(PredictionSummary.getClassSchema()).noDefault()
            .name("has_feedback").type().booleanType().noDefault()
            .name("feedback_label").type().optional().stringType()
            .name("feedback_observed_at").type().longType().noDefault()
            .name("feedback_source").type().optional().stringType()
            .name("labeled").type().booleanType().noDefault()
            .endRecord();

    private final Schema current;
    private final Schema legacy;
    private final BinaryMessageEncoder<GenericRecord> encoder;
    private final BinaryMessageDecoder<GenericRecord> decoder;

    JoinStateSerde() {
        this(SCHEMA, shippedSchemas());
    }

    /**
     * @param current the schema to write (and to read into)
     * @param known   every schema values may have been written with, oldest first (the first reads legacy values)
     */
    JoinStateSerde(Schema current, List<Schema> known) {
        this.current = current;
        this.legacy = known.isEmpty() ? current : known.get(0);
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), current);
        this.decoder = new BinaryMessageDecoder<>(GenericData.get(), current);
        known.forEach(decoder::addSchema);
        decoder.addSchema(current);
    }

    static List<Schema> shippedSchemas() {
        return StateStoreSchemas.shipped(JoinStateSerde.class, SHIPPED);
    }

    @Override
    public Serializer<JoinState> serializer() {
        return (topic, state) -> state == null ? null : write(state);
    }

    @Override
    public Deserializer<JoinState> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    byte[] write(JoinState state) {
        GenericRecord record = new GenericData.Record(current);
        JoinState.EventInfo event = state.event();
        JoinState.PendingFeedback feedback = state.feedback();
        record.put("first_seen_at", state.firstSeenAtMs());
        record.put("has_event", event != null);
        record.put("event_from_validated", event != null && event.fromValidated());
        record.put("entity_key", event == null ? null : event.entityKey());
        record.put("features", event == null ? Map.of() : event.features());
        record.put("event_time", event == null ? 0L : event.eventTimeMs());
        record.put("predictions", state.predictions());
        record.put("has_feedback", feedback != null);
        record.put("feedback_label", feedback == null ? null : feedback.label());
        record.put("feedback_observed_at", feedback == null ? 0L : feedback.observedAtMs());
        record.put("feedback_source", feedback == null ? null : feedback.source());
        record.put("labeled", state.labeled());
        return StateStoreSchemas.encode(encoder, record, "join state");
    }

    JoinState read(byte[] bytes) {
        try {
            GenericRecord record;
            if (bytes.length >= 2 && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01) {
                record = decoder.decode(bytes);
            } else {
                GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(legacy, current);
                record = reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
            }
            JoinState.EventInfo event = null;
            if ((Boolean) record.get("has_event")) {
                event = new JoinState.EventInfo(text(record.get("entity_key")),
                        FeatureValues.normalise((Map<?, ?>) record.get("features")),
                        (Long) record.get("event_time"), (Boolean) record.get("event_from_validated"));
            }
            JoinState.PendingFeedback feedback = null;
            if ((Boolean) record.get("has_feedback")) {
                feedback = new JoinState.PendingFeedback(text(record.get("feedback_label")),
                        (Long) record.get("feedback_observed_at"), text(record.get("feedback_source")));
            }
            List<PredictionSummary> predictions = new ArrayList<>();
            for (Object item : (List<?>) record.get("predictions")) {
                predictions.add(summary((GenericRecord) item));
            }
            return new JoinState((Long) record.get("first_seen_at"), event, predictions, feedback,
                    (Boolean) record.get("labeled"));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode join state: " + e.getMessage(), e);
        }
    }

    /** By field name, so fields added to the contract later (read as generic data) do not get in the way. */
    private static PredictionSummary summary(GenericRecord item) {
        Object variant = item.get("variant");
        Variant parsed;
        try {
            parsed = variant == null ? Variant.UNKNOWN : Variant.valueOf(variant.toString());
        } catch (IllegalArgumentException e) {
            parsed = Variant.UNKNOWN;
        }
        return PredictionSummary.newBuilder()
                .setPredictionId(text(item.get("prediction_id")))
                .setModelVersion(text(item.get("model_version")))
                .setVariant(parsed)
                .setScore((Double) item.get("score"))
                .setDecision((Boolean) item.get("decision"))
                .build();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
