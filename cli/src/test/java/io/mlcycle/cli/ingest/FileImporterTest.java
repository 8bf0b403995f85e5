package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.NormalizationRule;
import io.mlcycle.mlcore.normalize.NormalizationTally;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importer on real files of every format and every kind of damage, with a sink that records what it is given. */
class FileImporterTest {

    static final Instant BASE = Instant.parse("2024-01-01T00:00:00Z");
    static final RowSources.TextOptions CSV = new RowSources.TextOptions(',', '"', StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    /** The example spec itself (tests run in the module's directory), so the shipped example is what is tested. */
    static final Path GMSC_SPEC = Path.of("..", "examples", "gmsc", "gmsc.yaml");

    static PipelineSpec gmsc() throws Exception {
        return PipelineSpecParser.parse(GMSC_SPEC);
    }

    static Path gmscHead() throws Exception {
        return Path.of(FileImporterTest.class.getResource("/ingest/gmsc-head.csv").toURI());
    }

    /** Records what an import would write. */
    static class RecordingSink implements ImportSink {
        final List<GenericRecord> raw = new ArrayList<>();
        final List<String> rawIds = new ArrayList<>();
        final List<String[]> feedback = new ArrayList<>();
        final List<String> quarantinedText = new ArrayList<>();
        final List<List<Violation>> quarantinedReasons = new ArrayList<>();

        @Override
        public List<Violation> accepted(String eventId, GenericRecord record, long eventTimeMillis) {
            raw.add(record);
            rawIds.add(eventId);
            return null;
        }

        @Override
        public void feedback(String eventId, String label, long observedAtMillis) {
            feedback.add(new String[] {eventId, label, Long.toString(observedAtMillis)});
        }

        @Override
        public void quarantined(String eventId, String originalText, List<Violation> reasons) {
            quarantinedText.add(originalText);
            quarantinedReasons.add(reasons);
        }

        long durable;

        @Override
        public void markCheckpoint(long row) {
            durable = row;
        }

        @Override
        public long durableRow() {
            return durable;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    static final FileImporter.Progress NO_PROGRESS = new FileImporter.Progress() {
        @Override
        public void rowsDone(long lastRow, long bytesRead) {
        }

        @Override
        public void checkpoint(long lastRow) {
        }
    };

    private ImportReport run(Path file, RecordingSink sink, long startAfter) throws Exception {
        PipelineSpec spec = gmsc();
        FileImporter importer = new FileImporter(spec, ImportIds.sha256(file),
                new FileImporter.Settings(Map.of(), BASE, Duration.ofMillis(1000), startAfter, 1000));
        try (RowSource source = RowSources.open(file, RowSources.Format.AUTO, CSV)) {
            return importer.run(file.getFileName().toString(), source, sink, false, NO_PROGRESS);
        }
    }

    private List<String> gmscLines() throws Exception {
        return Files.readAllLines(gmscHead());
    }

    @Test
    void importsTheGmscHeadWithGeneratedKeysEventTimesAndOutcomes() throws Exception {
        RecordingSink sink = new RecordingSink();
        ImportReport report = run(gmscHead(), sink, 0);
        assertThat(report.rowsRead).isEqualTo(8);
        assertThat(report.accepted).isEqualTo(8);
        assertThat(report.balanced()).isTrue();
        GenericRecord first = sink.raw.get(0);
        assertThat(first.get("id")).isEqualTo(sink.rawIds.get(0));
        assertThat(first.get("row_time")).isEqualTo(BASE.toEpochMilli());
        assertThat(sink.raw.get(2).get("row_time")).isEqualTo(BASE.plusSeconds(2).toEpochMilli());
        assertThat(first.get("NumberOfTime30_59DaysPastDueNotWorse")).isEqualTo(2);
        assertThat(first.get("RevolvingUtilizationOfUnsecuredLines")).isEqualTo(0.766127);
        assertThat(sink.feedback).hasSize(8);
        assertThat(sink.feedback.get(0)).containsExactly(sink.rawIds.get(0), "1", Long.toString(BASE.toEpochMilli()));
        assertThat(report.generatedKey).contains("id");
        assertThat(report.generatedEventTime).contains("row_time");
    }

    @Test
    void thePipelinedSinkWritesTheSameInOrderAndReportsRecordsItsSerializerRefused() throws Exception {
        RecordingSink direct = new RecordingSink();
        run(gmscHead(), direct, 0);
        RecordingSink behind = new RecordingSink() {
            @Override
            public List<Violation> accepted(String eventId, GenericRecord record, long eventTimeMillis) {
                if (raw.size() == 2 && !quarantinedText.contains("refused")) {
                    quarantinedText.add("refused");
                    quarantinedReasons.add(List.of());
                    return List.of(new Violation(ReasonCode.SCHEMA_MISMATCH, null, "refused by the serializer"));
                }
                return super.accepted(eventId, record, eventTimeMillis);
            }
        };
        ImportReport report;
        PipelineSpec spec = gmsc();
        FileImporter importer = new FileImporter(spec, ImportIds.sha256(gmscHead()),
                new FileImporter.Settings(Map.of(), BASE, Duration.ofMillis(1000), 0, 3));
        try (RowSource source = RowSources.open(gmscHead(), RowSources.Format.AUTO, CSV);
             ImportSink sink = new PipelinedSink(behind)) {
            report = importer.run("head", source, sink, false, NO_PROGRESS);
        }
        assertThat(report.rowsRead).isEqualTo(8);
        assertThat(report.accepted).isEqualTo(7);
        assertThat(report.rejected).isEqualTo(1);
        assertThat(report.outcomes).isEqualTo(7);
        assertThat(report.rejectionsByReason()).containsEntry(ReasonCode.SCHEMA_MISMATCH, 1L);
        List<String> expected = new ArrayList<>(direct.rawIds);
        String refusedId = expected.remove(2);
        assertThat(behind.rawIds).isEqualTo(expected);
        assertThat(behind.feedback).extracting(f -> f[0]).isEqualTo(expected).doesNotContain(refusedId);
        assertThat(behind.quarantinedText).hasSize(2).last().asString().contains("\"age\"");
    }

    @Test
    void eventIdsAreDeterministicAndResumeSkipsWhatWasImported() throws Exception {
        RecordingSink all = new RecordingSink();
        run(gmscHead(), all, 0);
        RecordingSink again = new RecordingSink();
        run(gmscHead(), again, 0);
        assertThat(again.rawIds).isEqualTo(all.rawIds).doesNotHaveDuplicates();
        RecordingSink resumed = new RecordingSink();
        ImportReport report = run(gmscHead(), resumed, 5);
        assertThat(report.skipped).isEqualTo(5);
        assertThat(report.rowsRead).isEqualTo(3);
        assertThat(resumed.rawIds).isEqualTo(all.rawIds.subList(5, 8));
        assertThat(resumed.raw.get(0).get("row_time")).isEqualTo(BASE.plusSeconds(5).toEpochMilli());
    }

    @Test
    void checkpointsAreReportedOnlyOnceTheSinkHasThemDurable() throws Exception {
        List<String> lines = gmscLines();
        StringBuilder csv = new StringBuilder(lines.get(0)).append('\n');
        for (int i = 0; i < 5_000; i++) {
            csv.append(lines.get(1 + i % (lines.size() - 1))).append('\n');
        }
        Path file = Files.writeString(dir.resolve("long.csv"), csv);
        // Acknowledgements lag one checkpoint behind: a mark becomes durable when the next one is made.
        List<Long> marks = new ArrayList<>();
        RecordingSink lagging = new RecordingSink() {
            @Override
            public void markCheckpoint(long row) {
                marks.add(row);
                durable = marks.size() > 1 ? marks.get(marks.size() - 2) : 0;
            }

            @Override
            public void flush() {
                durable = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
            }
        };
        List<Long> reported = new ArrayList<>();
        FileImporter importer = new FileImporter(gmsc(), ImportIds.sha256(file),
                new FileImporter.Settings(Map.of(), BASE, Duration.ofMillis(1000), 0, 700));
        try (RowSource source = RowSources.open(file, RowSources.Format.AUTO, CSV)) {
            importer.run("long.csv", source, lagging, false, new FileImporter.Progress() {
                @Override
                public void rowsDone(long lastRow, long bytesRead) {
                }

                @Override
                public void checkpoint(long lastRow) {
                    reported.add(lastRow);
                }
            });
        }
        assertThat(marks).containsExactly(700L, 1400L, 2100L, 2800L, 3500L, 4200L, 4900L);
        // checked every 1,024 rows: at 2048 mark 700 is durable, at 3072 mark 2100, at 4096 mark 2800; then the end
        assertThat(reported).containsExactly(700L, 2100L, 2800L, 5000L);
    }

    @Test
    void malformedCsvRowsAreQuarantinedWithTheirTextAndTheImportGoesOn() throws Exception {
        List<String> lines = new ArrayList<>(gmscLines());
        lines.add(3, "0.5,41,0,0.2,3000,4,0,1,0,2");                 // 10 columns
        lines.add(5, "\"0.5,41,0,0.2,3000,4,0,1,0,2,0");             // a quote never closed
        lines.add(7, "0.5,\"4\n1\",0,0.2,3000,4,0,1,0,2,0");         // a quoted value spanning two lines: fine as CSV
        lines.add(8, "0.5,forty,0,0.2,\"3,000\",4,0,1,0,2,0");       // wrong types
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, String.join("\n", lines) + "\n");
        RecordingSink sink = new RecordingSink();
        ImportReport report = run(file, sink, 0);
        assertThat(report.rowsRead).isEqualTo(12);
        assertThat(report.accepted).isEqualTo(8);
        assertThat(report.rejected).isEqualTo(4);
        assertThat(report.balanced()).isTrue();
        assertThat(report.rejectionsByReason()).containsEntry(ReasonCode.MALFORMED_ROW, 2L)
                .containsEntry(ReasonCode.WRONG_TYPE, 2L);
        assertThat(sink.quarantinedText).containsExactly(lines.get(3), lines.get(5), lines.get(7), lines.get(8));
        assertThat(sink.quarantinedReasons.get(0)).singleElement()
                .satisfies(v -> assertThat(v.detail()).isEqualTo("row 3: line 4 has 10 columns but the header has 11"));
        assertThat(sink.quarantinedReasons.get(1)).singleElement()
                .satisfies(v -> assertThat(v.detail()).isEqualTo("row 5: line 6 has a quote (\") that is never closed"));
        assertThat(sink.quarantinedReasons.get(3)).extracting(Violation::field)
                .containsExactlyInAnyOrder("age", "MonthlyIncome");
        StringOutput out = new StringOutput();
        report.print(out.writer());
        assertThat(out.text()).contains("MALFORMED_ROW", "e.g. row 3: line 4 has 10 columns", "WRONG_TYPE",
                "rows read                  12  = accepted 8 + rejected 4");
    }

    @Test
    void aTruncatedGzipKeepsWhatWasReadAndReportsTheBreak() throws Exception {
        StringBuilder csv = new StringBuilder(gmscLines().get(0)).append('\n');
        for (int i = 0; i < 20_000; i++) {
            csv.append(gmscLines().get(1 + i % 8)).append('\n');
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(csv.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = bytes.toByteArray();
        Path file = dir.resolve("cut.csv.gz");
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        RecordingSink sink = new RecordingSink();
        ImportReport report = run(file, sink, 0);
        assertThat(report.balanced()).isTrue();
        assertThat(report.accepted).isPositive().isLessThan(20_000);
        assertThat(report.rejectionsByReason()).containsEntry(ReasonCode.DESERIALIZATION_FAILED, 1L);
        assertThat(sink.quarantinedReasons).last().satisfies(reasons -> assertThat(reasons).singleElement()
                .satisfies(v -> assertThat(v.detail()).contains("the file breaks off after line", "truncated or corrupt")));
    }

    @Test
    void jsonLinesWithMissingMarkersBadLinesAndAliases() throws Exception {
        Path file = dir.resolve("rows.jsonl");
        Files.writeString(file, """
                {"id": "a", "row_time": "2024-02-01T00:00:00Z", "age": 30, "MonthlyIncome": "?", "SeriousDlqin2yrs": 0, "NumberOfTime30-59DaysPastDueNotWorse": 1}
                {"age": 31, "SeriousDlqin2yrs": 1}
                not json at all
                [1, 2]
                {"age": "1e-1000000000"}
                """);
        RecordingSink sink = new RecordingSink();
        ImportReport report = run(file, sink, 0);
        assertThat(report.rowsRead).isEqualTo(5);
        assertThat(report.accepted).isEqualTo(2);
        assertThat(sink.raw.get(0).get("id")).isEqualTo("a");
        assertThat(sink.raw.get(0).get("row_time")).isEqualTo(Instant.parse("2024-02-01T00:00:00Z").toEpochMilli());
        assertThat(sink.raw.get(0).get("NumberOfTime30_59DaysPastDueNotWorse")).isEqualTo(1);
        assertThat(sink.raw.get(1).get("id")).isEqualTo(sink.rawIds.get(1));
        assertThat(report.rejectionsByReason()).containsEntry(ReasonCode.MALFORMED_JSON, 1L)
                .containsEntry(ReasonCode.MALFORMED_ROW, 1L).containsEntry(ReasonCode.WRONG_TYPE, 1L);
        assertThat(sink.quarantinedText).contains("not json at all", "[1, 2]");
        assertThat(report.normalizations()).extracting(NormalizationTally.Count::field, NormalizationTally.Count::rule)
                .containsExactly(tuple("MonthlyIncome", NormalizationRule.MISSING_MARKER));
    }

    @Test
    void anAvroFileOfAnotherSchemaIsRefusedAndOneOfTheSpecsSchemaIsImported() throws Exception {
        Schema other = SchemaBuilder.record("Weather").fields().requiredString("city").requiredDouble("celsius").endRecord();
        Path wrong = dir.resolve("weather.avro");
        writeAvro(wrong, other, List.of(new GenericData.Record(other)), r -> {
            r.put("city", "Oslo");
            r.put("celsius", -3.0);
        });
        try (RowSource source = RowSources.open(wrong, RowSources.Format.AUTO, CSV)) {
            assertThat(IngestCommand.schemaMismatch(source, gmsc(), Map.of())).hasValueSatisfying(why ->
                    assertThat(why).contains("Weather", "city, celsius", "--map"));
        }
        Schema subset = SchemaBuilder.record("Row").fields().optionalInt("age").requiredInt("SeriousDlqin2yrs").endRecord();
        Path right = dir.resolve("rows.avro");
        writeAvro(right, subset, List.of(new GenericData.Record(subset), new GenericData.Record(subset)), r -> {
            r.put("age", 44);
            r.put("SeriousDlqin2yrs", 1);
        });
        try (RowSource source = RowSources.open(right, RowSources.Format.AUTO, CSV)) {
            assertThat(IngestCommand.schemaMismatch(source, gmsc(), Map.of())).isEmpty();
        }
        RecordingSink sink = new RecordingSink();
        ImportReport report = run(right, sink, 0);
        assertThat(report.accepted).isEqualTo(2);
        assertThat(sink.raw).extracting(r -> r.get("age")).containsExactly(44, 44);
        assertThat(sink.feedback).hasSize(2);
    }

    private static void writeAvro(Path file, Schema schema, List<GenericRecord> records,
                                  java.util.function.Consumer<GenericRecord> fill) throws IOException {
        try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
            writer.create(schema, file.toFile());
            for (GenericRecord r : records) {
                fill.accept(r);
                writer.append(r);
            }
        }
    }

    /** A PrintWriter over a string. */
    static final class StringOutput {
        private final java.io.StringWriter text = new java.io.StringWriter();
        private final java.io.PrintWriter writer = new java.io.PrintWriter(text);

        java.io.PrintWriter writer() {
            return writer;
        }

        String text() {
            writer.flush();
            return text.toString();
        }
    }
}
