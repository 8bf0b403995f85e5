package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * The progress of one import of one file (by content) into one pipeline, kept in a small JSON file so that
 * {@code --resume} continues after the last row whose records Kafka acknowledged, with the same event times.
 *
 * @param sha256    the file's SHA-256
 * @param pipeline  the pipeline
 * @param lastRow   the last data row whose records (and every row's before it) are acknowledged
 * @param baseTime  the base event time the import used
 * @param stepMillis the event-time step the import used
 * @param complete  whether the whole file was imported
 */
record Checkpoint(String sha256, String pipeline, long lastRow, Instant baseTime, long stepMillis, boolean complete) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Path path(Path dir, String pipeline, String sha256) {
        return dir.resolve(pipeline + "-" + sha256.substring(0, 16) + ".json");
    }

    static Optional<Checkpoint> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode node = MAPPER.readTree(file.toFile());
        return Optional.of(new Checkpoint(node.path("sha256").asText(), node.path("pipeline").asText(),
                node.path("last_row").asLong(), Instant.ofEpochMilli(node.path("base_time_ms").asLong()),
                node.path("time_step_ms").asLong(), node.path("complete").asBoolean()));
    }

    /** Written atomically (a temporary file moved into place), so a crash never leaves half a checkpoint. */
    void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ObjectNode node = MAPPER.createObjectNode();
        node.put("sha256", sha256).put("pipeline", pipeline).put("last_row", lastRow)
                .put("base_time_ms", baseTime.toEpochMilli()).put("time_step_ms", stepMillis).put("complete", complete);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
