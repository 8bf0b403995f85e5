package io.mlcycle.ingestion;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the records of one request in one Kafka transaction, so a request is written whole or not at all: readers
 * with {@code isolation.level=read_committed} (every mlcycle consumer, and Kafka Streams under exactly-once) never
 * see the records of an aborted transaction.
 *
 * <p>A small pool of transactional producers, each owned by one thread ("lane"), does the blocking Kafka calls;
 * request threads hand a batch over and get a future, so they never wait for Kafka. Both the batches waiting for a
 * lane and the bytes they hold are bounded: beyond either, a batch is refused at once with {@link Overloaded} instead
 * of being buffered. A lane whose producer failed in a way that leaves its state unknown closes it and starts a new
 * one with the same {@code transactional.id}, whose initialisation aborts whatever the old one left open.
 */
final class TransactionalWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalWriter.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** Creates the (transactional, not yet initialised) producer of a lane. */
    @FunctionalInterface
    interface ProducerFactory {
        Producer<byte[], byte[]> create(int lane);
    }

    /**
     * The batch was refused before anything was sent: too much is waiting already. {@link #kafkaStalled()} tells
     * why: while Kafka keeps completing transactions the clients send faster than it takes (their requests should
     * slow down: 429); when no transaction has completed for the stall time, Kafka is slow or down (503).
     */
    static final class Overloaded extends RuntimeException {
        private final boolean kafkaStalled;

        Overloaded(String message, boolean kafkaStalled) {
            super(message);
            this.kafkaStalled = kafkaStalled;
        }

        boolean kafkaStalled() {
            return kafkaStalled;
        }
    }

    /** The transaction was aborted (or never began): nothing of the batch is visible to read_committed readers. */
    static final class NotWritten extends RuntimeException {
        NotWritten(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The commit did not finish in time: the batch may become visible or not. The lane's producer is replaced, and
     * its successor's initialisation settles the open transaction.
     */
    static final class OutcomeUnknown extends RuntimeException {
        OutcomeUnknown(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final class Lane {
        final int index;
        Producer<byte[], byte[]> producer;

        Lane(int index) {
            this.index = index;
        }

        Producer<byte[], byte[]> producer() {
            if (producer == null) {
                Producer<byte[], byte[]> created = factory.create(index);
                try {
                    created.initTransactions();
                } catch (RuntimeException e) {
                    created.close(Duration.ZERO);
                    throw e;
                }
                producer = created;
            }
            return producer;
        }

        void discard() {
            Producer<byte[], byte[]> current = producer;
            producer = null;
            if (current != null) {
                try {
                    current.close(Duration.ZERO);
                } catch (RuntimeException e) {
                    LOG.debug("Closing a failed ingestion producer: {}", e.toString());
                }
            }
        }
    }

    private static final class LaneThread extends Thread {
        final Lane lane;

        LaneThread(Runnable runnable, String name, Lane lane) {
            super(runnable, name);
            this.lane = lane;
            setDaemon(true);
        }
    }

    private final ProducerFactory factory;
    private final Lane[] lanes;
    private final ThreadPoolExecutor executor;
    private final long maxInflightBytes;
    private final AtomicLong inflightBytes = new AtomicLong();
    /** Batches handed over and not yet finished. */
    private final AtomicInteger pendingBatches = new AtomicInteger();
    /** When a transaction last finished (any outcome), or the writer last went from idle to busy. */
    private volatile long lastProgressNanos = System.nanoTime();
    private final long stallNanos;

    /**
     * @param stallAfter no transaction finishing for this long while batches wait means Kafka is stalled (slow or
     *                   down), as opposed to clients sending faster than it takes
     */
    TransactionalWriter(ProducerFactory factory, int laneCount, int maxQueuedBatches, long maxInflightBytes,
                        Duration stallAfter, String threadPrefix) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.stallNanos = stallAfter.toNanos();
        if (laneCount < 1 || maxQueuedBatches < 1 || maxInflightBytes < 1) {
            throw new IllegalArgumentException("lanes, queued batches and in-flight bytes must be positive");
        }
        this.maxInflightBytes = maxInflightBytes;
        this.lanes = new Lane[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new Lane(i);
        }
        AtomicInteger created = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(laneCount, laneCount, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(maxQueuedBatches), runnable -> {
                    int index = created.getAndIncrement() % laneCount;
                    return new LaneThread(runnable, threadPrefix + "-" + index, lanes[index]);
                }, new ThreadPoolExecutor.AbortPolicy());
        executor.prestartAllCoreThreads();
    }

    /** Bytes of records handed over and not yet written or failed. */
    long inflightBytes() {
        return inflightBytes.get();
    }

    /**
     * Writes {@code records} in one transaction. The future completes when the transaction committed, or fails with
     * {@link Overloaded} (refused at once), {@link NotWritten} or {@link OutcomeUnknown}.
     */
    CompletableFuture<Void> write(List<ProducerRecord<byte[], byte[]>> records, long bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!reserve(bytes)) {
            done.completeExceptionally(overloaded("more than " + maxInflightBytes + " bytes of events are"
                    + " waiting for Kafka"));
            return done;
        }
        if (pendingBatches.getAndIncrement() == 0) {
            lastProgressNanos = System.nanoTime();
        }
        try {
            executor.execute(() -> {
                try {
                    run(((LaneThread) Thread.currentThread()).lane, records, done);
                } finally {
                    inflightBytes.addAndGet(-bytes);
                    lastProgressNanos = System.nanoTime();
                    pendingBatches.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            inflightBytes.addAndGet(-bytes);
            pendingBatches.decrementAndGet();
            done.completeExceptionally(executor.isShutdown() ? new Overloaded("the service is stopping", true)
                    : overloaded("too many requests are waiting for Kafka"));
        }
        return done;
    }

    private Overloaded overloaded(String why) {
        long idleNanos = System.nanoTime() - lastProgressNanos;
        if (pendingBatches.get() > 0 && idleNanos > stallNanos) {
            return new Overloaded(why + ", and Kafka has completed no transaction for "
                    + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s", true);
        }
        return new Overloaded(why, false);
    }

    private boolean reserve(long bytes) {
        while (true) {
            long current = inflightBytes.get();
            // One batch is always let through, however large, so a big request cannot be refused forever.
            if (current > 0 && current + bytes > maxInflightBytes) {
                return false;
            }
            if (inflightBytes.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    private static void run(Lane lane, List<ProducerRecord<byte[], byte[]>> records, CompletableFuture<Void> done) {
        boolean committing = false;
        try {
            Producer<byte[], byte[]> producer = lane.producer();
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record);
            }
            committing = true;
            // Flushes, and throws if any send failed: then the transaction is aborted below.
            producer.commitTransaction();
            done.complete(null);
        } catch (TimeoutException | InterruptException e) {
            if (committing) {
                lane.discard();
                done.completeExceptionally(new OutcomeUnknown("Kafka did not confirm the commit in time: "
                        + e.getMessage(), e));
            } else {
                abort(lane);
                done.completeExceptionally(new NotWritten("Kafka did not take the events in time: " + e.getMessage(), e));
            }
        } catch (RuntimeException e) {
            abort(lane);
            done.completeExceptionally(new NotWritten("Kafka refused the events: " + e.getMessage(), e));
        } catch (Error e) {
            lane.discard();
            done.completeExceptionally(new NotWritten("the write failed: " + e, e));
            throw e;
        }
    }

    private static void abort(Lane lane) {
        Producer<byte[], byte[]> producer = lane.producer;
        if (producer == null) {
            return;
        }
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            // Fenced, fatal or out of time: a new producer with the same transactional.id aborts what is left open.
            LOG.debug("Aborting an ingestion transaction failed ({}); replacing the producer", e.toString());
            lane.discard();
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        for (Lane lane : lanes) {
            Producer<byte[], byte[]> producer = lane.producer;
            lane.producer = null;
            if (producer != null) {
                try {
                    producer.close(CLOSE_TIMEOUT);
                } catch (RuntimeException e) {
                    LOG.warn("Closing an ingestion producer failed: {}", e.toString());
                }
            }
        }
    }
}
