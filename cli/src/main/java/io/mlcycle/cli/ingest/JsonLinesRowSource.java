package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.Excerpt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.LongSupplier;

/** JSON Lines: one JSON object per line; blank lines are skipped. */
final class JsonLinesRowSource implements RowSource {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private final BufferedReader reader;
    private final LongSupplier bytesRead;
    private long lineNumber;
    private long rowNumber;
    private boolean exhausted;

    JsonLinesRowSource(BufferedReader reader, LongSupplier bytesRead) {
        this.reader = reader;
        this.bytesRead = bytesRead;
    }

    @Override
    public List<String> columns() {
        return List.of();
    }

    @Override
    public long bytesRead() {
        return bytesRead.getAsLong();
    }

    @Override
    public SourceRow next() {
        if (exhausted) {
            return null;
        }
        String line;
        try {
            do {
                line = reader.readLine();
                if (line != null) {
                    lineNumber++;
                }
            } while (line != null && line.isBlank());
        } catch (IOException | UncheckedIOException e) {
            exhausted = true;
            return new SourceRow(++rowNumber, null, null, List.of(new Violation(ReasonCode.DESERIALIZATION_FAILED, null,
                    "the file breaks off after line " + lineNumber + " (truncated or corrupt: "
                            + Excerpt.of(String.valueOf(e.getMessage())) + "); nothing after it can be read")));
        }
        if (line == null) {
            exhausted = true;
            return null;
        }
        long number = ++rowNumber;
        if (number == 1 && line.startsWith("\uFEFF")) {
            line = line.substring(1);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException | NumberFormatException e) {
            String why = e instanceof JsonProcessingException j ? Excerpt.of(j.getOriginalMessage()) : "a number is out of range";
            return bad(number, line, ReasonCode.MALFORMED_JSON, "line " + lineNumber + " is not valid JSON: " + why);
        }
        if (!(node instanceof ObjectNode object)) {
            return bad(number, line, ReasonCode.MALFORMED_ROW, "line " + lineNumber + " is not a JSON object");
        }
        return new SourceRow(number, object, line, List.of());
    }

    private static SourceRow bad(long number, String line, ReasonCode code, String detail) {
        return new SourceRow(number, null, line, List.of(new Violation(code, null, "row " + number + ": " + detail)));
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
