package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.NormalizationTally;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the rows of one file into the pipeline's records: maps columns to fields, fills in the key and event time
 * when the file has no such column, converts with the spec's normalisation, and hands each row to a sink as accepted
 * (with its outcome when the row carries a label) or rejected with its reasons. Single-threaded; the sink's producer
 * sends in the background, and a checkpoint is reported once the sink has every record up to it acknowledged.
 */
final class FileImporter {

    /**
     * How to import.
     *
     * @param mapping         file column to field; a column mapped to "" is dropped; unmapped columns keep their name
     * @param baseTime        event time of the first data row when the file has no event-time column
     * @param timeStep        event time added per row
     * @param startAfterRow   rows up to this number were imported before ({@code --resume}); 0 for none
     * @param checkpointEvery flush the sink and report progress after at most this many rows
     */
    record Settings(Map<String, String> mapping, Instant baseTime, Duration timeStep, long startAfterRow,
                    int checkpointEvery) {
        Settings {
            mapping = Map.copyOf(mapping);
            Objects.requireNonNull(baseTime, "baseTime");
            Objects.requireNonNull(timeStep, "timeStep");
        }
    }

    /** Told after each checkpoint: the last row whose records are all acknowledged. */
    interface Progress {
        void rowsDone(long lastRow, long bytesRead);

        void checkpoint(long lastRow);
    }

    private final PipelineSpec spec;
    private final ImportIds ids;
    private final Settings settings;
    private final NormalizationTally tally = new NormalizationTally();
    private final JsonRecordConverter converter;

    FileImporter(PipelineSpec spec, String fileSha256, Settings settings) {
        this.spec = spec;
        this.ids = new ImportIds(fileSha256);
        this.settings = settings;
        this.converter = new JsonRecordConverter(spec, tally);
    }

