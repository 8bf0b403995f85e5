package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mlcycle.avro.Feedback;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Random;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** The flat writer must write exactly the bytes of Avro's generic or specific writer, and leave every other case to it. */
class FlatRecordWriterTest {

    static final Schema FLAT = SchemaBuilder.record("Row").namespace("t").fields()
            .optionalString("s").optionalInt("i").optionalLong("l").optionalDouble("d").optionalFloat("f")
            .optionalBoolean("b")
            .name("at").type(Schema.createUnion(Schema.create(Schema.Type.NULL),
                    LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)))).withDefault(null)
            .endRecord();

    @Test
    void writesExactlyWhatTheGenericWriterWritesOverRandomRecords() throws Exception {
        FlatRecordWriter flat = FlatRecordWriter.of(FLAT);
        assertThat(flat).isNotNull();
        GenericDatumWriter<Object> generic = new GenericDatumWriter<>(FLAT);
        Random random = new Random(3);
        Object[][] values = {
            {"", "abc", "\u00e9t\u00e9 \ud83d\ude00", new Utf8("utf8"), "x".repeat(300)},
            {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE},
            {0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 1_714_564_800_000L},
            {0.0, -0.0, 1.5, Double.NaN, Double.NEGATIVE_INFINITY, Double.MIN_VALUE},
            {0f, -2.5f, Float.NaN},
            {true, false},
            {0L, 1_714_564_800_000L, -5L},
        };
        for (int n = 0; n < 5_000; n++) {
            GenericData.Record record = new GenericData.Record(FLAT);
            for (int f = 0; f < values.length; f++) {
                record.put(f, random.nextInt(4) == 0 ? null : values[f][random.nextInt(values[f].length)]);
            }
            assertThat(bytes(flat, record)).as(record.toString()).isEqualTo(bytes(generic, record));
        }
    }

    @Test
    void aValueOfAnotherTypeGoesToTheGenericWriterWithItsError() {
        FlatRecordWriter flat = FlatRecordWriter.of(FLAT);
        GenericData.Record record = new GenericData.Record(FLAT);
        record.put("l", 5); // an Integer where the union has long: Avro's writer refuses it
        assertThatThrownBy(() -> bytes(new GenericDatumWriter<>(FLAT), record))
                .isInstanceOf(org.apache.avro.UnresolvedUnionException.class);
        assertThatThrownBy(() -> bytes(flat, record)).isInstanceOf(org.apache.avro.UnresolvedUnionException.class);
    }

    @Test
    void writesSpecificRecordsExactlyAsTheSpecificWriterDoes() throws Exception {
        // Feedback: required strings (avro.java.string), a required timestamp-millis held as an Instant, an optional
        // string.
        FlatRecordWriter flat = FlatRecordWriter.of(Feedback.SCHEMA$, true);
        assertThat(flat).isNotNull();
        SpecificDatumWriter<Object> specific = new SpecificDatumWriter<>(Feedback.SCHEMA$);
        Random random = new Random(5);
        String[] texts = {"", "e-1", "\u00e9v\u00e9nement \ud83d\ude00", "x".repeat(200)};
        Instant[] times = {Instant.EPOCH, Instant.ofEpochMilli(-5), Instant.ofEpochMilli(1_714_564_800_123L),
            Instant.parse("2026-12-02T10:00:00.999999Z")};
        for (int n = 0; n < 2_000; n++) {
            Feedback feedback = new Feedback(texts[random.nextInt(texts.length)], texts[random.nextInt(texts.length)],
                    times[random.nextInt(times.length)], random.nextBoolean() ? null : texts[random.nextInt(4)]);
            assertThat(bytes(flat, feedback)).as(feedback.toString()).isEqualTo(bytes(specific, feedback));
        }
    }

    @Test
    void aMissingRequiredValueGoesToTheSpecificWriterWithItsError() {
        FlatRecordWriter flat = FlatRecordWriter.of(Feedback.SCHEMA$, true);
        Feedback feedback = new Feedback("e-1", null, Instant.EPOCH, null);
        Class<? extends Throwable> expected = catchThrowable(() -> bytes(new SpecificDatumWriter<>(Feedback.SCHEMA$),
                feedback)).getClass();
        assertThatThrownBy(() -> bytes(flat, feedback)).isInstanceOf(expected);
    }

    @Test
    void anInstantInAGenericRecordGoesToTheGenericWriterWithItsError() throws Exception {
        Schema schema = SchemaBuilder.record("R").fields().name("at")
                .type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
                .endRecord();
        FlatRecordWriter flat = FlatRecordWriter.of(schema);
        assertThat(flat).isNotNull();
        GenericData.Record record = new GenericData.Record(schema);
        record.put(0, Instant.EPOCH);
        Class<? extends Throwable> expected = catchThrowable(() -> bytes(new GenericDatumWriter<>(schema), record))
                .getClass();
        assertThatThrownBy(() -> bytes(flat, record)).isInstanceOf(expected);
        record.put(0, 7L);
        assertThat(bytes(flat, record)).isEqualTo(bytes(new GenericDatumWriter<>(schema), record));
    }

    @Test
    void onlyRecordsOfPrimitivesOrNullablePrimitivesAreFlat() {
        assertThat(FlatRecordWriter.of(SchemaBuilder.record("R").fields().requiredLong("l").endRecord())).isNotNull();
        assertThat(FlatRecordWriter.of(SchemaBuilder.record("R").fields().name("a").type().optional().array()
                .items().longType().endRecord())).isNull();
        assertThat(FlatRecordWriter.of(SchemaBuilder.record("R").fields().name("u").type().unionOf().longType().and()
                .nullType().endUnion().noDefault().endRecord())).isNull();
        assertThat(FlatRecordWriter.of(SchemaBuilder.record("R").fields().name("d")
                .type(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT))).noDefault().endRecord()))
                .isNull();
        assertThat(FlatRecordWriter.of(Schema.create(Schema.Type.STRING))).isNull();
    }

    private static byte[] bytes(DatumWriter<Object> writer, Object datum) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        writer.write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
