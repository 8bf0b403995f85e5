package io.mlcycle.cli.ingest;

import io.mlcycle.mlcore.gates.Violation;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/** {@code --dry-run}: every row is converted and judged, nothing is written. */
final class DryRunSink implements ImportSink {

    /** Nothing waits to be written, so a mark is durable at once (volatile: the pipelined sink marks on its worker). */
    private volatile long durable;

    @Override
    public List<Violation> accepted(String eventId, GenericRecord record, long eventTimeMillis) {
        return null;
    }

    @Override
    public void feedback(String eventId, String label, long observedAtMillis) {
        // nothing is written in a dry run
    }

    @Override
    public void quarantined(String eventId, String originalText, List<Violation> reasons) {
        // nothing is written in a dry run
    }

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
        // nothing to wait for
    }

    @Override
    public void close() {
        // nothing to close
    }
}
