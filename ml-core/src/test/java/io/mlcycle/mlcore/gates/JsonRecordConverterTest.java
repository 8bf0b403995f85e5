package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.TestSpecs;
import java.time.Instant;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class JsonRecordConverterTest {
    static final PipelineSpec SPEC = TestSpecs.credit();
    private final JsonRecordConverter converter = new JsonRecordConverter(SPEC);

    @Test
    void convertsPlainJsonToTheDataSchema() {
        Conversion c = converter.convert("""
                {"application_id": "A-1", "applied_at": "2024-05-01T12:00:00Z", "age": 42, "income": 52000.5,
                 "employment": "employed", "email": "ann@example.com", "defaulted": false}""");
        assertThat(c.ok()).isTrue();
        GenericRecord r = c.record();
        assertThat(r.getSchema()).isEqualTo(SPEC.dataSchema());
        assertThat(r.get("applied_at")).isEqualTo(Instant.parse("2024-05-01T12:00:00Z").toEpochMilli());
        assertThat(r.get("age")).isEqualTo(42);
        assertThat(r.get("income")).isEqualTo(52000.5);
        assertThat(r.get("defaulted")).isEqualTo(false);
        assertThat(new RecordGates(SPEC).check(r, Instant.parse("2024-05-01T12:00:00Z")).passed()).isTrue();
    }

    @Test
    void acceptsNumericStringsEpochMillisBooleanTextAndMissingMarkers() {
        Conversion c = converter.convert("""
                {"application_id": "A-2", "applied_at": 1714564800000, "age": " 42 ", "income": "1e3",
                 "employment": "?", "email": "", "defaulted": "TRUE"}""");
        assertThat(c.violations()).isEmpty();
        assertThat(c.record().get("applied_at")).isEqualTo(1714564800000L);
        assertThat(c.record().get("age")).isEqualTo(42);
        assertThat(c.record().get("income")).isEqualTo(1000.0);
        assertThat(c.record().get("employment")).isNull();
        assertThat(c.record().get("email")).isNull();
        assertThat(c.record().get("defaulted")).isEqualTo(true);
    }

    @Test
    void missingKeysAndJsonNullBecomeNull() {
        Conversion c = converter.convert("{\"application_id\": \"A-3\", \"age\": null}");
        assertThat(c.violations()).isEmpty();
        assertThat(c.record().get("age")).isNull();
        assertThat(c.record().get("income")).isNull();
    }

    @Test
    void unknownFieldsAreReported() {
        Conversion c = converter.convert("{\"application_id\": \"A-4\", \"nickname\": \"Ann\"}");
        assertThat(c.violations()).containsExactly(new Violation(ReasonCode.UNKNOWN_FIELD, "nickname",
                "the field 'nickname' is not declared in the pipeline spec 'credit'"));
        assertThat(c.record().get("application_id")).isEqualTo("A-4");
    }

    @Test
    void wrongJsonTypesAreReportedPerField() {
        Conversion c = converter.convert("""
                {"application_id": 17, "age": "forty", "income": true, "defaulted": "maybe",
                 "employment": ["employed"], "applied_at": "yesterday"}""");
        assertThat(c.violations()).extracting(Violation::code, Violation::field).containsExactlyInAnyOrder(
                tuple(ReasonCode.WRONG_TYPE, "application_id"), tuple(ReasonCode.WRONG_TYPE, "age"),
                tuple(ReasonCode.WRONG_TYPE, "income"), tuple(ReasonCode.WRONG_TYPE, "defaulted"),
                tuple(ReasonCode.WRONG_TYPE, "employment"), tuple(ReasonCode.WRONG_TYPE, "applied_at"));
        assertThat(c.violations()).extracting(Violation::detail).contains(
                "application_id should be text but is the number 17",
                "age should be a number but is the text 'forty'",
                "applied_at = 'yesterday' is not a timestamp (use epoch milliseconds or ISO-8601, e.g. 2024-05-01T12:00:00Z)");
    }

    @Test
    void integersOutOfRangeAndFractionsForIntFields() {
        assertThat(converter.convert("{\"age\": 3000000000}").violations()).containsExactly(new Violation(
                ReasonCode.WRONG_TYPE, "age", "age = 3000000000 is too large for a 32-bit whole number (int)"));
        assertThat(converter.convert("{\"age\": 42.5}").violations()).containsExactly(new Violation(
                ReasonCode.WRONG_TYPE, "age", "age = 42.5 is not a whole number"));
        assertThat(converter.convert("{\"age\": 42.0}").record().get("age")).isEqualTo(42);
        assertThat(converter.convert("{\"applied_at\": 123456789012345678901234567890}").violations())
                .extracting(Violation::code).containsExactly(ReasonCode.WRONG_TYPE);
    }

    @Test
    void nanAndInfinityAreNotFinite() {
        assertThat(converter.convert("{\"income\": \"NaN\"}").violations()).containsExactly(
                new Violation(ReasonCode.NOT_FINITE, "income", "income = 'NaN' is not a finite number"));
        assertThat(converter.convert("{\"income\": \"-Infinity\"}").violations()).extracting(Violation::code)
                .containsExactly(ReasonCode.NOT_FINITE);
        assertThat(converter.convert("{\"income\": NaN}").violations()).extracting(Violation::code)
                .containsExactly(ReasonCode.NOT_FINITE);
        assertThat(converter.convert("{\"income\": 1e400}").violations()).extracting(Violation::code)
                .containsExactly(ReasonCode.NOT_FINITE);
        assertThat(converter.convert("{\"age\": \"Infinity\"}").violations()).extracting(Violation::code)
                .containsExactly(ReasonCode.NOT_FINITE);
    }

    @Test
    void malformedInputIsReportedNotThrown() {
        Conversion broken = converter.convert("{\"age\": 4");
        assertThat(broken.record()).isNull();
        assertThat(broken.violations()).singleElement().satisfies(v -> {
            assertThat(v.code()).isEqualTo(ReasonCode.MALFORMED_JSON);
            assertThat(v.detail()).startsWith("the input is not valid JSON at line 1");
        });
        assertThat(converter.convert("[1, 2]").violations()).extracting(Violation::detail)
                .containsExactly("expected a JSON object with the record's fields, but got array");
        assertThat(converter.convert("").violations()).extracting(Violation::code)
                .containsExactly(ReasonCode.MALFORMED_JSON);
        assertThat(converter.convert("{} {}").violations()).extracting(Violation::code)
                .containsExactly(ReasonCode.MALFORMED_JSON);
    }

    @Test
    void timestampFormats() {
        long expected = Instant.parse("2024-05-01T12:00:00Z").toEpochMilli();
        assertThat(converter.convert("{\"applied_at\": \"2024-05-01T14:00:00+02:00\"}").record().get("applied_at"))
                .isEqualTo(expected);
        assertThat(converter.convert("{\"applied_at\": \"2024-05-01T12:00:00\"}").record().get("applied_at"))
                .isEqualTo(expected);
        assertThat(converter.convert("{\"applied_at\": \"2024-05-01\"}").record().get("applied_at"))
                .isEqualTo(Instant.parse("2024-05-01T00:00:00Z").toEpochMilli());
        assertThat(converter.convert("{\"applied_at\": \"1714564800000\"}").record().get("applied_at"))
                .isEqualTo(expected);
    }

    @Test
    void rendersRecordsAsPlainJsonAndBack() {
        GenericRecord r = RecordGatesTest.valid();
        String json = JsonRecordConverter.toJsonString(r);
        assertThat(json).isEqualTo("{\"application_id\":\"A-1\",\"applied_at\":\"2024-05-01T12:00:00Z\",\"age\":42,"
                + "\"income\":52000.0,\"employment\":\"employed\",\"email\":\"ann@example.com\",\"defaulted\":false}");
        Conversion back = converter.convert(json);
        assertThat(back.ok()).isTrue();
        assertThat(back.record()).isEqualTo(r);
    }
}
