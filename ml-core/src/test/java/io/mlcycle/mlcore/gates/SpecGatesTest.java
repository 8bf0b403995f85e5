package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.mlcycle.mlcore.spec.GatesSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecError;
import io.mlcycle.mlcore.spec.SpecException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/** The gates of the spec's {@code gates} section: unseen categories, sentinels, CEL rules, lateness. */
class SpecGatesTest {

    static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    static final String BASE = """
            pipeline: credit
            data:
              record: Loan
              key: id
              event_time: at
              fields:
                - {name: id, type: string, required: true}
                - {name: at, type: timestamp, required: true}
                - {name: loan_amount, type: double, feature: true}
                - {name: monthly_income, type: double, feature: true}
                - {name: late_30_59, type: int, feature: true}
                - {name: late_90, type: int, feature: true}
                - {name: purpose, type: category, feature: true, values: [car, home]}
                - {name: channel, type: category, feature: true, values: [web, branch]}
                - {name: region, type: category, feature: true, values: [north, south]}
                - {name: defaulted, type: boolean}
            label:
              field: defaulted
              positive: true
            """;

    static final String GATES = """
            gates:
              categories:
                purpose: {unseen: other}
                channel: {unseen: pass}
              sentinels:
                late_30_59: {values: [96, 98], action: missing, meaning: "not reported"}
                late_90: {values: [96, 98], action: reject}
              rules:
                - name: affordable
                  expr: loan_amount <= monthly_income * 60
                  detail: a loan above five years of income is a data error
              event_time:
                max_late: P30D
              duplicates:
                retention: PT12H
            """;

    static PipelineSpec spec(String gates) throws SpecException {
        return PipelineSpecParser.parse(BASE + gates, "credit.yaml");
    }

    static GenericData.Record record(PipelineSpec spec, Map<String, Object> values) {
        GenericData.Record r = new GenericData.Record(spec.dataSchema());
        r.put("id", "L-1");
        r.put("at", NOW.toEpochMilli());
        r.put("loan_amount", 10_000.0);
        r.put("monthly_income", 2_000.0);
        r.put("late_30_59", 0);
        r.put("late_90", 0);
        r.put("purpose", "car");
        r.put("channel", "web");
        r.put("region", "north");
        r.put("defaulted", false);
        values.forEach(r::put);
        return r;
    }

    @Test
    void theSectionIsParsed() throws SpecException {
        GatesSpec gates = spec(GATES).gates();
        assertThat(gates.unseen()).containsEntry("purpose", GatesSpec.UnseenPolicy.OTHER)
                .containsEntry("channel", GatesSpec.UnseenPolicy.PASS);
        assertThat(gates.sentinels().get("late_90").action()).isEqualTo(GatesSpec.SentinelAction.REJECT);
        assertThat(gates.rules()).extracting(GatesSpec.Rule::name, GatesSpec.Rule::line)
                .containsExactly(tuple("affordable", 29));
        assertThat(gates.maxLate()).contains(Duration.ofDays(30));
        assertThat(gates.duplicates()).contains(Duration.ofHours(12));
        assertThat(spec("").gates().duplicates()).contains(GatesSpec.DEFAULT_DUPLICATE_RETENTION);
    }

    @Test
    void anInvalidRuleFailsTheSpecNamingItsLine() {
        String bad = """
                gates:
                  rules:
                    - name: typo
                      expr: loan_amount <= monthly_incme * 60
                    - name: not_boolean
                      expr: loan_amount * 2
                """;
        assertThatThrownBy(() -> spec(bad)).isInstanceOf(SpecException.class).satisfies(e -> {
            assertThat(((SpecException) e).errors()).extracting(SpecError::line, SpecError::path).containsExactly(
                    tuple(23, "gates.rules[0].expr"), tuple(25, "gates.rules[1].expr"));
            assertThat(((SpecException) e).errors().get(0).message()).contains("typo").contains("monthly_incme");
            assertThat(((SpecException) e).errors().get(1).message()).contains("must be true or false");
        });
    }

    @Test
    void badReferencesAndPoliciesAreReported() {
        String bad = """
                gates:
                  categories:
                    loan_amount: {unseen: other}
                    purpose: {unseen: sometimes}
                  sentinels:
                    nothing: {values: [96], action: missing}
                    late_90: {values: [96], action: ignore}
                """;
        assertThatThrownBy(() -> spec(bad)).isInstanceOf(SpecException.class).satisfies(e ->
                assertThat(((SpecException) e).errors()).extracting(SpecError::path).containsExactly(
                        "gates.categories.loan_amount", "gates.categories.purpose.unseen", "gates.sentinels.nothing",
                        "gates.sentinels.late_90.action"));
    }

