package io.mlcycle.ingestion;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Splits an HTTP request body into its events: one JSON object, a JSON array of values, or NDJSON (one value per
 * line). Each event is the place of its value in the body, so a rejected event can be quarantined exactly as it was
 * sent. The body's syntax is checked completely before anything is produced, so a malformed body is refused as a
 * whole ({@link MalformedBodyException}, naming line and column) and never half-ingested.
 *
 * <p>One pass: given a {@link ValueConverter}, each object is converted while the body is read (the parser's tokens
 * go straight into the record), so the body is parsed once, not once to check it and again to convert it. When
 * anything in the body cannot be read that way (a syntax error, trailing content, a number the converter refuses),
 * the conversions made so far are dropped and the body takes the careful path: a syntax pass that gives the exact
 * 400 answer or the events' places, each then converted from its bytes. So every answer is what the syntax pass
 * alone gives; the one pass only makes the common case, a readable body, cheaper.
 */
final class EventBody {

    /** Media types accepted by {@code POST /v1/pipelines/{p}/events}. */
    enum Format {
        JSON("application/json"),
        NDJSON("application/x-ndjson");

        private final String mediaType;

        Format(String mediaType) {
            this.mediaType = mediaType;
        }

        String mediaType() {
            return mediaType;
        }

        /**
         * The format named by a Content-Type header value (parameters such as charset=utf-8 allowed), or null if
         * it is missing, another media type, or names a charset other than UTF-8.
         */
        static Format of(String contentType) {
            if (contentType == null) {
                return null;
            }
            String[] parts = contentType.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            for (int i = 1; i < parts.length; i++) {
                String[] param = parts[i].trim().split("=", 2);
                if (param.length == 2 && param[0].trim().equalsIgnoreCase("charset")
                        && !param[1].trim().replace("\"", "").equalsIgnoreCase("utf-8")) {
                    return null;
                }
            }
            for (Format format : values()) {
                if (format.mediaType.equals(type)) {
                    return format;
                }
            }
            return null;
        }
    }

    /**
     * One event of the body: where its JSON value lies in the body (its original text, for a rejection), and, when
     * it was converted in the body's one pass, the result; otherwise it is converted by streaming from these bytes.
     *
     * @param index     position in the body, from 0
     * @param source    the body
     * @param start     the value's first byte in {@code source}
     * @param end       one past its last byte
     * @param converted what the {@link ValueConverter} made of it in the body's one pass, or null: then it is
     *                  converted from its bytes
     */
    record Event(int index, byte[] source, int start, int end, Converted converted) {
        Event {
            Objects.requireNonNull(source, "source");
            if (start < 0 || end < start || end > source.length) {
                throw new IllegalArgumentException("event range [" + start + ", " + end + ") outside the body");
            }
        }

        /** An event not converted yet: the converter reads it from its bytes. */
        Event(int index, byte[] source, int start, int end) {
            this(index, source, start, end, null);
        }

        int length() {
            return end - start;
        }

        /** The event's original text, trimmed of surrounding whitespace (cut only when asked for: rejections). */
        String text() {
            return new String(source, start, end - start, StandardCharsets.UTF_8).trim();
        }
    }

    /** Converts one JSON object while the body is read; its result stays with the event until it is ingested. */
    @FunctionalInterface
    interface ValueConverter {
        /**
         * Reads exactly the object whose {@code START_OBJECT} is the parser's current token, leaving the parser on
         * its {@code END_OBJECT}; throws an {@link IOException} for anything it cannot read (the body then takes the
         * careful path).
         */
        Converted convert(JsonParser parser) throws IOException;
    }

    /** What the {@link ValueConverter} made of one object, opaque to the body's parsing. */
    interface Converted {
    }

    /** The body cannot be taken as a whole. */
    abstract static class BodyException extends Exception {
        BodyException(String message) {
            super(message);
        }
    }

    /** The body holds more events than a request may. */
    static final class TooManyEventsException extends BodyException {
        TooManyEventsException(int limit) {
            super("the body holds more than " + limit + " events, the most one request may carry"
                    + " (ingestion.max.records.per.request); split it into smaller requests");
        }
    }

    /** The body is not valid JSON (or NDJSON); the message names where. */
    static final class MalformedBodyException extends BodyException {
        MalformedBodyException(String message) {
            super(message);
        }
    }

    private final ObjectMapper mapper = JsonMapper.builder().build();

