package io.mlcycle.cli.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --json}: a picocli mixin ({@code @Mixin OutputOptions output;}) for commands that print results. People get
 * aligned {@link Table}s; scripts get one JSON document ({@link #printJson}) or one JSON object per line
 * ({@link #printJsonLine}, for streams such as {@code tail}).
 */
public final class OutputOptions {

    /** One mapper for the CLI's JSON output (records and maps serialize as objects). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Option(names = "--json", description = "Print JSON for scripts instead of tables.")
    boolean json;

    public boolean json() {
        return json;
    }

    /** Pretty-printed JSON document. */
    public static void printJson(PrintWriter out, Object value) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot render JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Compact JSON on one line (JSON Lines). */
    public static void printJsonLine(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot render JSON: " + e.getOriginalMessage(), e);
        }
    }
}
