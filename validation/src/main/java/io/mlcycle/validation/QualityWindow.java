package io.mlcycle.validation;

import io.mlcycle.mlcore.gates.ReasonCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The count-based quality window of one stream task, kept in two changelogged state stores so that it survives
 * restarts and moves with its task, consistently with the outputs under exactly-once: the counters (records, passed,
 * quarantined, violations per code, first/last record time, window sequence) and the passing records themselves
 * (plain Avro binary of the normalised record, at most {@code window_records} of them), from which the window's
 * profile is computed when the window closes.
 */
final class QualityWindow {

    static final String COUNTERS_STORE = "quality-window-counters";
    static final String RECORDS_STORE = "quality-window-records";

    private static final Logger LOG = LoggerFactory.getLogger(QualityWindow.class);

    private static final String RECORDS = "records";
    private static final String PASSED = "passed";
    private static final String QUARANTINED = "quarantined";
    private static final String START = "window_start";
    private static final String END = "window_end";
    private static final String SEQUENCE = "window_sequence";
    private static final String VIOLATION_PREFIX = "violation:";

    private final KeyValueStore<String, Long> counters;
    private final KeyValueStore<Long, byte[]> records;
    private final Schema dataSchema;
    private final GenericDatumWriter<GenericRecord> writer;
    private final GenericDatumReader<GenericRecord> reader;
    private final int windowRecords;

    QualityWindow(KeyValueStore<String, Long> counters, KeyValueStore<Long, byte[]> records, Schema dataSchema,
                  int windowRecords) {
        if (windowRecords < 1) {
            throw new IllegalArgumentException("window records must be >= 1, got " + windowRecords);
        }
        this.counters = counters;
        this.records = records;
        this.dataSchema = dataSchema;
        this.writer = new GenericDatumWriter<>(dataSchema);
        this.reader = new GenericDatumReader<>(dataSchema);
        this.windowRecords = windowRecords;
    }

    /** Counts a passing record and keeps it for the window profile. */
    void passed(long timestamp, GenericRecord normalised) {
        long index = get(PASSED);
        records.put(index, encode(normalised));
        counters.put(PASSED, index + 1);
        counted(timestamp);
    }

    /** Counts a quarantined record and each of its violations by reason code (two bad fields count two). */
    void quarantined(long timestamp, Collection<ReasonCode> codes) {
        counters.put(QUARANTINED, get(QUARANTINED) + 1);
        for (ReasonCode code : codes) {
            String key = VIOLATION_PREFIX + code.name();
            counters.put(key, get(key) + 1);
        }
        counted(timestamp);
    }

    /**
     * Counts findings that did not stop a passing record (an unseen category passed or mapped to {@code other}, a
     * sentinel turned missing) under {@code noted:<CODE>} in the report's violations.
     */
    void noted(Collection<ReasonCode> codes) {
        for (ReasonCode code : codes) {
            String key = VIOLATION_PREFIX + "noted:" + code.name();
            counters.put(key, get(key) + 1);
        }
    }

    /** Counts a duplicate (same event id, same payload) that was dropped, under {@code DUPLICATE_DROPPED}. */
    void duplicateDropped() {
        String key = VIOLATION_PREFIX + "DUPLICATE_DROPPED";
        counters.put(key, get(key) + 1);
    }

    boolean isFull() {
        return get(RECORDS) >= windowRecords;
    }

    /** Closes the window: returns its content and resets the stores for the next window. */
    Closed close() {
        long sequence = get(SEQUENCE);
        Map<String, Long> violations = new TreeMap<>();
        List<String> counterKeys = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = counters.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                counterKeys.add(entry.key);
                if (entry.key.startsWith(VIOLATION_PREFIX)) {
                    violations.put(entry.key.substring(VIOLATION_PREFIX.length()), entry.value);
                }
            }
        }
        List<GenericRecord> passedRecords = new ArrayList<>();
        List<Long> recordKeys = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> all = records.all()) {
            while (all.hasNext()) {
                KeyValue<Long, byte[]> entry = all.next();
                recordKeys.add(entry.key);
                GenericRecord decoded = decode(entry.value);
                if (decoded != null) {
                    passedRecords.add(decoded);
                }
            }
        }
        Closed closed = new Closed(sequence, get(START), get(END), get(RECORDS), get(PASSED), get(QUARANTINED),
                violations, passedRecords);
        counterKeys.forEach(counters::delete);
        recordKeys.forEach(records::delete);
        counters.put(SEQUENCE, sequence + 1);
        return closed;
    }

    private void counted(long timestamp) {
        long count = get(RECORDS);
        if (count == 0) {
            counters.put(START, timestamp);
        }
        counters.put(END, Math.max(timestamp, count == 0 ? timestamp : get(END)));
        counters.put(RECORDS, count + 1);
    }

    private long get(String key) {
        Long value = counters.get(key);
        return value == null ? 0L : value;
    }

    private byte[] encode(GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GenericRecord decode(byte[] bytes) {
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException | RuntimeException e) {
            // Only possible if the spec's schema changed incompatibly across a restart: profile without it.
            LOG.warn("Skipping a stored window record that does not decode with schema {}: {}",
                    dataSchema.getFullName(), e.getMessage());
            return null;
        }
    }

    /** The content of a closed window. */
    record Closed(long sequence, long startMillis, long endMillis, long records, long passed, long quarantined,
                  Map<String, Long> violations, List<GenericRecord> passedRecords) {
        Closed {
            violations = Map.copyOf(violations);
            passedRecords = List.copyOf(passedRecords);
        }
    }
}
