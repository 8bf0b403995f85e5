package io.mlcycle.serving;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.PredictionSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of the join store's values: plain Avro binary with a fixed schema private to this service (state stores and
 * their changelogs are internal, so no registry round trip is needed). The feature map reuses the value type of
 * {@link LabeledExample#getFeatures()}, so int, long, double, boolean and string values keep their exact type.
 */
final class JoinStateSerde implements Serde<JoinState> {

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

    private final SpecificDatumWriter<GenericRecord> writer = new SpecificDatumWriter<>(SCHEMA, SpecificData.get());

    @Override
    public Serializer<JoinState> serializer() {
        return (topic, state) -> state == null ? null : write(state);
    }

    @Override
    public Deserializer<JoinState> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    byte[] write(JoinState state) {
        GenericRecord record = new GenericData.Record(SCHEMA);
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            synchronized (writer) {
                writer.write(record, encoder);
            }
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode join state: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    JoinState read(byte[] bytes) {
        try {
            SpecificDatumReader<GenericRecord> reader = new SpecificDatumReader<>(SCHEMA, SCHEMA, SpecificData.get());
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
            GenericRecord record = reader.read(null, decoder);
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
                predictions.add((PredictionSummary) item);
            }
            return new JoinState((Long) record.get("first_seen_at"), event, predictions, feedback,
                    (Boolean) record.get("labeled"));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode join state: " + e.getMessage(), e);
        }
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