    ImportReport run(String fileName, RowSource source, ImportSink sink, boolean dryRun, Progress progress) {
        long started = System.nanoTime();
        ImportReport report = new ImportReport(fileName, spec.pipeline(), dryRun, tally);
        String keyField = spec.data().key();
        String timeField = spec.data().eventTime();
        String labelField = spec.label().field();
        List<String> columns = source.columns();
        // With named columns the decision is made once for the file; JSON Lines decide per row.
        Map<String, String> aliases = new java.util.HashMap<>();
        spec.data().fields().forEach(f -> {
            if (f.normalize().alias() != null) {
                aliases.put(f.normalize().alias(), f.name());
            }
        });
        Set<String> mappedFields = Set.copyOf(columns.stream()
                .map(c -> settings.mapping().getOrDefault(c, aliases.getOrDefault(c, c)))
                .filter(f -> !f.isEmpty()).toList());
        boolean perRow = columns.isEmpty();
        boolean generateKey = !perRow && !mappedFields.contains(keyField);
        boolean generateTime = !perRow && !mappedFields.contains(timeField);
        if (generateKey) {
            report.generatedKey = keyField + " = the row's event id (the file has no '" + keyField + "' column)";
        }
        if (generateTime) {
            report.generatedEventTime = timeField + " = " + settings.baseTime() + " + (row - 1) x " + settings.timeStep()
                    + " (the file has no '" + timeField + "' column)";
        }
        // Rows of text values (CSV) convert through a column plan made once for the file (with --map they go
        // through the object path, which applies the mapping after the columns are collected by name).
        JsonRecordConverter.Columns plan = perRow || !settings.mapping().isEmpty() ? null
                : converter.columns(columns, generateKey ? keyField : null, generateTime ? timeField : null);
        long sinceCheckpoint = 0;
        long lastCheckpoint = 0;
        SourceRow row;
        long lastRow = 0;
        while ((row = source.next()) != null) {
            lastRow = row.number();
            if (row.number() <= settings.startAfterRow()) {
                report.skipped++;
                continue;
            }
            report.rowsRead++;
            String eventId = ids.eventId(row.number());
            if (!row.readable()) {
                reject(report, sink, eventId, row, row.problems());
            } else {
                long eventTime = settings.baseTime().toEpochMilli() + (row.number() - 1) * settings.timeStep().toMillis();
                Conversion conversion;
                if (row.bounds() != null && plan != null) {
                    conversion = plan.convert(row.original(), row.bounds(), eventId, eventTime);
                } else if (row.values() != null && plan != null) {
                    conversion = plan.convert(row.values(), eventId, eventTime);
                } else {
                    ObjectNode fields = mapped(row.fields() != null ? row.fields() : named(columns, row.textValues()));
                    if (generateKey || perRow && !fields.has(keyField)) {
                        fields.put(keyField, eventId);
                    }
                    if (generateTime || perRow && !fields.has(timeField)) {
                        fields.put(timeField, eventTime);
                    }
                    conversion = converter.convert(fields);
                }
                if (!conversion.ok()) {
                    reject(report, sink, eventId, row, conversion.violations());
                } else {
                    Object time = conversion.record().get(timeField);
                    long recordTime = time instanceof Long millis ? millis : eventTime;
                    List<Violation> unwritable = sink.accepted(eventId, conversion.record(), recordTime);
                    if (unwritable != null && !unwritable.isEmpty()) {
                        reject(report, sink, eventId, row, unwritable);
                    } else {
                        report.accepted++;
                        Object label = conversion.record().get(labelField);
                        if (label != null) {
                            sink.feedback(eventId, labelText(label), recordTime);
                            report.outcomes++;
                        }
                    }
                }
            }
            if (++sinceCheckpoint >= settings.checkpointEvery()) {
                // Marked, not waited for: reading goes on while Kafka acknowledges, and the checkpoint is written
                // once it has (below), so --resume never skips a row that was not written.
                sink.markCheckpoint(row.number());
                sinceCheckpoint = 0;
            }
            if ((report.rowsRead & 1023) == 0) {
                progress.rowsDone(row.number(), source.bytesRead());
                long durable = sink.durableRow();
                if (durable > lastCheckpoint) {
                    progress.checkpoint(durable);
                    lastCheckpoint = durable;
                }
            }
        }
        sink.flush();
        for (PipelinedSink.LateRejection late : sink.drainLateRejections()) {
            if (late.outcomeSkipped()) {
                report.outcomes--;
            } else {
                report.accepted--;
                report.rejected(0, late.reasons());
            }
        }
        progress.rowsDone(lastRow, source.bytesRead());
        progress.checkpoint(lastRow);
        report.duration = Duration.ofNanos(System.nanoTime() - started);
        return report;
    }

    /** The texts of the small whole-number labels (0/1 classes), made once instead of per row. */
    private static final String[] SMALL_LABELS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

    /** A label as the outcome's text: what {@code label.toString()} gives. */
    static String labelText(Object label) {
        if (label instanceof Integer i && i >= 0 && i < SMALL_LABELS.length) {
            return SMALL_LABELS[i];
        }
        return label.toString();
    }

    NormalizationTally normalizations() {
        return tally;
    }

    private static ObjectNode named(List<String> columns, String[] values) {
        ObjectNode fields = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < values.length; i++) {
            fields.put(columns.get(i), values[i]);
        }
        return fields;
    }

    private ObjectNode mapped(ObjectNode fields) {
        if (settings.mapping().isEmpty()) {
            return fields;
        }
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = fields.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String target = settings.mapping().getOrDefault(e.getKey(), e.getKey());
            if (!target.isEmpty()) {
                result.set(target, e.getValue());
            }
        }
        return result;
    }

    private static void reject(ImportReport report, ImportSink sink, String eventId, SourceRow row,
                               List<Violation> reasons) {
        List<Violation> withRow = new ArrayList<>(reasons.size());
        for (Violation v : reasons) {
            boolean numbered = v.code() == ReasonCode.MALFORMED_ROW || v.code() == ReasonCode.DESERIALIZATION_FAILED
                    || v.detail().startsWith("row ");
            withRow.add(numbered ? v : new Violation(v.code(), v.field(), "row " + row.number() + ": " + v.detail()));
        }
        report.rejected(row.number(), withRow);
        sink.quarantined(eventId, row.original(), withRow);
    }
}
