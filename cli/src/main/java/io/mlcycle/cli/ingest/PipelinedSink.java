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
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Runs another sink's sends on a thread of its own, in order, so that reading, converting and serialising the file's
 * records and the producer's work (batching, compression) use two cores. For a {@link KafkaImportSink} the caller's
 * thread serialises each record (so a record the serializer refuses is answered at once, and quarantined with the
 * row's text) and the worker only sends; for any other sink the worker runs the sink's calls, and a record refused
 * there is quarantined on the worker (with the record as JSON for its text) and reported by
 * {@link #drainLateRejections()}. Work is handed over in batches through a bounded queue, so memory stays bounded
 * whatever the file's size.
 */
final class PipelinedSink implements ImportSink {

    // At most BATCH x (QUEUED + 2) records wait between the threads: enough to keep the producer thread busy, and
    // few, because records still waiting at a young collection survive it and are copied.
    private static final int BATCH = 512;
    private static final int QUEUED = 8;
    private static final List<Object> STOP = List.of();

    /** A row the serializer refused after the importer had counted it accepted. */
    record LateRejection(String eventId, List<Violation> reasons, boolean outcomeSkipped) {
    }

    private final ImportSink delegate;
    /** The delegate when it can serialise on the caller's thread and send on the worker; else null. */
    private final KafkaImportSink staged;
    /** Batches of tasks: a {@link ProducerRecord} for the staged delegate to send, or a {@link Runnable}. */
    private final BlockingQueue<List<Object>> queue = new ArrayBlockingQueue<>(QUEUED);
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
                            if (task instanceof ProducerRecord<?, ?> record) {
                                @SuppressWarnings("unchecked")
                                ProducerRecord<byte[], byte[]> serialised = (ProducerRecord<byte[], byte[]>) record;
                                staged.send(serialised);
                            } else {
                                ((Runnable) task).run();
                            }
                        } catch (RuntimeException e) {
                            failure = e;
                        }
                    } else if (task instanceof Marker marker) {
                        marker.run();
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

    /** Adds a serialised record for the staged delegate to send (the record itself: no closure per record). */
    private void add(ProducerRecord<byte[], byte[]> record) {
        enqueue(record);
    }

    /** Adds work for the worker to run in order with the records. */
    private void add(Runnable task) {
        enqueue(task);
    }

    /** The batch holds records and Runnables only: {@link #work} tells them apart. */
    private void enqueue(Object task) {
        throwIfFailed();
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
            KafkaImportSink.Encoded encoded = staged.encodeAccepted(eventId, record, eventTimeMillis);
            if (encoded.record() == null) {
                return encoded.problems();
            }
            add(encoded.record());
            return null;
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
            throwIfFailed();
            add(staged.encodeFeedback(eventId, label, observedAtMillis));
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
            throwIfFailed();
            add(staged.encodeQuarantined(eventId, originalText, reasons));
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
