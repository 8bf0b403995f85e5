package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.TestSpecs;
import io.mlcycle.mlcore.normalize.NormalizationTally;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming conversion (tokens straight into field slots, fast paths for plain numbers and numeric text) must
 * give exactly what the tree conversion through the general paths only gives: the same record, the same violations in the same order, the same
 * normalisation counts, over generated and hostile inputs.
 */
class StreamingConversionEquivalenceTest {

    static final String SPEC = """
            pipeline: shop
            data:
              record: Order
              key: id
              event_time: at
              missing_values: ["?", "NA", "", "-999"]
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
                - name: paris
                  type: timestamp
                  normalize: {timezone: Europe/Paris}
                - name: amount
                  type: double
                  feature: true
                  normalize: {thousands_separator: ",", missing: ["n/a", "-"]}
                - name: plain
                  type: double
                - name: euros
                  type: double
                  normalize: {decimal_comma: true, thousands_separator: "."}
                - name: rate
                  type: double
                  normalize: {percent: true}
                - name: grams
                  type: long
                  normalize: {scale: 1000}
                - name: count
                  type: int
                - name: total
                  type: long
                - name: late
                  type: int
                  normalize: {alias: "Late-30"}
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

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads trees as the converter does. */
    private static final ObjectMapper TREES = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private static final String[] NUMBERS = {"0", "-0", "1", "-1", "42", "2147483647", "2147483648", "-2147483648",
            "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
            "123456789012345678901234567890", "1.0", "1.50", "0.1", "-0.0", "52000.5", "3.14159265358979323846",
            "1e3", "1E-3", "4.2e1", "1.5e300", "1e400", "-1e400", "1e-400", "1e-1000000000", "1e1000000000",
            "1.5e-2147483647", "1e99999999999", "0.000000000000000000000000001", "12345678901234567890.5",
            "123456789012345678901234567.5", "NaN", "Infinity", "-Infinity", "1714564800000", "1714564800",
            "99999999999999999"};
    private static final String[] TEXTS = {"", " ", "?", " ? ", "NA", "n/a", "-", "abc", " Red ", "GREEN", "red",
            "1,234", "1,234.5", "12,34", "1.234,5", "3,5", "50%", " 50 % ", "1e3", " 42 ", "4.2e1", "NaN", "inf",
            "-Infinity", "0.766", "-12.5", "007", "-0", "-0.0", "123456789", "1234567890", "-2147483648",
            "2147483648", "123456789012345678", "1234567890123456789", "-999", " -999 ", ".5", "5.", "-", "--1", "1.2.3", "+5",
            "0.1000000000000000055511151231257827", "yes", "No", "Y", "n", "1", "0", "TRUE", "false", "True", "maybe", "2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00.123+02:00", "2024-05-01T12:00:00", "2024-05-01", "2024-05-01t12:00:00z",
            "2024-05-01T23:59:60Z", "2024-02-30T00:00:00Z", "2024-05-01T12:00:00+02:00[Europe/Paris]",
            "1714564800000", "-1714564800", "1714564800", "01/05/2024 14:00", "32/05/2024 14:00",
            "99999999999999999999", "1e-1000000000", "1e1000000000", "9e2147483647", "\u00e9t\u00e9",
            "\ud83d\ude00", "x".repeat(300), "9".repeat(150), "line\nbreak", "quote\"d", "back\\slash"};
    private static final String[] UNKNOWN = {"nickname", "Amount", "late", "event_idx", "x".repeat(200), "\u00fcber"};

    private final PipelineSpec shop = spec();
    private final List<PipelineSpec> specs = List.of(shop, TestSpecs.credit());

    @Test
    void streamingGivesExactlyWhatTheTreeGivesOverGeneratedInputs() throws Exception {
        Random random = new Random(7);
        for (PipelineSpec spec : specs) {
            List<String> names = new ArrayList<>();
            spec.data().fields().forEach(f -> {
                names.add(f.name());
                if (f.normalize().alias() != null) {
                    names.add(f.normalize().alias());
                }
            });
            for (int i = 0; i < 6_000; i++) {
                assertSame(spec, object(random, names), null);
            }
        }
    }

    @Test
    void hostileAndNonObjectInputsGiveTheSameResults() throws Exception {
        List<String> inputs = new ArrayList<>(List.of("null", "42", "\"text\"", "[1, 2]", "true", "[]", "{}",
                "{\"count\": 1, \"count\": \"x\"}", "{\"count\": [1, {\"a\": [2]}]}", "{\"count\": {}}",
                "{\"late\": 1, \"Late-30\": 2}", "{\"Late-30\": \"7\"}", "{\"late\": null, \"Late-30\": 2}",
                "{\"amount\": " + "[".repeat(900) + "]".repeat(900) + "}",
                "{\"nickname\": " + "[".repeat(1200) + "]".repeat(1200) + "}",
                "{\"count\": " + "[".repeat(1200) + "]".repeat(1200) + "}",
                "{\"count\": " + "7".repeat(2000) + "}", "{\"plain\": " + "7".repeat(2000) + ".5}",
                "{\"plain\": \"" + "1".repeat(200_000) + "\"}", "{\"" + "k".repeat(100_000) + "\": 1}"));
        for (String input : inputs) {
            assertSame(shop, input, null);
        }
    }

    @Test
    void aCapturedFieldIsTakenOutOfTheRecordUnlessTheSpecDeclaresIt() throws Exception {
        Random random = new Random(11);
        List<String> names = new ArrayList<>();
        shop.data().fields().forEach(f -> names.add(f.name()));
        for (int i = 0; i < 2_000; i++) {
            assertSame(shop, object(random, names), "event_id");
            assertSame(shop, object(random, names), "id");
            assertSame(shop, object(random, names), "Late-30");
        }
    }

    /** Tree conversion (after removing the captured field, as ingestion does) against streaming with a capture. */
    private void assertSame(PipelineSpec spec, String text, String captureName) throws Exception {
        NormalizationTally treeTally = new NormalizationTally();
        NormalizationTally streamTally = new NormalizationTally();
        JsonRecordConverter tree = JsonRecordConverter.withoutFastPaths(spec, treeTally);
        JsonRecordConverter stream = new JsonRecordConverter(spec, streamTally);

        Conversion expected;
        JsonNode expectedCapture = null;
        boolean declared = captureName != null && spec.field(captureName).isPresent();
        JsonNode node = null;
        if (captureName != null) {
            try {
                node = TREES.readTree(text);
            } catch (NumberFormatException e) {
                captureName = null; // not a tree at all: both must say MALFORMED_JSON alike
            }
        }
        if (captureName == null) {
            expected = tree.convert(text);
        } else {
            if (node instanceof ObjectNode object && object.has(captureName)) {
                expectedCapture = object.get(captureName);
                if (!declared) {
                    object.remove(captureName);
                }
            }
            expected = tree.convert(node);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        JsonRecordConverter.Capture capture = captureName == null ? null : new JsonRecordConverter.Capture(captureName);
        Conversion actual = stream.convert(bytes, 0, bytes.length, capture);

        String shown = text.length() > 300 ? text.substring(0, 300) + "..." : text;
        if (isJacksonError(expected) || isJacksonError(actual)) {
            // Jackson words its own errors a little differently for text and for bytes (e.g. how much of an
            // over-long name it had read); both must refuse the input as malformed JSON.
            assertThat(actual.violations()).as(shown).singleElement()
                    .satisfies(v -> assertThat(v.code()).isEqualTo(ReasonCode.MALFORMED_JSON));
            assertThat(isJacksonError(expected)).as(shown).isTrue();
            assertThat(actual.record()).as(shown).isNull();
            return;
        }
        assertThat(actual.violations()).as(shown).isEqualTo(expected.violations());
        assertThat(actual.record()).as(shown).isEqualTo(expected.record());
        assertThat(streamTally.counts()).as(shown).isEqualTo(treeTally.counts());
        if (capture != null) {
            assertThat(capture.value()).as(shown).isEqualTo(expectedCapture);
        }
    }

    private static boolean isJacksonError(Conversion c) {
        return c.violations().size() == 1 && c.violations().get(0).code() == ReasonCode.MALFORMED_JSON
                && c.violations().get(0).detail().startsWith("the input is not valid JSON");
    }

    private static String object(Random r, List<String> names) throws Exception {
        StringBuilder b = new StringBuilder("{");
        int fields = r.nextInt(names.size() + 3);
        for (int i = 0; i < fields; i++) {
            if (i > 0) {
                b.append(", ");
            }
            String name = switch (r.nextInt(12)) {
                case 0 -> UNKNOWN[r.nextInt(UNKNOWN.length)];
                case 1 -> "event_id";
                default -> names.get(r.nextInt(names.size()));
            };
            b.append(JSON.writeValueAsString(name)).append(": ").append(value(r, 0));
        }
        return b.append('}').toString();
    }

    private static String value(Random r, int depth) throws Exception {
        return switch (r.nextInt(depth > 1 ? 6 : 9)) {
            case 0, 1 -> NUMBERS[r.nextInt(NUMBERS.length)];
            case 2, 3 -> JSON.writeValueAsString(TEXTS[r.nextInt(TEXTS.length)]);
            case 4 -> r.nextBoolean() ? "true" : "false";
            case 5 -> "null";
            case 6 -> "[" + value(r, depth + 1) + ", " + value(r, depth + 1) + "]";
            case 7 -> "{\"a\": " + value(r, depth + 1) + "}";
            default -> JSON.writeValueAsString(String.format("%04d-%02d-%02dT%02d:%02d:%02d%s", 1990 + r.nextInt(40),
                    1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24), r.nextInt(60), r.nextInt(60),
                    switch (r.nextInt(4)) {
                        case 0 -> "Z";
                        case 1 -> "." + r.nextInt(1000) + "Z";
                        case 2 -> "+0" + r.nextInt(10) + ":30";
                        default -> "";
                    }));
        };
    }

    private static PipelineSpec spec() {
        try {
            return PipelineSpecParser.parse(SPEC, "shop.yaml");
        } catch (SpecException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