    /**
     * Parses a body that is known to be non-empty.
     *
     * @throws MalformedBodyException when the body is not valid JSON/NDJSON, or JSON that is neither an object nor
     *                                an array
     */
    List<Event> parse(byte[] body, int offset, int length, Format format, int maxEvents)
            throws MalformedBodyException, TooManyEventsException {
        return format == Format.NDJSON ? parseNdjson(body, offset, offset + length, maxEvents)
                : parseJson(body, offset, length, maxEvents);
    }

    /**
     * Parses a body that is known to be non-empty and converts its objects in the same pass (an event whose value
     * is not an object has no conversion: the ingestor converts it from its bytes, which gives its rejection). The
     * events and every exception are exactly those of {@link #parse(byte[], int, int, Format, int)}.
     */
    List<Event> parse(byte[] body, int offset, int length, Format format, int maxEvents, ValueConverter converter)
            throws MalformedBodyException, TooManyEventsException {
        List<Event> events;
        try {
            events = format == Format.NDJSON ? convertNdjson(body, offset, offset + length, maxEvents, converter)
                    : convertJson(body, offset, length, maxEvents, converter);
        } catch (IOException e) {
            // Unreadable somewhere (a number the converter cannot read included): the careful path names the
            // problem, or gives the events for the converter to answer one by one. Rare, so its second pass costs
            // little. Only unreadable input takes it: any other exception is a defect and is not hidden here.
            events = null;
        }
        return events != null ? events : parse(body, offset, length, format, maxEvents);
    }
    /** True when the {@code length} bytes from {@code offset} are only whitespace (or none). */
    static boolean isBlankRange(byte[] body, int offset, int length) {
        return isBlank(body, offset, offset + length);
    }

    /** True when the bytes {@code [from, to)} are only whitespace. */
    static boolean isBlank(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private List<Event> parseJson(byte[] body, int offset, int length, int maxEvents)
            throws MalformedBodyException, TooManyEventsException {
        List<Event> events = new ArrayList<>();
        try (JsonParser parser = mapper.getFactory().createParser(body, offset, length)) {
            JsonToken first = parser.nextToken();
            if (first == JsonToken.START_OBJECT) {
                events.add(skipValue(parser, 0, body, offset));
            } else if (first == JsonToken.START_ARRAY) {
                int index = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (index >= maxEvents) {
                        throw new TooManyEventsException(maxEvents);
                    }
                    events.add(skipValue(parser, index++, body, offset));
                }
            } else {
                throw new MalformedBodyException("the body must be a JSON object or an array of objects, but it starts"
                        + " with " + describe(first) + " at line 1");
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                JsonLocation where = parser.currentTokenLocation();
                throw new MalformedBodyException("unexpected content after the JSON value at line " + where.getLineNr()
                        + ", column " + where.getColumnNr() + " (for one event per line use Content-Type "
                        + Format.NDJSON.mediaType() + ")");
            }
        } catch (JsonProcessingException e) {
            throw malformed(e, 0);
        } catch (IOException e) {
            throw new MalformedBodyException("the body could not be read as JSON: " + e.getMessage());
        }
        return events;
    }

