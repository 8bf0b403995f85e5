package io.mlcycle.ingestion;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The body's one pass (syntax check and conversion together) against the careful path (syntax pass, then each event
 * converted from its bytes): the same events at the same places, the same conversions, and for a body refused whole
 * the same exception with the same message.
 */
class EventBodyTest {

    private static final String GOOD = "{\"application_id\":\"a-1\",\"applied_at\":\"2025-06-01T10:00:00Z\","
            + "\"age\":41,\"income\":3200.5,\"employment\":\"employed\"}";
    private static final String ODD = "{\"application_id\":\"a-2\",\"applied_at\":\"2025-06-01 10:00\",\"age\":\"4x\","
            + "\"income\":1e400,\"extra\":{\"deep\":[1,2,{\"x\":null}]},\"event_id\":\"e-2\",\"employment\":\"?\"}";
    /** A number Jackson tokenises but cannot read as a decimal: the event is rejected, the body is not. */
    private static final String HUGE_EXPONENT = "{\"application_id\":\"a-3\",\"unknown\":1e99999999999}";

    private final EventBody parser = new EventBody();
    private JsonRecordConverter converter;

    /** A converted object as the test keeps it: the conversion and the captured event_id. */
    private record Converted(Conversion conversion, String eventId) implements EventBody.Converted {
    }

