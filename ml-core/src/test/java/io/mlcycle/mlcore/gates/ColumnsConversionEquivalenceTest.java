package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.TestSpecs;
import io.mlcycle.mlcore.normalize.NormalizationTally;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A column plan ({@link JsonRecordConverter.Columns}, used for CSV files) must give exactly what converting the row as a
 * JSON object of text values gives (the way the importer did it before): the same record, the same violations in the
 * same order, the same normalisation counts; over random headers with unknown, aliased and repeated names, random
 * text values, and with and without a generated key and event time.
 */
class ColumnsConversionEquivalenceTest {

    private static final String[] TEXTS = {"", " ", "?", " ? ", "NA", "n/a", "-", "abc", " Red ", "GREEN", "red",
            "1,234", "1,234.5", "12,34", "1.234,5", "3,5", "50%", " 50 % ", "1e3", " 42 ", "4.2e1", "NaN", "inf",
            "-Infinity", "0.766", "-12.5", "007", "-0", "-0.0", "123456789", "1234567890", "-2147483648",
            "2147483648", "123456789012345678", "1234567890123456789", "-999", ".5", "5.", "--1", "1.2.3", "+5",
            "yes", "No", "Y", "n", "1", "0", "TRUE", "false", "maybe", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00",
            "2024-05-01", "1714564800000", "1714564800", "01/05/2024 14:00", "99999999999999999999", "1e-1000000000",
            "9".repeat(150), "line\nbreak", "quote\"d", "\u00e9t\u00e9"};
    private static final String[] UNKNOWN = {"nickname", "Amount", "late", "event_idx", "\u00fcber"};

    @Test
    void aColumnPlanGivesExactlyWhatTheObjectOfTextValuesGives() throws Exception {
        Random random = new Random(11);
        for (PipelineSpec spec : List.of(shop(), TestSpecs.credit())) {
            List<String> names = new ArrayList<>();
            spec.data().fields().forEach(f -> {
                names.add(f.name());
                if (f.normalize().alias() != null) {
                    names.add(f.normalize().alias());
                }
            });
            String key = spec.data().key();
            String time = spec.data().eventTime();
            List<String> notKeyOrTime = names.stream().filter(n -> !n.equals(key) && !n.equals(time)
                    && !n.equals(alias(spec, key)) && !n.equals(alias(spec, time))).toList();
            for (int i = 0; i < 3_000; i++) {
                boolean generated = random.nextBoolean();
                List<String> header = header(random, generated ? notKeyOrTime : names);
                String[] values = new String[header.size()];
                for (int c = 0; c < values.length; c++) {
                    values[c] = TEXTS[random.nextInt(TEXTS.length)];
                }
                String eventId = "id-" + i;
                long eventTime = 1_700_000_000_000L + i;
                assertSame(spec, header, values, generated ? key : null, generated ? time : null, eventId, eventTime);
            }
        }
    }