    @Test
    void anUnseenCategoryIsRejectedMappedToOtherOrPassedAndCounted() throws SpecException {
        PipelineSpec spec = spec(GATES);
        RecordGates gates = new RecordGates(spec);

        GateResult mapped = gates.check(record(spec, Map.of("purpose", "boat")), NOW);
        assertThat(mapped.passed()).isTrue();
        assertThat(mapped.record().get("purpose")).isEqualTo("other");
        assertThat(mapped.notes()).extracting(Violation::code, Violation::field, Violation::value)
                .containsExactly(tuple(ReasonCode.NOT_ALLOWED, "purpose", "boat"));

        GateResult passed = gates.check(record(spec, Map.of("channel", "phone")), NOW);
        assertThat(passed.passed()).isTrue();
        assertThat(passed.record().get("channel")).isEqualTo("phone");
        assertThat(passed.notes()).extracting(Violation::detail)
                .containsExactly("channel = 'phone' is not a declared value and was passed as it is");

        GateResult rejected = gates.check(record(spec, Map.of("region", "east")), NOW);
        assertThat(rejected.violations()).extracting(Violation::code, Violation::value)
                .containsExactly(tuple(ReasonCode.NOT_ALLOWED, "east"));
    }

    @Test
    void sentinelCodesBecomeMissingOrAreRejected() throws SpecException {
        PipelineSpec spec = spec(GATES);
        RecordGates gates = new RecordGates(spec);

        GateResult missing = gates.check(record(spec, Map.of("late_30_59", 98)), NOW);
        assertThat(missing.passed()).isTrue();
        assertThat(missing.record().get("late_30_59")).isNull();
        assertThat(missing.notes()).extracting(Violation::code, Violation::detail).containsExactly(tuple(
                ReasonCode.SENTINEL_VALUE, "late_30_59 = 98 is a code for 'not reported' and was treated as missing"));

        GateResult rejected = gates.check(record(spec, Map.of("late_90", 96)), NOW);
        assertThat(rejected.violations()).extracting(Violation::code, Violation::field, Violation::detail)
                .containsExactly(tuple(ReasonCode.SENTINEL_VALUE, "late_90",
                        "late_90 = 96 is a code for 'unknown', not a real value; the spec rejects it"));
        assertThat(gates.check(record(spec, Map.of("late_90", 3)), NOW).passed()).isTrue();
    }

    @Test
    void aCrossFieldRuleInCelMixesWholeNumbersAndDecimals() throws SpecException {
        PipelineSpec spec = spec(GATES);
        RecordGates gates = new RecordGates(spec);

        assertThat(gates.check(record(spec, Map.of("loan_amount", 120_000.0)), NOW).passed()).isTrue();
        GateResult failed = gates.check(record(spec, Map.of("loan_amount", 120_000.5)), NOW);
        assertThat(failed.violations()).extracting(Violation::code, Violation::field).containsExactly(
                tuple(ReasonCode.RULE_FAILED, "loan_amount,monthly_income"));
        assertThat(failed.violations().get(0).detail()).isEqualTo("rule 'affordable' does not hold for loan_amount "
                + "= 120000.5, monthly_income = 2000: a loan above five years of income is a data error (loan_amount <= "
                + "monthly_income * 60 is false)");
        GenericData.Record noIncome = record(spec, Map.of("loan_amount", 1e9));
        noIncome.put("monthly_income", null);
        assertThat(gates.check(noIncome, NOW).passed()).as("a rule over a missing field does not apply").isTrue();
    }

    @Test
    void aRuleAboutMissingnessNamesTheFieldInQuotesAndTheMissingList() throws SpecException {
        PipelineSpec spec = spec("""
                gates:
                  rules:
                    - name: amount_without_income
                      expr: "'monthly_income' in missing ? loan_amount <= 10 : true"
                      detail: without an income the ratio is an amount
                """);
        RecordGates gates = new RecordGates(spec);
        GenericData.Record noIncome = record(spec, Map.of("loan_amount", 3120.0));
        noIncome.put("monthly_income", null);
        GateResult failed = gates.check(noIncome, NOW);
        assertThat(failed.violations()).extracting(Violation::code, Violation::field).containsExactly(
                tuple(ReasonCode.RULE_FAILED, "loan_amount"));
        assertThat(failed.violations().get(0).detail()).contains("loan_amount = 3120")
                .contains("without an income the ratio is an amount");
        GenericData.Record smallWithoutIncome = record(spec, Map.of("loan_amount", 0.5));
        smallWithoutIncome.put("monthly_income", null);
        assertThat(gates.check(smallWithoutIncome, NOW).passed()).isTrue();
        assertThat(gates.check(record(spec, Map.of("loan_amount", 3120.0)), NOW).passed())
                .as("with an income the rule does not apply").isTrue();
    }

    @Test
    void anEventTimeTooFarInThePastIsRejected() throws SpecException {
        PipelineSpec spec = spec(GATES);
        RecordGates gates = new RecordGates(spec);
        long old = NOW.minus(Duration.ofDays(31)).toEpochMilli();
        assertThat(gates.check(record(spec, Map.of("at", old)), NOW).violations())
                .extracting(Violation::code).containsExactly(ReasonCode.EVENT_TIME_TOO_LATE);
        long recent = NOW.minus(Duration.ofDays(29)).toEpochMilli();
        assertThat(gates.check(record(spec, Map.of("at", recent)), NOW).passed()).isTrue();
    }
}
