package io.mlcycle.cli.ingest;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.serde.PipelineSerdes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.Producer;

/**
 * The import of {@code mlcycle ingest} as a library call, for programs such as the file-import benchmark: the same
 * reading, conversion and producer as the command, without checkpoints, progress or printing.
 */
public final class FileImport {

    /** What an import did. */
    public record Result(long rowsRead, long accepted, long rejected, long outcomes, Duration duration) {
    }

    private FileImport() {
    }

    /** The producer settings the command uses. */
    public static Properties producerProperties(String bootstrapServers, String clientId) {
        return KafkaImportSink.producerProperties(bootstrapServers, clientId);
    }

    /**
     * Imports {@code file} (any supported format, CSV with ',' and '"', UTF-8) into the pipeline of {@code serdes}
     * through {@code producer}, which is flushed but not closed.
     */
    public static Result run(PipelineSpec spec, PipelineSerdes serdes, Producer<byte[], byte[]> producer, Path file,
                             Instant baseTime) throws IOException {
        long started = System.nanoTime();
        FileImporter importer = new FileImporter(spec, ImportIds.sha256(file),
                new FileImporter.Settings(Map.of(), baseTime, Duration.ofMillis(1), 0, 100_000));
        ImportReport report;
        try (ImportSink sink = new PipelinedSink(new KafkaImportSink(spec, serdes, producer, false));
             RowSource source = RowSources.open(file, RowSources.Format.AUTO,
                new RowSources.TextOptions(',', '"', StandardCharsets.UTF_8))) {
            report = importer.run(file.getFileName().toString(), source, sink, false, new FileImporter.Progress() {
                @Override
                public void rowsDone(long lastRow, long bytesRead) {
                }

                @Override
                public void checkpoint(long lastRow) {
                }
            });
        }
        return new Result(report.rowsRead, report.accepted, report.rejected, report.outcomes,
                Duration.ofNanos(System.nanoTime() - started));
    }
}