    @Test
    void decimalTextsGiveExactlyDoubleParseDoublesAnswerOnTheFastPath() throws Exception {
        PipelineSpec spec = shop();
        JsonRecordConverter fast = new JsonRecordConverter(spec, new NormalizationTally());
        JsonRecordConverter general = JsonRecordConverter.withoutFastPaths(spec, new NormalizationTally());
        JsonRecordConverter.Columns fastPlan = fast.columns(List.of("plain"), "id", "at");
        JsonRecordConverter.Columns generalPlan = general.columns(List.of("plain"), "id", "at");
        Random random = new Random(17);
        List<String> texts = new ArrayList<>(List.of("0", "-0", "0.0", "-0.000", "9007199254740991",
                "9007199254740992", "9007199254740993", "0.1", "0.7661266090", "123456789012345678",
                "1234567890123456789", "0.0000000000000000000001", "0.00000000000000000000001", "1.7976931348623157",
                "4.9", "2.2250738585072014", "8.5", "-3.75", "00012.500"));
        for (int i = 0; i < 50_000; i++) {
            StringBuilder text = new StringBuilder(random.nextInt(4) == 0 ? "-" : "");
            int whole = 1 + random.nextInt(random.nextBoolean() ? 3 : 19);
            for (int d = 0; d < whole; d++) {
                text.append((char) ('0' + random.nextInt(10)));
            }
            if (random.nextInt(5) > 0) {
                text.append('.');
                int fraction = 1 + random.nextInt(random.nextBoolean() ? 6 : 24);
                for (int d = 0; d < fraction; d++) {
                    text.append((char) ('0' + random.nextInt(10)));
                }
            }
            texts.add(text.toString());
        }
        for (String text : texts) {
            // "-999" is one of the spec's missing markers.
            Object expected = text.equals("-999") ? null : Double.parseDouble(text) + 0.0;
            assertThat(fastPlan.convert(new String[]{text}, "k", 1L).record().get("plain")).as(text)
                    .isEqualTo(expected);
            assertThat(generalPlan.convert(new String[]{text}, "k", 1L).record().get("plain")).as(text)
                    .isEqualTo(expected);
            String line = "x," + text + ",y";
            assertThat(fastPlan.convert(line, new int[]{2, 2 + text.length()}, "k", 1L).record().get("plain"))
                    .as(text).isEqualTo(expected);
        }
    }

    private static String alias(PipelineSpec spec, String field) {
        return spec.field(field).map(f -> f.normalize().alias()).orElse(null);
    }

    private static List<String> header(Random random, List<String> names) {
        List<String> header = new ArrayList<>();
        int width = 1 + random.nextInt(names.size() + 2);
        for (int i = 0; i < width; i++) {
            header.add(random.nextInt(10) == 0 ? UNKNOWN[random.nextInt(UNKNOWN.length)]
                    : names.get(random.nextInt(names.size())));
        }
        return header;
    }

    private static void assertSame(PipelineSpec spec, List<String> header, String[] values, String keyField,
                                   String timeField, String eventId, long eventTime) {
        NormalizationTally objectTally = new NormalizationTally();
        NormalizationTally planTally = new NormalizationTally();
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        for (int c = 0; c < values.length; c++) {
            object.put(header.get(c), values[c]);
        }
        if (keyField != null) {
            object.put(keyField, eventId);
        }
        if (timeField != null) {
            object.put(timeField, eventTime);
        }
        Conversion expected = new JsonRecordConverter(spec, objectTally).convert(object);
        Conversion actual = new JsonRecordConverter(spec, planTally).columns(header, keyField, timeField)
                .convert(values, eventId, eventTime);
        String shown = header + " " + Arrays.toString(values);
        assertThat(actual.violations()).as(shown).isEqualTo(expected.violations());
        assertThat(actual.record()).as(shown).isEqualTo(expected.record());
        assertThat(planTally.counts()).as(shown).isEqualTo(objectTally.counts());

        // The same values as parts of one line (as a CSV line without quotes is read): the same conversion.
        NormalizationTally lineTally = new NormalizationTally();
        StringBuilder line = new StringBuilder("\u0001");
        int[] bounds = new int[2 * values.length];
        for (int c = 0; c < values.length; c++) {
            bounds[2 * c] = line.length();
            line.append(values[c]);
            bounds[2 * c + 1] = line.length();
            line.append('\u0001');
        }
        Conversion fromLine = new JsonRecordConverter(spec, lineTally).columns(header, keyField, timeField)
                .convert(line.toString(), bounds, eventId, eventTime);
        assertThat(fromLine.violations()).as(shown).isEqualTo(expected.violations());
        assertThat(fromLine.record()).as(shown).isEqualTo(expected.record());
        assertThat(lineTally.counts()).as(shown).isEqualTo(objectTally.counts());
    }

    private static PipelineSpec shop() throws Exception {
        return PipelineSpecParser.parse(StreamingConversionEquivalenceTest.SPEC, "shop.yaml");
    }
}
