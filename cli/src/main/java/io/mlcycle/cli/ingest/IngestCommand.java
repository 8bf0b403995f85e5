package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.Excerpt;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mlcycle ingest FILE}: imports a CSV, JSON Lines or Avro file (gzip or not) into a running pipeline, writing
 * straight to Kafka ({@code <p>.data.raw}, {@code <p>.feedback}, {@code <p>.data.quarantine}).
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Import a file (CSV, JSON Lines, Avro; gzip or not) into a running pipeline.",
                "Accepted rows go to <p>.data.raw, their labels as outcomes to <p>.feedback, rejected rows to "
                        + "<p>.data.quarantine with their original text; the report accounts for every row.",
                "Exit status: 0 when every row was read (rejected rows included), 1 on a failure."})
public final class IngestCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to import.")
    Path file;

    @Option(names = "--pipeline", required = true, paramLabel = "NAME", description = "The pipeline to import into.")
    String pipeline;

    @Option(names = "--spec", paramLabel = "FILE",
            description = "The pipeline's spec (default: <data-dir>/specs/<pipeline>.yaml, as `mlcycle up` keeps it).")
    Path specFile;

    @Option(names = "--data-dir", defaultValue = ".mlcycle", paramLabel = "DIR",
            description = "The local stack's directory; checkpoints go to <data-dir>/imports (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", paramLabel = "HOST:PORT",
            description = "Kafka (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--registry-url", defaultValue = "http://127.0.0.1:8081", paramLabel = "URL",
            description = "Schema registry (default: ${DEFAULT-VALUE}).")
    String registryUrl;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
            description = "auto, csv, jsonl or avro (default: ${DEFAULT-VALUE}: gzip and Avro by their magic bytes, "
                    + "then by file name).")
    String format;

    @Option(names = "--delimiter", defaultValue = ",", paramLabel = "CHAR",
            description = "CSV delimiter; 'tab' for a tab (default: '${DEFAULT-VALUE}').")
    String delimiter;

    @Option(names = "--quote", defaultValue = "\"", paramLabel = "CHAR", description = "CSV quote character.")
    String quote;

    @Option(names = "--encoding", defaultValue = "UTF-8", paramLabel = "CHARSET",
            description = "Text encoding (default: ${DEFAULT-VALUE}).")
    String encoding;

    @Option(names = "--map", paramLabel = "COLUMN=FIELD",
            description = "Map a file column to a spec field (repeatable); COLUMN= drops the column.")
    List<String> mappings = new ArrayList<>();

    @Option(names = "--base-time", paramLabel = "INSTANT",
            description = "Event time of the first row when the file has no event-time column (ISO-8601; "
                    + "default: the import's start).")
    String baseTime;

    @Option(names = "--time-step", defaultValue = "1ms", paramLabel = "DURATION",
            description = "Event time added per row when the file has no event-time column (default: ${DEFAULT-VALUE}).")
    String timeStep;

    @Option(names = "--resume", description = "Continue an interrupted import of this file after its last checkpoint.")
    boolean resume;

    @Option(names = "--dry-run", description = "Read and judge every row, report, write nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--checkpoint-every", defaultValue = "100000", hidden = true)
    int checkpointEvery;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("No file at " + file.toAbsolutePath());
        }
        Path specPath = specFile != null ? specFile : dataDir.resolve("specs").resolve(pipeline + ".yaml");
        if (!Files.isRegularFile(specPath)) {
            throw new IllegalArgumentException("No spec for pipeline '" + pipeline + "' at " + specPath
                    + "; pass it with --spec FILE");
        }
        PipelineSpec spec = PipelineSpecParser.parse(specPath);
        if (!spec.pipeline().equals(pipeline)) {
            throw new IllegalArgumentException("The spec " + specPath + " is for pipeline '" + spec.pipeline()
                    + "', not '" + pipeline + "'");
        }
        Map<String, String> mapping = parseMappings(spec);
        Duration step = parseDuration(timeStep, "--time-step");
        RowSources.TextOptions text = new RowSources.TextOptions(singleChar(delimiter, "--delimiter"),
                singleChar(quote, "--quote"), Charset.forName(encoding));
        RowSources.Format fileFormat = parseFormat();

        String sha256 = ImportIds.sha256(file);
        Path checkpointFile = Checkpoint.path(dataDir.resolve("imports"), pipeline, sha256);
        Optional<Checkpoint> previous = Checkpoint.read(checkpointFile);
        Instant base = baseTime != null ? parseInstant(baseTime) : Instant.now();
        long startAfter = 0;
        if (resume && !dryRun) {
            if (previous.isEmpty()) {
                err.println("mlcycle ingest: no checkpoint for this file at " + checkpointFile
                        + "; importing from the start");
            } else {
                Checkpoint c = previous.get();
                if (c.complete()) {
                    err.println("mlcycle ingest: this file was already imported completely (" + checkpointFile
                            + "); nothing to do");
                    return 0;
                }
                startAfter = c.lastRow();
                base = c.baseTime();
                step = Duration.ofMillis(c.stepMillis());
                err.printf("mlcycle ingest: resuming after row %,d (checkpoint %s)%n", startAfter, checkpointFile);
            }
        } else if (!dryRun && previous.isPresent()) {
            err.println("mlcycle ingest: this file was imported before (" + (previous.get().complete() ? "completely"
                    : "up to row " + previous.get().lastRow()) + "); its rows get the same event ids again, so "
                    + "downstream deduplication can recognise them (use --resume to continue an interrupted import)");
        }

        FileImporter importer = new FileImporter(spec, sha256, new FileImporter.Settings(mapping, base, step, startAfter,
                Math.max(1, checkpointEvery)));
        final Instant baseUsed = base;
        final long stepUsed = step.toMillis();
        boolean terminal = System.console() != null && !json;
        ProgressPrinter progress = new ProgressPrinter(err, terminal, false, Files.size(file));
        ImportReport report;
        try (RowSource source = RowSources.open(file, fileFormat, text);
             ImportSink sink = dryRun ? new DryRunSink() : kafkaSink(spec)) {
            Optional<String> mismatch = schemaMismatch(source, spec, mapping);
            if (mismatch.isPresent()) {
                return refuseFile(spec, sink, sha256, mismatch.get(), (AvroRowSource) source, out, err);
            }
            report = importer.run(file.getFileName().toString(), source, sink, dryRun, new FileImporter.Progress() {
                @Override
                public void rowsDone(long lastRow, long bytesRead) {
                    progress.update(lastRow, bytesRead);
                }

                @Override
                public void checkpoint(long lastRow) {
                    if (dryRun) {
                        return;
                    }
                    try {
                        new Checkpoint(sha256, pipeline, lastRow, baseUsed, stepUsed, false).write(checkpointFile);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("cannot write the checkpoint " + checkpointFile, e);
                    }
                }
            });
            if (!dryRun) {
                new Checkpoint(sha256, pipeline, report.rowsRead + report.skipped, baseUsed, stepUsed, true)
                        .write(checkpointFile);
            }
        } catch (KafkaImportSink.ImportFailedException e) {
            progress.finish();
            throw new IllegalStateException(e.getMessage() + " (progress is kept: run again with --resume)", e);
        }
        progress.finish();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson()));
            out.flush();
        } else {
            report.print(out);
        }
        return report.balanced() ? 0 : 1;
    }

    private ImportSink kafkaSink(PipelineSpec spec) {
        RestSchemaRegistryClient registry = RestSchemaRegistryClient.forUrls(registryUrl);
        // The schemas are registered by `mlcycle up` (or the services); an import never changes them.
        PipelineSerdes serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults().withAutoRegisterSchemas(false),
                spec.pipeline(), spec.dataSchema());
        return new PipelinedSink(new KafkaImportSink(spec, serdes,
                KafkaImportSink.newProducer(bootstrapServers, "mlcycle-ingest")));
    }

    /** An Avro file whose fields the spec does not declare is refused whole: it is most likely the wrong file. */
    static Optional<String> schemaMismatch(RowSource source, PipelineSpec spec, Map<String, String> mapping) {
        if (!(source instanceof AvroRowSource avro)) {
            return Optional.empty();
        }
        Schema writer = avro.writerSchema();
        if (writer.getType() != Schema.Type.RECORD) {
            return Optional.of("the Avro file holds " + writer.getType() + " values, not records");
        }
        List<String> unknown = new ArrayList<>();
        for (Schema.Field field : writer.getFields()) {
            String target = mapping.getOrDefault(field.name(), field.name());
            if (!target.isEmpty() && spec.field(target).isEmpty()) {
                unknown.add(field.name());
            }
        }
        if (unknown.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the Avro file's schema " + writer.getFullName() + " has fields the spec of '"
                + spec.pipeline() + "' does not declare: " + Excerpt.of(String.join(", ", unknown))
                + " (map them with --map COLUMN=FIELD, or drop them with --map COLUMN=)");
    }

    private int refuseFile(PipelineSpec spec, ImportSink sink, String sha256, String why, AvroRowSource source,
                           PrintWriter out, PrintWriter err) {
        Violation violation = new Violation(ReasonCode.SCHEMA_MISMATCH, null, "file " + file.getFileName() + ": " + why);
        sink.quarantined(new ImportIds(sha256).eventId(0), source.writerSchema().toString(), List.of(violation));
        sink.flush();
        if (json) {
            out.println(new ObjectMapper().createObjectNode().put("file", file.toString()).put("pipeline", spec.pipeline())
                    .put("rows_read", 0).put("accepted", 0).put("rejected", 0).put("file_rejected", true)
                    .put("reason", ReasonCode.SCHEMA_MISMATCH.name()).put("detail", violation.detail()).toPrettyString());
            out.flush();
        } else {
            err.println("mlcycle ingest: SCHEMA_MISMATCH " + violation.detail() + (dryRun ? "" : "; the file was refused"
                    + " whole and recorded in " + spec.pipeline() + ".data.quarantine"));
        }
        return 1;
    }

    private Map<String, String> parseMappings(PipelineSpec spec) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String m : mappings) {
            int eq = m.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--map takes COLUMN=FIELD (or COLUMN= to drop it), not '" + m + "'");
            }
            String column = m.substring(0, eq).trim();
            String target = m.substring(eq + 1).trim();
            if (!target.isEmpty() && spec.field(target).isEmpty()) {
                throw new IllegalArgumentException("--map " + m + ": the spec of '" + spec.pipeline()
                        + "' declares no field '" + target + "'");
            }
            result.put(column, target);
        }
        return result;
    }

    private RowSources.Format parseFormat() {
        return switch (format.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> RowSources.Format.AUTO;
            case "csv", "tsv" -> RowSources.Format.CSV;
            case "jsonl", "ndjson", "json" -> RowSources.Format.JSONL;
            case "avro" -> RowSources.Format.AVRO;
            default -> throw new IllegalArgumentException("--format must be auto, csv, jsonl or avro, not '" + format + "'");
        };
    }

    private static char singleChar(String value, String option) {
        if (value.equalsIgnoreCase("tab") || value.equals("\\t")) {
            return '\t';
        }
        if (value.length() != 1) {
            throw new IllegalArgumentException(option + " must be a single character, not '" + value + "'");
        }
        return value.charAt(0);
    }

    static Duration parseDuration(String text, String option) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            Duration d;
            if (t.startsWith("p")) {
                d = Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
            } else if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("d")) {
                d = Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                throw new NumberFormatException();
            }
            if (d.isNegative()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException(option + " must be a duration such as 1ms, 1s, 5m, 1h, 1d or PT1S, not '"
                    + text + "'");
        }
    }

    private static Instant parseInstant(String text) {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            try {
                return java.time.LocalDate.parse(text.trim()).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("--base-time must be ISO-8601, e.g. 2024-01-01T00:00:00Z, not '"
                        + text + "'");
            }
        }
    }

}
