package io.mlcycle.mlcore.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.spec.FieldNormalization;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class NormalizationTest {

    static final String SPEC = """
            pipeline: shop
            data:
              record: Order
              key: id
              event_time: at
              missing_values: ["?"]
              fields:
                - name: id
                  type: string
                  normalize: {trim: true}
                - name: at
                  type: timestamp
                - name: seconds
                  type: timestamp
                  normalize: {timestamp_format: epoch_seconds}
                - name: local
                  type: timestamp
                  normalize: {timestamp_format: "dd/MM/yyyy HH:mm", timezone: Europe/Paris}
                - name: day
                  type: timestamp
                  normalize: {timestamp_format: "yyyyMMdd"}
                - name: amount
                  type: double
                  feature: true
                  normalize: {thousands_separator: ",", missing: ["n/a", "-"]}
                - name: euros
                  type: double
                  normalize: {decimal_comma: true, thousands_separator: "."}
                - name: rate
                  type: double
                  normalize: {percent: true}
                - name: grams
                  type: long
                  normalize: {scale: 1000}
                - name: member
                  type: boolean
                  normalize: {booleans: true}
                - name: colour
                  type: category
                  values: [red, green]
                  normalize: {trim: true, case: lower}
                - name: paid
                  type: boolean
            label:
              field: paid
              positive: true
            """;

    private final NormalizationTally tally = new NormalizationTally();
    private final JsonRecordConverter converter = new JsonRecordConverter(spec(SPEC), tally);

    static PipelineSpec spec(String yaml) {
        try {
            return PipelineSpecParser.parse(yaml, "shop.yaml");
        } catch (SpecException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Test
    void theSpecCarriesEachFieldsNormalisation() {
        PipelineSpec spec = spec(SPEC);
        FieldNormalization euros = spec.field("euros").orElseThrow().normalize();
        assertThat(euros.decimalComma()).isTrue();
        assertThat(euros.thousandsSeparator()).isEqualTo(".");
        assertThat(spec.field("grams").orElseThrow().normalize().scale()).isEqualByComparingTo(new BigDecimal(1000));
        assertThat(spec.field("local").orElseThrow().normalize().zone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(spec.field("paid").orElseThrow().normalize()).isEqualTo(FieldNormalization.NONE);
    }

    @Test
    void normalisesEveryDeclaredFormatAndCountsEachChangePerFieldAndRule() {
        Conversion c = converter.convert("""
                {"id": "  o-1 ", "at": "2024-05-01T12:00:00", "seconds": "1714564800", "local": "01/05/2024 14:00",
                 "day": "20240501", "amount": "1,234,567.5", "euros": "1.234,5", "rate": "12.5%", "grams": "2.5",
                 "member": "Yes", "colour": " Red ", "paid": "FALSE"}""");
        assertThat(c.violations()).isEmpty();
        var r = c.record();
        assertThat(r.get("id")).isEqualTo("o-1");
        assertThat(r.get("at")).isEqualTo(Instant.parse("2024-05-01T12:00:00Z").toEpochMilli());
        assertThat(r.get("seconds")).isEqualTo(1714564800000L);
        assertThat(r.get("local")).isEqualTo(Instant.parse("2024-05-01T12:00:00Z").toEpochMilli());
        assertThat(r.get("day")).isEqualTo(Instant.parse("2024-05-01T00:00:00Z").toEpochMilli());
        assertThat(r.get("amount")).isEqualTo(1234567.5);
        assertThat(r.get("euros")).isEqualTo(1234.5);
        assertThat(r.get("rate")).isEqualTo(0.125);
        assertThat(r.get("grams")).isEqualTo(2500L);
        assertThat(r.get("member")).isEqualTo(true);
        assertThat(r.get("colour")).isEqualTo("red");
        assertThat(r.get("paid")).isEqualTo(false);
        assertThat(tally.counts()).extracting(NormalizationTally.Count::field, NormalizationTally.Count::rule,
                NormalizationTally.Count::count).containsExactlyInAnyOrder(
                tuple("id", NormalizationRule.TRIM, 1L),
                tuple("at", NormalizationRule.ZONE_ASSUMED, 1L),
                tuple("seconds", NormalizationRule.EPOCH_SECONDS, 1L),
                tuple("local", NormalizationRule.TIMESTAMP_PATTERN, 1L),
                tuple("day", NormalizationRule.TIMESTAMP_PATTERN, 1L),
                tuple("amount", NormalizationRule.THOUSANDS_SEPARATOR, 1L),
                tuple("euros", NormalizationRule.THOUSANDS_SEPARATOR, 1L),
                tuple("euros", NormalizationRule.DECIMAL_COMMA, 1L),
                tuple("rate", NormalizationRule.PERCENT, 1L),
                tuple("grams", NormalizationRule.UNIT_SCALE, 1L),
                tuple("member", NormalizationRule.BOOLEAN_WORD, 1L),
                tuple("colour", NormalizationRule.TRIM, 1L),
                tuple("colour", NormalizationRule.CASE_FOLD, 1L),
                tuple("paid", NormalizationRule.BOOLEAN_WORD, 1L));
    }

    @Test
    void canonicalValuesAreNotCounted() {
        Conversion c = converter.convert("""
                {"id": "o-2", "at": "2024-05-01T12:00:00Z", "seconds": 1714564800, "amount": 12.5, "euros": 3,
                 "member": true, "colour": "green", "paid": "true"}""");
        assertThat(c.violations()).isEmpty();
        assertThat(c.record().get("seconds")).isEqualTo(1714564800000L);
        assertThat(tally.counts()).extracting(NormalizationTally.Count::field, NormalizationTally.Count::rule)
                .containsExactly(tuple("seconds", NormalizationRule.EPOCH_SECONDS));
    }

    @Test
    void booleanWordsInEveryCaseAndDigits() {
        for (String yes : new String[] {"yes", "YES", "y", "Y", "1", "True", "tRuE"}) {
            assertThat(converter.convert("{\"member\": \"" + yes + "\"}").record().get("member")).as(yes).isEqualTo(true);
        }
        for (String no : new String[] {"no", "No", "n", "N", "0", "False"}) {
            assertThat(converter.convert("{\"member\": \"" + no + "\"}").record().get("member")).as(no).isEqualTo(false);
        }
        assertThat(converter.convert("{\"member\": 1}").record().get("member")).isEqualTo(true);
        assertThat(converter.convert("{\"member\": \"maybe\"}").violations()).singleElement()
                .satisfies(v -> assertThat(v.detail()).contains("yes/no"));
        // Without booleans: true, words are wrong types.
        assertThat(converter.convert("{\"paid\": \"yes\"}").violations()).singleElement()
                .satisfies(v -> assertThat(v.code()).isEqualTo(ReasonCode.WRONG_TYPE));
    }

    @Test
    void fieldAndDataMissingMarkersBecomeNullAndAreCounted() {
        Conversion c = converter.convert("{\"amount\": \"n/a\", \"euros\": \"?\", \"rate\": \" - \"}");
        assertThat(c.violations()).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("rate"));
        assertThat(c.record().get("amount")).isNull();
        assertThat(c.record().get("euros")).isNull();
        assertThat(tally.counts()).extracting(NormalizationTally.Count::field, NormalizationTally.Count::rule)
                .containsExactlyInAnyOrder(tuple("amount", NormalizationRule.MISSING_MARKER),
                        tuple("euros", NormalizationRule.MISSING_MARKER));
    }

    @Test
    void malformedFormattedNumbersAreWrongTypesNamingTheProblem() {
        Conversion c = converter.convert("{\"amount\": \"12,34\", \"euros\": \"1,2,3\", \"rate\": \"%\", \"grams\": \"0.0001\"}");
        assertThat(c.violations()).extracting(v -> v.field(), v -> v.code()).containsExactlyInAnyOrder(
                tuple("amount", ReasonCode.WRONG_TYPE), tuple("euros", ReasonCode.WRONG_TYPE),
                tuple("rate", ReasonCode.WRONG_TYPE), tuple("grams", ReasonCode.WRONG_TYPE));
        assertThat(c.violations()).filteredOn(v -> v.field().equals("amount")).singleElement()
                .satisfies(v -> assertThat(v.detail()).contains("misplaced thousands separators"));
        assertThat(c.violations()).filteredOn(v -> v.field().equals("grams")).singleElement()
                .satisfies(v -> assertThat(v.detail()).contains("is not a whole number"));
    }

    @Test
    void aTimestampNotInTheDeclaredPatternIsAWrongTypeNamingThePattern() {
        Conversion c = converter.convert("{\"local\": \"2024-05-01T12:00:00Z\"}");
        assertThat(c.violations()).singleElement().satisfies(v -> {
            assertThat(v.code()).isEqualTo(ReasonCode.WRONG_TYPE);
            assertThat(v.detail()).contains("dd/MM/yyyy HH:mm");
        });
    }

    @Test
    void theSpecRefusesRulesThatDoNotFitTheFieldType() {
        String bad = SPEC.replace("normalize: {booleans: true}", "normalize: {percent: true, bogus: 1}")
                .replace("normalize: {timestamp_format: epoch_seconds}", "normalize: {timestamp_format: \"yyyy-MM-ddTHH\"}")
                .replace("normalize: {scale: 1000}", "normalize: {scale: abc, case: lower}");
        assertThatThrownBy(() -> PipelineSpecParser.parse(bad, "bad.yaml"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("data.fields[9].normalize.percent: applies to int, long and double fields only")
                .hasMessageContaining("data.fields[9].normalize.bogus: unknown key")
                .hasMessageContaining("data.fields[2].normalize.timestamp_format")
                .hasMessageContaining("data.fields[8].normalize.scale: must be a number")
                .hasMessageContaining("data.fields[8].normalize.case: applies to string and category fields only");
    }

    @Test
    void anAliasNamesTheFieldInInputAndMustBeUnique() {
        PipelineSpec spec = spec(SPEC.replace("normalize: {percent: true}", "normalize: {percent: true, alias: Rate-%}"));
        Conversion c = new JsonRecordConverter(spec).convert("{\"Rate-%\": \"50%\"}");
        assertThat(c.violations()).isEmpty();
        assertThat(c.record().get("rate")).isEqualTo(0.5);
        assertThatThrownBy(() -> PipelineSpecParser.parse(SPEC.replace("normalize: {percent: true}",
                "normalize: {percent: true, alias: amount}"), "dup.yaml"))
                .hasMessageContaining("'amount' is already the name or alias of another field");
    }

    @Test
    void numberTextParsesWithinItsBounds() throws Exception {
        FieldNormalization none = FieldNormalization.NONE;
        assertThat(NumberText.parse("1e-1000000000", none, r -> { }).scale()).isEqualTo(1_000_000_000);
        assertThat(NumberText.describe(new BigDecimal("1e-1000000000"))).isEqualTo("1E-1000000000");
        assertThat(NumberText.describe(new BigDecimal("12.50"))).isEqualTo("12.50");
        assertThatThrownBy(() -> NumberText.parse("1".repeat(101), none, r -> { }))
                .hasMessageContaining("101 characters long");
        assertThat(Excerpt.of("y".repeat(65))).hasSize(65).endsWith("\u2026");
    }
}