    /** The one pass over a JSON body; null when the body needs the careful path. */
    private List<Event> convertJson(byte[] body, int offset, int length, int maxEvents, ValueConverter converter)
            throws IOException, TooManyEventsException {
        List<Event> events;
        try (JsonParser parser = mapper.getFactory().createParser(body, offset, length)) {
            JsonToken first = parser.nextToken();
            if (first == JsonToken.START_OBJECT) {
                events = List.of(convertValue(parser, 0, body, offset, converter));
            } else if (first == JsonToken.START_ARRAY) {
                events = new ArrayList<>();
                int index = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (index >= maxEvents) {
                        throw new TooManyEventsException(maxEvents);
                    }
                    events.add(convertValue(parser, index++, body, offset, converter));
                }
            } else {
                return null;
            }
            if (parser.nextToken() != null) {
                return null;
            }
        }
        return events;
    }

    /** The one pass over an NDJSON body; null when the body needs the careful path. */
    private List<Event> convertNdjson(byte[] body, int from, int to, int maxEvents, ValueConverter converter)
            throws IOException, TooManyEventsException {
        List<Event> events = new ArrayList<>();
        Lines lines = new Lines(body, from, to);
        while (lines.advance()) {
            if (events.size() >= maxEvents) {
                throw new TooManyEventsException(maxEvents);
            }
            try (JsonParser parser = mapper.getFactory().createParser(body, lines.start, lines.end - lines.start)) {
                parser.nextToken();
                events.add(convertValue(parser, events.size(), body, lines.start, converter));
                if (parser.nextToken() != null) {
                    return null;
                }
            }
        }
        return events;
    }

    /**
     * Converts (an object) or reads past (anything else: the ingestor converts it from its bytes) the value whose
     * first token is current, and gives its place in the body.
     */
    private static Event convertValue(JsonParser parser, int index, byte[] body, int offset, ValueConverter converter)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            return skipValue(parser, index, body, offset);
        }
        int start = offset + (int) parser.currentTokenLocation().getByteOffset();
        Converted converted = converter.convert(parser);
        if (parser.currentToken() != JsonToken.END_OBJECT) {
            throw new IllegalStateException("the converter did not stop at the end of the object");
        }
        return new Event(index, body, start, offset + (int) parser.currentLocation().getByteOffset(), converted);
    }

    private List<Event> parseNdjson(byte[] body, int from, int to, int maxEvents)
            throws MalformedBodyException, TooManyEventsException {
        List<Event> events = new ArrayList<>();
        Lines lines = new Lines(body, from, to);
        while (lines.advance()) {
            int lineNumber = lines.number;
            if (events.size() >= maxEvents) {
                throw new TooManyEventsException(maxEvents);
            }
            try (JsonParser parser = mapper.getFactory().createParser(body, lines.start, lines.end - lines.start)) {
                parser.nextToken();
                Event event = skipValue(parser, events.size(), body, lines.start);
                if (parser.nextToken() != null) {
                    JsonLocation where = parser.currentTokenLocation();
                    throw new MalformedBodyException("line " + lineNumber + ", column " + where.getColumnNr()
                            + ": unexpected content after the JSON value (NDJSON needs one value per line)");
                }
                events.add(event);
            } catch (JsonProcessingException e) {
                throw malformed(e, lineNumber);
            } catch (IOException e) {
                throw new MalformedBodyException("line " + lineNumber + " could not be read: " + e.getMessage());
            }
        }
        return events;
    }

    /**
     * The non-blank lines of an NDJSON body in {@code [from, to)}, each without its line break (LF or CRLF), with its
     * 1-based line number (blank lines counted): the one splitting both NDJSON paths use.
     */
    private static final class Lines {
        private final byte[] body;
        private final int to;
        private int next;
        int start;
        int end;
        int number;

        Lines(byte[] body, int from, int to) {
            this.body = body;
            this.to = to;
            this.next = from;
        }

        /** Moves to the next non-blank line; false when there is none. */
        boolean advance() {
            while (next <= to) {
                int lineStart = next;
                int lineEnd = lineStart;
                while (lineEnd < to && body[lineEnd] != '\n') {
                    lineEnd++;
                }
                number++;
                int lineStop = lineEnd;
                if (lineStop > lineStart && body[lineStop - 1] == '\r') {
                    lineStop--;
                }
                next = lineEnd + 1;
                if (!isBlank(body, lineStart, lineStop)) {
                    start = lineStart;
                    end = lineStop;
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Reads past the value whose first token is current, checking its syntax without building it, and gives its
     * place in the body.
     */
    private static Event skipValue(JsonParser parser, int index, byte[] body, int offset) throws IOException {
        int start = offset + (int) parser.currentTokenLocation().getByteOffset();
        parser.skipChildren();
        parser.finishToken();
        return new Event(index, body, start, offset + (int) parser.currentLocation().getByteOffset());
    }

    /** A message naming the line (the NDJSON line when {@code ndjsonLine > 0}) and column. */
    private static MalformedBodyException malformed(JsonProcessingException e, int ndjsonLine) {
        JsonLocation where = e.getLocation();
        String position;
        if (where == null) {
            position = ndjsonLine > 0 ? "line " + ndjsonLine : "unknown position";
        } else if (ndjsonLine > 0) {
            position = "line " + ndjsonLine + ", column " + where.getColumnNr();
        } else {
            position = "line " + where.getLineNr() + ", column " + where.getColumnNr();
        }
        return new MalformedBodyException("malformed JSON at " + position + ": " + e.getOriginalMessage());
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.asString() == null ? token.name() : "'" + token.asString() + "'";
        };
    }
}
