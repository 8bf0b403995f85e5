package io.mlcycle.cli.ingest;

import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.Violation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.generic.GenericRecord;

/**
 * Runs another sink's sends on a thread of its own, in order, so that reading, converting and serialising the file's
 * records and the producer's work (batching, compression) use two cores. For a {@link KafkaImportSink} the caller's
 * thread serialises each record (so a record the serializer refuses is answered at once, and quarantined with the
 * row's text) into a {@link RecordPack} and the worker only sends; for any other sink the worker runs the sink's
 * calls, and a record refused there is quarantined on the worker (with the record as JSON for its text) and reported
 * by {@link #drainLateRejections()}. Work is handed over in batches through a bounded queue, and packs come back for
 * reuse, so memory stays bounded whatever the file's size.
 */
final class PipelinedSink implements ImportSink {

    // At most BATCH tasks (or one pack of about PACK_BYTES) per batch and QUEUED + 2 batches wait between the
    // threads: enough to keep the producer thread busy, and few, because what waits at a young collection survives it.
    private static final int BATCH = 512;
    private static final int QUEUED = 8;
    private static final int PACK_BYTES = 64 * 1024;
    /** A pack grown beyond this by a huge record is not reused, so a thread does not keep its array. */
    private static final int REUSE_AT_MOST = 4 * PACK_BYTES;
    private static final List<Object> STOP = List.of();

    /** A row the serializer refused after the importer had counted it accepted. */
    record LateRejection(String eventId, List<Violation> reasons, boolean outcomeSkipped) {
    }

    private final ImportSink delegate;
    /** The delegate when it can serialise on the caller's thread and send on the worker; else null. */
    private final KafkaImportSink staged;
    /** Batches of tasks: a {@link RecordPack} for the staged delegate to send, or a {@link Runnable}. */
    private final BlockingQueue<List<Object>> queue = new ArrayBlockingQueue<>(QUEUED);
    /** Packs the worker has sent, emptied for the caller's thread to fill again. */
    private final BlockingQueue<RecordPack> free = new ArrayBlockingQueue<>(QUEUED + 2);
    /** The pack being filled by the caller's thread, or null. */
    private RecordPack pack;
    private final Thread worker;
    private final List<LateRejection> late = new ArrayList<>();
    private final Set<String> refused = new HashSet<>();
    private List<Object> batch = new ArrayList<>(BATCH);
    private volatile RuntimeException failure;
    private boolean closed;

    PipelinedSink(ImportSink delegate) {
        this.delegate = delegate;
        this.staged = delegate instanceof KafkaImportSink kafka ? kafka : null;
        this.worker = new Thread(this::work, "mlcycle-ingest-producer");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    private void work() {
        try {
            while (true) {
                List<Object> tasks = queue.take();
                if (tasks == STOP) {
                    return;
                }
                for (Object task : tasks) {
                    if (failure == null) {
                        try {
                            if (task instanceof RecordPack records) {
                                staged.sendPacked(records);
                            } else {
                                ((Runnable) task).run();
                            }
                        } catch (RuntimeException e) {
                            failure = e;
                        }
                    } else if (task instanceof Marker marker) {
                        marker.run();
                    }
                    if (task instanceof RecordPack records && records.size() <= REUSE_AT_MOST) {
                        records.clear();
                        free.offer(records);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task that must run even after a failure: it releases a waiting flush. */
    private record Marker(CountDownLatch latch) implements Runnable {
        @Override
        public void run() {
            latch.countDown();
        }
    }

    /** The pack to serialise the next record into, for the staged delegate. */
    private RecordPack pack() {
        throwIfFailed();
        if (pack == null) {
            pack = free.poll();
            if (pack == null) {
                pack = new RecordPack(PACK_BYTES + 4096);
            }
        }
        return pack;
    }

    /** Hands the pack over once it is full. */
    private void packed() {
        if (pack != null && pack.size() >= PACK_BYTES) {
            closePack();
            handOver();
        }
    }

    private void closePack() {
        if (pack != null) {
            if (pack.count() > 0) {
                batch.add(pack);
            } else {
                free.offer(pack);
            }
            pack = null;
        }
    }

    /** Adds work for the worker to run in order with the records. */
    private void add(Runnable task) {
        throwIfFailed();
        closePack();
        batch.add(task);
        if (batch.size() >= BATCH) {
            handOver();
        }
    }

    private void handOver() {
        if (batch.isEmpty()) {
            return;
        }
        try {
            queue.put(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing records to the producer thread", e);
        }
        batch = new ArrayList<>(BATCH);
    }

    private void throwIfFailed() {
        RuntimeException e = failure;
        if (e != null) {
            throw e;
        }
    }

    @Override
    public List<Violation> accepted(String eventId, GenericRecord record, long eventTimeMillis) {
        if (staged != null) {
            throwIfFailed();
            List<Violation> problems = staged.packAccepted(eventId, record, eventTimeMillis, pack());
            packed();
            return problems;
        }
        add(() -> {
            List<Violation> problems = delegate.accepted(eventId, record, eventTimeMillis);
            if (problems != null && !problems.isEmpty()) {
                refused.add(eventId);
                delegate.quarantined(eventId, JsonRecordConverter.toJsonString(record), problems);
                synchronized (late) {
                    late.add(new LateRejection(eventId, problems, false));
                }
            }
        });
        return null;
    }

    @Override
    public void feedback(String eventId, String label, long observedAtMillis) {
        if (staged != null) {
            staged.packFeedback(eventId, label, observedAtMillis, pack());
            packed();
            return;
        }
        add(() -> {
            if (refused.contains(eventId)) {
                synchronized (late) {
                    late.add(new LateRejection(eventId, List.of(), true));
                }
            } else {
                delegate.feedback(eventId, label, observedAtMillis);
            }
        });
    }

    @Override
    public void quarantined(String eventId, String originalText, List<Violation> reasons) {
        if (staged != null) {
            staged.packQuarantined(eventId, originalText, reasons, pack());
            packed();
            return;
        }
        add(() -> delegate.quarantined(eventId, originalText, reasons));
    }

    /** Hands the mark over after the rows' sends, so the delegate seals it once they are sent. */
    @Override
    public void markCheckpoint(long row) {
        add(() -> delegate.markCheckpoint(row));
    }

    @Override
    public long durableRow() {
        throwIfFailed();
        return delegate.durableRow();
    }

    /** Waits until the worker has sent everything handed over, then until Kafka acknowledged it. */
    @Override
    public void flush() {
        CountDownLatch done = new CountDownLatch(1);
        closePack();
        batch.add(new Marker(done));
        handOver();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the producer thread", e);
        }
        throwIfFailed();
        delegate.flush();
    }

    @Override
    public List<LateRejection> drainLateRejections() {
        synchronized (late) {
            List<LateRejection> result = List.copyOf(late);
            late.clear();
            return result;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(STOP);
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            delegate.close();
        }
    }
}
