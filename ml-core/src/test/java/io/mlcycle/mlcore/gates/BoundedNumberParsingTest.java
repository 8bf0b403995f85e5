package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.mlcycle.mlcore.TestSpecs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression tests for numeric text that used to be expanded with {@code BigDecimal.toPlainString()}: a 40-byte
 * {@code {"age": "1e-1000000000"}} held gigabytes of heap. Each conversion must finish at once (the timeout is a
 * guard against a hang, not a speed claim) with a short detail.
 */
class BoundedNumberParsingTest {
    private static final Duration GUARD = Duration.ofSeconds(10);
    private static final int SHORT = 300;
    private final JsonRecordConverter converter = new JsonRecordConverter(TestSpecs.credit());

    @ParameterizedTest
    @ValueSource(strings = {"\"1e-1000000000\"", "1e-1000000000", "\"1e1000000000\"", "1e1000000000",
            "\"-1E+999999999\"", "\"1e-50000000\"", "\"9e2147483647\"", "\"1.5e-2147483648\""})
    void hugeExponentsInAWholeNumberFieldAreRejectedQuicklyWithAShortDetail(String age) {
        Conversion c = assertTimeoutPreemptively(GUARD, () -> converter.convert("{\"age\": " + age + "}"));
        assertThat(c.violations()).filteredOn(v -> "age".equals(v.field()))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.code()).isEqualTo(ReasonCode.WRONG_TYPE);
                    assertThat(v.detail()).hasSizeLessThan(SHORT);
                });
        assertThat(c.record().get("age")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1e-1000000000\"", "1e-1000000000", "\"1e-50000000\""})
    void tinyNumbersInADoubleFieldUnderflowToZero(String income) {
        Conversion c = assertTimeoutPreemptively(GUARD, () -> converter.convert("{\"income\": " + income + "}"));
        assertThat(c.violations()).noneMatch(v -> "income".equals(v.field()));
        assertThat(c.record().get("income")).isEqualTo(0.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1e1000000000\"", "1e1000000000", "\"-9.9e999999999\""})
    void hugeNumbersInADoubleFieldAreNotFiniteWithAShortDetail(String income) {
        Conversion c = assertTimeoutPreemptively(GUARD, () -> converter.convert("{\"income\": " + income + "}"));
        assertThat(c.violations()).filteredOn(v -> "income".equals(v.field())).singleElement()
                .satisfies(v -> {
                    assertThat(v.code()).isEqualTo(ReasonCode.NOT_FINITE);
                    assertThat(v.detail()).hasSizeLessThan(SHORT);
                });
    }

    @Test
    void longNumericTextIsRefusedBeforeParsingAndEchoedOnlyAsAnExcerpt() {
        String digits = "9".repeat(2_000_000);
        Conversion c = assertTimeoutPreemptively(GUARD, () -> converter.convert("{\"age\": \"" + digits + "\"}"));
        assertThat(c.violations()).singleElement().satisfies(v -> {
            assertThat(v.code()).isEqualTo(ReasonCode.WRONG_TYPE);
            assertThat(v.detail()).hasSizeLessThan(SHORT).contains("\u2026").contains("2000000 characters");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5e-2147483647", "1e99999999999"})
    void aJsonNumberWhoseExponentJacksonCannotHoldIsMalformedJson(String age) {
        Conversion c = assertTimeoutPreemptively(GUARD, () -> converter.convert("{\"age\": " + age + "}"));
        assertThat(c.violations()).singleElement().satisfies(v -> {
            assertThat(v.code()).isEqualTo(ReasonCode.MALFORMED_JSON);
            assertThat(v.detail()).hasSizeLessThan(SHORT);
        });
    }

    @Test
    void aLongJsonNumberTokenIsMalformedJsonWithAShortDetail() {
        String digits = "7".repeat(100_000);
        Conversion c = assertTimeoutPreemptively(GUARD, () -> converter.convert("{\"age\": " + digits + "}"));
        assertThat(c.violations()).singleElement().satisfies(v -> {
            assertThat(v.code()).isEqualTo(ReasonCode.MALFORMED_JSON);
            assertThat(v.detail()).hasSizeLessThan(SHORT);
        });
    }

    @Test
    void longTextInEveryKindOfFieldIsQuotedOnlyAsAnExcerpt() {
        String junk = "x".repeat(20_000);
        Conversion c = converter.convert("{\"applied_at\": \"" + junk + "\", \"defaulted\": \"" + junk
                + "\", \"income\": \"" + junk + "\", \"" + junk + "\": 1}");
        assertThat(c.violations()).hasSize(4).allSatisfy(v -> {
            assertThat(v.detail()).hasSizeLessThan(SHORT);
            assertThat(v.field() == null ? "" : v.field()).hasSizeLessThan(SHORT);
        });
    }

    @Test
    void anUnrecognisedTokenIsEchoedOnlyAsAnExcerpt() {
        Conversion c = converter.convert("{\"age\": " + "a".repeat(10_000) + "}");
        assertThat(c.violations()).singleElement().satisfies(v -> {
            assertThat(v.code()).isEqualTo(ReasonCode.MALFORMED_JSON);
            assertThat(v.detail()).hasSizeLessThan(SHORT);
        });
    }

    @Test
    void ordinaryNumbersStillWork() {
        Conversion c = converter.convert("{\"age\": \"4.2e1\", \"income\": \"1.5E3\"}");
        assertThat(c.violations()).isEmpty();
        assertThat(c.record().get("age")).isEqualTo(42);
        assertThat(c.record().get("income")).isEqualTo(1500.0);
    }
}