    @BeforeEach
    void spec() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(Path.of(getClass().getResource("/loans.yaml").toURI()));
        converter = new JsonRecordConverter(spec);
    }

    private EventBody.Converted convert(com.fasterxml.jackson.core.JsonParser json) throws java.io.IOException {
        JsonRecordConverter.Capture id = new JsonRecordConverter.Capture(EventIngestor.EVENT_ID_FIELD);
        Conversion conversion = converter.convertObjectOrThrow(json, id);
        return new Converted(conversion, id.present() ? id.value().toString() : null);
    }

    @Test
    void readableBodiesAreConvertedInOnePassExactlyAsEventByEvent() throws Exception {
        List<String> json = List.of(GOOD, "[" + GOOD + "," + ODD + "]", "  [\n" + GOOD + ",\n 42, \"text\", [1, 2],"
                + " null, {} ]  \n", "[]", "[" + ODD + "," + GOOD + "," + ODD + "]", "{\"\u00e9\":\"\u2603\"}");
        List<String> ndjson = List.of(GOOD + "\n" + ODD, GOOD + "\r\n\n  \n" + ODD + "\r\n", "42\n" + GOOD + "\n[1]\n",
                "\n\n" + GOOD);
        for (String body : json) {
            assertSameAsCarefulPath(body, EventBody.Format.JSON, 1000, true);
        }
        for (String body : ndjson) {
            assertSameAsCarefulPath(body, EventBody.Format.NDJSON, 1000, true);
        }
    }

    @Test
    void bodiesThatAreNotReadableInOnePassGetTheCarefulPathsAnswer() throws Exception {
        List<String> json = List.of("[" + GOOD + ",\n {\"age\": 4", GOOD + " " + GOOD, GOOD + " x", "42", "\"text\"",
                "{\"application_id\":\"n\",\"age\":NaN}", "{\"a\":" + "[".repeat(1500) + "]".repeat(1500) + "}",
                "[" + GOOD + "," + HUGE_EXPONENT + "]", "[" + GOOD + ",]", "{\"age\":41,}", "[" + GOOD + "}",
                "{\"age\":01}");
        List<String> ndjson = List.of(GOOD + "\n" + GOOD + "\n{oops}\n", GOOD + " " + GOOD + "\n", GOOD + "\n"
                + HUGE_EXPONENT + "\n", "{\"age\":\n41}\n");
        for (String body : json) {
            assertSameAsCarefulPath(body, EventBody.Format.JSON, 1000, false);
        }
        for (String body : ndjson) {
            assertSameAsCarefulPath(body, EventBody.Format.NDJSON, 1000, false);
        }
    }

    @Test
    void theRecordCapIsAnsweredAsBeforeEvenWhenTheBodyIsMalformedFurtherOn() throws Exception {
        assertSameAsCarefulPath("[" + GOOD + "," + GOOD + "," + GOOD + "]", EventBody.Format.JSON, 2, false);
        assertSameAsCarefulPath("[" + GOOD + "," + GOOD + "," + GOOD + ", oops", EventBody.Format.JSON, 2, false);
        assertSameAsCarefulPath("[" + GOOD + ", oops, " + GOOD + "]", EventBody.Format.JSON, 1, false);
        assertSameAsCarefulPath(GOOD + "\n" + GOOD + "\n{oops}\n", EventBody.Format.NDJSON, 2, false);
        assertSameAsCarefulPath(GOOD + "\n{oops}\n" + GOOD, EventBody.Format.NDJSON, 2, false);
    }

    @Test
    void aConverterDefectIsNotMistakenForUnreadableInput() {
        byte[] body = ("[" + GOOD + "]").getBytes(StandardCharsets.UTF_8);
        // Unreadable input (an IOException) takes the careful path, which gives the events unconverted...
        assertThat(outcome(() -> parser.parse(body, 0, body.length, EventBody.Format.JSON, 10, json -> {
            throw new com.fasterxml.jackson.core.JsonParseException(json, "unreadable");
        }))).isInstanceOfSatisfying(List.class, events -> assertThat(events).hasSize(1));
        // ...but any other exception is a defect: it propagates instead of being answered by the careful path.
        assertThat(outcome(() -> parser.parse(body, 0, body.length, EventBody.Format.JSON, 10, json -> {
            throw new IllegalStateException("a defect");
        }))).isEqualTo("IllegalStateException: a defect");
    }

    /**
     * Parses {@code body} both ways (with extra bytes around it, as the host's buffer may have) and compares; {@code
     * converted} says whether the one pass should have converted the body's objects.
     */
    private void assertSameAsCarefulPath(String text, EventBody.Format format, int maxEvents, boolean converted)
            throws Exception {
        byte[] inner = text.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[inner.length + 7];
        System.arraycopy(inner, 0, body, 3, inner.length);
        Object careful = outcome(() -> parser.parse(body, 3, inner.length, format, maxEvents));
        Object onePass = outcome(() -> parser.parse(body, 3, inner.length, format, maxEvents, this::convert));
        if (careful instanceof String failure) {
            assertThat(onePass).as(text).isEqualTo(failure);
            return;
        }
        @SuppressWarnings("unchecked")
        List<EventBody.Event> expected = (List<EventBody.Event>) careful;
        @SuppressWarnings("unchecked")
        List<EventBody.Event> actual = (List<EventBody.Event>) onePass;
        assertThat(places(actual)).as(text).isEqualTo(places(expected));
        for (EventBody.Event event : actual) {
            boolean object = event.text().startsWith("{");
            if (!converted || !object) {
                assertThat(event.converted()).as(event.text()).isNull();
                continue;
            }
            assertThat(event.converted()).as(event.text()).isNotNull();
            JsonRecordConverter.Capture id = new JsonRecordConverter.Capture(EventIngestor.EVENT_ID_FIELD);
            Conversion fromBytes = converter.convert(event.source(), event.start(), event.length(), id);
            Converted mine = (Converted) event.converted();
            assertThat(mine.conversion()).as(event.text()).isEqualTo(fromBytes);
            assertThat(mine.eventId()).isEqualTo(id.present() ? id.value().toString() : null);
        }
    }

    private static List<String> places(List<EventBody.Event> events) {
        List<String> places = new ArrayList<>();
        for (EventBody.Event event : events) {
            places.add(event.index() + ":" + event.start() + "-" + event.end());
        }
        return places;
    }

    @FunctionalInterface
    private interface Parse {
        List<EventBody.Event> run() throws Exception;
    }

    /** The events, or the exception's class and message. */
    private static Object outcome(Parse parse) {
        try {
            return parse.run();
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
