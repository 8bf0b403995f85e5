package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.TestSpecs;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class RecordGatesTest {
    static final PipelineSpec SPEC = TestSpecs.credit();
    static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private final RecordGates gates = new RecordGates(SPEC);

    static GenericData.Record valid() {
        GenericData.Record r = new GenericData.Record(SPEC.dataSchema());
        r.put("application_id", "A-1");
        r.put("applied_at", NOW.toEpochMilli());
        r.put("age", 42);
        r.put("income", 52_000.0);
        r.put("employment", "employed");
        r.put("email", "ann@example.com");
        r.put("defaulted", false);
        return r;
    }

    static GenericData.Record validWith(Map<String, Object> changes) {
        GenericData.Record r = valid();
        changes.forEach(r::put);
        return r;
    }

    @Test
    void validRecordPassesUnchanged() {
        GateResult result = gates.check(valid(), NOW);
        assertThat(result.passed()).isTrue();
        assertThat(result.violations()).isEmpty();
        assertThat(result.record()).isEqualTo(valid());
    }

    @Test
    void normalisesTextCategoriesAndMissingMarkers() {
        GenericData.Record input = validWith(Map.of("application_id", new Utf8("  A-7 "), "employment", " Self_Employed ",
                "email", "NA"));
        GateResult result = gates.check(input, NOW);
        assertThat(result.passed()).isTrue();
        assertThat(result.record().get("application_id")).isEqualTo("A-7");
        assertThat(result.record().get("employment")).isEqualTo("self_employed");
        assertThat(result.record().get("email")).isNull();
    }

    @Test
    void missingRequired() {
        GenericData.Record input = valid();
        input.put("age", null);
        assertThat(gates.check(input, NOW).violations()).containsExactly(
                new Violation(ReasonCode.MISSING_REQUIRED, "age", "age is required but has no value"));
    }

    @Test
    void outOfRangeBelowAndAbove() {
        assertThat(gates.check(validWith(Map.of("age", 7)), NOW).violations()).containsExactly(
                new Violation(ReasonCode.OUT_OF_RANGE, "age", "age = 7 is below the minimum 18"));
        assertThat(gates.check(validWith(Map.of("age", 130)), NOW).violations()).containsExactly(
                new Violation(ReasonCode.OUT_OF_RANGE, "age", "age = 130 is above the maximum 100"));
        assertThat(gates.check(validWith(Map.of("income", -0.5)), NOW).violations()).containsExactly(
                new Violation(ReasonCode.OUT_OF_RANGE, "income", "income = -0.5 is below the minimum 0"));
    }

    @Test
    void boundsAreInclusive() {
        assertThat(gates.check(validWith(Map.of("age", 18)), NOW).passed()).isTrue();
        assertThat(gates.check(validWith(Map.of("age", 100)), NOW).passed()).isTrue();
    }

    @Test
    void notAllowedCategory() {
        assertThat(gates.check(validWith(Map.of("employment", "astronaut")), NOW).violations()).containsExactly(
                new Violation(ReasonCode.NOT_ALLOWED, "employment", "employment = 'astronaut' is not an allowed value "
                        + "(allowed: employed, self_employed, unemployed, retired, student)"));
    }

    @Test
    void patternMismatch() {
        assertThat(gates.check(validWith(Map.of("email", "not-an-email")), NOW).violations()).containsExactly(
                new Violation(ReasonCode.PATTERN_MISMATCH, "email",
                        "email = 'not-an-email' does not match the expected pattern ^[^@\\s]+@[^@\\s]+$"));
    }

    @Test
    void notFinite() {
        assertThat(gates.check(validWith(Map.of("income", Double.NaN)), NOW).violations())
                .extracting(Violation::code, Violation::field).containsExactly(tuple(ReasonCode.NOT_FINITE, "income"));
        assertThat(gates.check(validWith(Map.of("income", Double.POSITIVE_INFINITY)), NOW).violations())
                .extracting(Violation::code).containsExactly(ReasonCode.NOT_FINITE);
    }

    @Test
    void eventTimeInFutureBeyondTheAllowance() {
        long fourMinutesAhead = NOW.plusSeconds(240).toEpochMilli();
        long sixMinutesAhead = NOW.plusSeconds(360).toEpochMilli();
        assertThat(gates.check(validWith(Map.of("applied_at", fourMinutesAhead)), NOW).passed()).isTrue();
        assertThat(gates.check(validWith(Map.of("applied_at", sixMinutesAhead)), NOW).violations()).containsExactly(
                new Violation(ReasonCode.EVENT_TIME_IN_FUTURE, "applied_at", "applied_at = 2024-05-01T12:06:00Z is in "
                        + "the future: more than PT5M after now (2024-05-01T12:00:00Z)"));
    }

    @Test
    void wrongTypeFromADifferentWriterSchema() {
        Schema writer = SchemaBuilder.record("CreditApplication").namespace("io.mlcycle.data.credit").fields()
                .optionalString("application_id").optionalLong("applied_at").optionalString("age")
                .optionalString("nickname").endRecord();
        GenericData.Record input = new GenericData.Record(writer);
        input.put("application_id", "A-1");
        input.put("applied_at", NOW.toEpochMilli());
        input.put("age", "forty");
        input.put("nickname", "Ann");
        GateResult result = gates.check(input, NOW);
        assertThat(result.violations()).containsExactlyInAnyOrder(
                new Violation(ReasonCode.UNKNOWN_FIELD, "nickname",
                        "the field 'nickname' is not declared in the pipeline spec 'credit'"),
                new Violation(ReasonCode.WRONG_TYPE, "age", "age should be a whole number but is text ('forty')"));
        assertThat(result.record().getSchema()).isEqualTo(SPEC.dataSchema());
        assertThat(result.record().get("age")).isNull();
    }

    @Test
    void intFieldAcceptsALongInRangeAndRejectsOneOutOfRange() {
        Schema writer = SchemaBuilder.record("R").fields().optionalLong("age").endRecord();
        GenericData.Record ok = new GenericData.Record(writer);
        ok.put("age", 30L);
        assertThat(gates.check(ok, NOW).record().get("age")).isEqualTo(30);
        GenericData.Record huge = new GenericData.Record(writer);
        huge.put("age", 5_000_000_000L);
        assertThat(gates.check(huge, NOW).violations()).extracting(Violation::code)
                .contains(ReasonCode.WRONG_TYPE);
    }

    @Test
    void invalidLabelForCategoryLabels() throws Exception {
        PipelineSpec spec = io.mlcycle.mlcore.spec.PipelineSpecParser.parse("""
                pipeline: p
                data:
                  record: R
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string}
                    - {name: ts, type: timestamp}
                    - {name: x, type: double, feature: true}
                    - {name: outcome, type: category, values: [paid, default]}
                label: {field: outcome, positive: default}
                """, "p.yaml");
        RecordGates categoryGates = new RecordGates(spec);
        GenericData.Record r = new GenericData.Record(spec.dataSchema());
        r.put("id", "1");
        r.put("ts", 0L);
        r.put("x", 1.0);
        r.put("outcome", "unknown");
        assertThat(categoryGates.check(r, NOW).violations()).containsExactly(new Violation(ReasonCode.INVALID_LABEL,
                "outcome", "outcome = 'unknown' is not a valid label (expected one of paid, default)"));
        r.put("outcome", "DEFAULT");
        GateResult ok = categoryGates.check(r, NOW);
        assertThat(ok.passed()).isTrue();
        assertThat(ok.record().get("outcome")).isEqualTo("default");
    }

    @Test
    void reportsEveryViolationOfARecordTogether() {
        GenericData.Record input = validWith(Map.of("age", 7, "employment", "astronaut", "email", "x"));
        input.put("application_id", null);
        assertThat(gates.check(input, NOW).reasonCodes()).containsExactly(ReasonCode.MISSING_REQUIRED,
                ReasonCode.OUT_OF_RANGE, ReasonCode.NOT_ALLOWED, ReasonCode.PATTERN_MISMATCH);
    }

    @Test
    void isSafeToShareAcrossThreads() {
        ConcurrentLinkedQueue<Boolean> outcomes = new ConcurrentLinkedQueue<>();
        IntStream.range(0, 2_000).parallel().forEach(i -> {
            GenericRecord r = validWith(Map.of("age", 10 + i % 100));
            GateResult result = gates.check(r, NOW);
            int age = 10 + i % 100;
            outcomes.add(result.passed() == (age >= 18 && age <= 100));
        });
        assertThat(outcomes).hasSize(2_000).containsOnly(true);
    }

    @Test
    void everyReasonCodeHasADescriptionAndStableName() {
        assertThat(Arrays.stream(ReasonCode.values()).map(Enum::name)).containsExactly("MISSING_REQUIRED",
                "WRONG_TYPE", "OUT_OF_RANGE", "NOT_ALLOWED", "PATTERN_MISMATCH", "NOT_FINITE", "EVENT_TIME_IN_FUTURE",
                "INVALID_LABEL", "UNKNOWN_FIELD", "MALFORMED_JSON", "SCHEMA_MISMATCH", "DESERIALIZATION_FAILED",
                "UNKNOWN_SCHEMA_ID", "BAD_MAGIC_BYTE", "TRUNCATED_RECORD", "MALFORMED_ROW");
        assertThat(ReasonCode.values()).allSatisfy(c -> assertThat(c.description()).isNotBlank());
    }
}
