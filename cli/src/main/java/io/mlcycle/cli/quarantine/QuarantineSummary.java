package io.mlcycle.cli.quarantine;

import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Quarantine records counted by reason code, with the fields concerned and a few examples per reason. A record with
 * two reasons counts once under each.
 */
final class QuarantineSummary {

    /** One example: the event, where it came from, and the reason's detail. */
    record Example(String eventId, String source, String field, String value, String detail) {
    }

    /** The figures of one reason code. */
    record Row(String reason, long records, Set<String> fields, List<Example> examples) {
    }

    private final int examplesPerReason;
    private final Map<String, Row> rows = new TreeMap<>();
    private long total;

    QuarantineSummary(int examplesPerReason) {
        this.examplesPerReason = examplesPerReason;
    }

    void add(QuarantineRecord record) {
        total++;
        Set<String> seen = new LinkedHashSet<>();
        for (QuarantineReason reason : record.getReasons()) {
            String code = reason.getCode();
            Row row = rows.computeIfAbsent(code, c -> new Row(c, 0, new LinkedHashSet<>(), new ArrayList<>()));
            if (reason.getField() != null) {
                row.fields().add(reason.getField());
            }
            if (seen.add(code)) {
                rows.put(code, new Row(code, row.records() + 1, row.fields(), row.examples()));
                if (row.examples().size() < examplesPerReason) {
                    row.examples().add(new Example(record.getEventId(), source(record), reason.getField(),
                            reason.getValue(), reason.getDetail()));
                }
            }
        }
    }

    long total() {
        return total;
    }

    /** Rows by decreasing count, then reason. */
    List<Row> rows() {
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort((a, b) -> a.records() != b.records() ? Long.compare(b.records(), a.records())
                : a.reason().compareTo(b.reason()));
        return sorted;
    }

    private static String source(QuarantineRecord record) {
        if (record.getSourceTopic() == null) {
            return record.getStage().name().toLowerCase(java.util.Locale.ROOT);
        }
        return record.getSourceTopic() + "/" + record.getSourcePartition() + "@" + record.getSourceOffset();
    }
}
