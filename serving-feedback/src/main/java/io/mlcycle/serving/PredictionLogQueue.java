package io.mlcycle.serving;

import io.mlcycle.avro.Prediction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP predictions' way to {@code <p>.predictions}: a request hands its predictions to a bounded queue and goes
 * on; one thread of its own serialises and sends them (the sink, e.g. a Kafka producer's {@code send}, may block
 * while Kafka is slow or away, the request never does). When the queue is full (Kafka away for long) further
 * predictions are not logged: each one is counted ({@link ServingMetrics#predictionLogFailure()}) and a warning says
 * how many, at most every 10 seconds. The answer to the caller is never held back or failed by its logging.
 */
final class PredictionLogQueue implements PredictionLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PredictionLogQueue.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int DRAIN_BATCH = 512;

    private final BlockingQueue<Prediction> queue;
    private final Consumer<Prediction> sink;
    private final ServingMetrics metrics;
    private final Thread sender;
    private final AtomicLong dropped = new AtomicLong();
    /**
     * {@link #log} calls under way: one that saw the queue open may still be offering while {@link #close} runs, so
     * the sender stops only when none is, and nothing is left in the queue neither sent nor counted.
     */
    private final AtomicInteger logging = new AtomicInteger();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private volatile boolean closing;

    /**
     * @param sink     sends one prediction (may block; must not throw, or its exception is counted and logged)
     * @param capacity predictions waiting at most
     * @param name     the sending thread's name
     */
    PredictionLogQueue(Consumer<Prediction> sink, int capacity, ServingMetrics metrics, String name) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = new Thread(this::run, name);
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** Queues the prediction and returns at once; a full queue drops it (counted). */
    @Override
    public void log(Prediction prediction) {
        logging.incrementAndGet();
        try {
            if (closing || !queue.offer(prediction)) {
                drop(prediction);
            }
        } finally {
            logging.decrementAndGet();
        }
    }

    private void drop(Prediction prediction) {
        metrics.predictionLogFailure();
        long count = dropped.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn("{} HTTP prediction(s) not logged so far: the prediction log queue ({} waiting at most) is "
                    + "full or closed, Kafka is not keeping up; latest {}", count, queue.size() + queue
                    .remainingCapacity(), prediction.getPredictionId());
        }
    }

    /** Predictions not logged because the queue was full or closed. */
    long dropped() {
        return dropped.get();
    }

    private void run() {
        List<Prediction> batch = new ArrayList<>(DRAIN_BATCH);
        while (true) {
            try {
                Prediction first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && logging.get() == 0 && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, DRAIN_BATCH - 1);
                for (Prediction prediction : batch) {
                    send(prediction);
                }
                batch.clear();
            } catch (InterruptedException e) {
                // close() gave up waiting: whatever is left is not logged (counted), also what a log() call that
                // saw the queue open puts there after this thread was interrupted
                while (logging.get() > 0) {
                    Thread.onSpinWait();
                }
                Prediction left;
                while ((left = queue.poll()) != null) {
                    drop(left);
                }
                return;
            }
        }
    }

    private void send(Prediction prediction) {
        try {
            sink.accept(prediction);
        } catch (RuntimeException e) {
            metrics.predictionLogFailure();
            LOG.warn("Prediction {} could not be logged: {}", prediction.getPredictionId(), e.toString());
        }
    }

    /** Sends what is queued (waiting at most {@code timeout}), then stops; later predictions are dropped. */
    void close(Duration timeout) {
        closing = true;
        try {
            sender.join(timeout.toMillis());
            if (sender.isAlive()) {
                sender.interrupt();
                sender.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
