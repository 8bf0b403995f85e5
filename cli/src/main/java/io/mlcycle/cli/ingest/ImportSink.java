package io.mlcycle.cli.ingest;

import io.mlcycle.mlcore.gates.Violation;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/** Where an import's records go: Kafka, or nowhere for a dry run. */
interface ImportSink extends AutoCloseable {

    /**
     * Writes an accepted row to {@code <p>.data.raw}.
     *
     * @return null when written, or the problems that make the record unwritable (then it must be quarantined)
     */
    List<Violation> accepted(String eventId, GenericRecord record, long eventTimeMillis);

    /** Writes the row's outcome to {@code <p>.feedback}. */
    void feedback(String eventId, String label, long observedAtMillis);

    /** Writes a rejected row to {@code <p>.data.quarantine} (stage INGESTION) with its original text. */
    void quarantined(String eventId, String originalText, List<Violation> reasons);

    /**
     * Rows counted accepted whose record a background serializer refused since the last call (they were quarantined,
     * their outcomes not written); empty for sinks that answer {@link #accepted} at once.
     */
    default List<PipelinedSink.LateRejection> drainLateRejections() {
        return List.of();
    }

    /**
     * Marks a checkpoint without waiting: every row up to {@code row} has been handed to this sink. Once all of their
     * records are acknowledged, {@link #durableRow()} reaches {@code row}.
     */
    void markCheckpoint(long row);

    /**
     * The last marked checkpoint whose rows' records, and every earlier checkpoint's, are all acknowledged (0 before
     * any); throws when a write failed, and never passes the checkpoint before the failure.
     */
    long durableRow();

    /** Waits until everything sent so far is acknowledged; throws when anything failed. */
    void flush();

    @Override
    void close();
}
