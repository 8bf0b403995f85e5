package io.mlcycle.platform.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link KafkaStreams} client for a service: logs state changes; replaces a failed stream thread up to
 * {@link Options#maxThreadReplacements()} times within {@link Options#replacementWindow()}, then shuts the client
 * down with an ERROR log; reports readiness for {@code /health/ready}: {@code RUNNING} (or {@code REBALANCING} after
 * having run) and no state store still restoring from its changelog, since a task that restores serves nothing yet
 * (Kafka Streams stays {@code RUNNING} while it restores); closes cleanly with a timeout.
 */
public final class StreamsRunner implements AutoCloseable, Terminating {

    private static final Logger log = LoggerFactory.getLogger(StreamsRunner.class);

    /**
     * @param maxThreadReplacements failed threads replaced within the window before the client shuts down (default 3)
     * @param replacementWindow     the window over which replacements are counted (default 10 min)
     * @param closeTimeout          how long {@link #close()} waits (default 30 s)
     */
    public record Options(int maxThreadReplacements, Duration replacementWindow, Duration closeTimeout) {
        public Options {
            if (maxThreadReplacements < 0) {
                throw new IllegalArgumentException("maxThreadReplacements must be >= 0");
            }
            Objects.requireNonNull(replacementWindow, "replacementWindow");
            Objects.requireNonNull(closeTimeout, "closeTimeout");
        }

        public static Options defaults() {
            return new Options(3, Duration.ofMinutes(10), Duration.ofSeconds(30));
        }
    }

    private final String name;
    private final KafkaStreams streams;
    private final Options options;
    private final Clock clock;
    private final Deque<Instant> replacements = new ArrayDeque<>();
    private final CompletableFuture<KafkaStreams.State> terminated = new CompletableFuture<>();
    private final java.util.Set<String> restoring = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean everRunning;
    /** Set when a stream thread dies; cleared when the client is RUNNING again after it (a replacement caught up). */
    private volatile boolean threadDied;
    private volatile boolean closing;

    private StreamsRunner(String name, KafkaStreams streams, Options options, Clock clock) {
        this.name = name;
        this.streams = streams;
        this.options = options;
        this.clock = clock;
        streams.setStateListener(this::onStateChange);
        streams.setUncaughtExceptionHandler(this::onUncaughtException);
        streams.setGlobalStateRestoreListener(restoreListener());
    }

    /** Tracks which store partitions are restoring: readiness waits for all of them. */
    StateRestoreListener restoreListener() {
        return new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
                restoring.add(store + "/" + partition);
                log.info("Kafka Streams client {}: restoring {} from {} (offsets {} to {})", name, store, partition,
                        startingOffset, endingOffset);
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
                restoring.remove(store + "/" + partition);
                log.info("Kafka Streams client {}: restored {} from {} ({} records)", name, store, partition, totalRestored);
            }

            @Override
            public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
                // The task moved to another instance: this one no longer waits for it.
                restoring.remove(store + "/" + partition);
            }
        };
    }

    /** The store partitions still restoring, as {@code store/topic-partition}. */
    public java.util.Set<String> restoringStores() {
        return java.util.Set.copyOf(restoring);
    }

    /** Builds and starts a Kafka Streams client for {@code topology} with default options. */
    public static StreamsRunner start(String name, Topology topology, Properties properties) {
        return start(name, topology, properties, Options.defaults());
    }

    public static StreamsRunner start(String name, Topology topology, Properties properties, Options options) {
        return start(name, new KafkaStreams(topology, properties), options);
    }

    /** Takes over a created, not yet started client (tests, custom client suppliers) and starts it. */
    public static StreamsRunner start(String name, KafkaStreams streams, Options options) {
        StreamsRunner runner = new StreamsRunner(name, streams, options, Clock.systemUTC());
        log.info("Starting Kafka Streams client {}", name);
        streams.start();
        return runner;
    }

    /** Wraps a client without starting it; for testing the failure policy. */
    static StreamsRunner wrap(String name, KafkaStreams streams, Options options, Clock clock) {
        return new StreamsRunner(name, streams, options, clock);
    }

    /** The client, for metrics binding and interactive queries. */
    public KafkaStreams streams() {
        return streams;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Ready: RUNNING, or REBALANCING once it has been RUNNING (a rebalance is not an outage), and no state store
     * restoring; never between a stream thread's death and the client's next RUNNING state, so a record that kills
     * threads shows at once.
     */
    public boolean isReady() {
        if (threadDied) {
            return false;
        }
        KafkaStreams.State state = streams.state();
        boolean running = state == KafkaStreams.State.RUNNING || (state == KafkaStreams.State.REBALANCING && everRunning);
        return running && restoring.isEmpty();
    }

    @Override
    public CompletionStage<KafkaStreams.State> terminated() {
        return terminated;
    }

    StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onUncaughtException(Throwable error) {
        threadDied = true;
        Instant now = clock.instant();
        synchronized (replacements) {
            Instant windowStart = now.minus(options.replacementWindow());
            while (!replacements.isEmpty() && replacements.peekFirst().isBefore(windowStart)) {
                replacements.removeFirst();
            }
            if (replacements.size() < options.maxThreadReplacements()) {
                replacements.addLast(now);
                log.warn("Kafka Streams client {}: stream thread failed, replacing it ({} of {} allowed within {}): {}",
                        name, replacements.size(), options.maxThreadReplacements(), options.replacementWindow(), error.toString(), error);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
        }
        log.error("Kafka Streams client {}: stream thread failed again after {} replacements within {}; shutting the client down: {}",
                name, options.maxThreadReplacements(), options.replacementWindow(), error.toString(), error);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private void onStateChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
        if (newState == KafkaStreams.State.RUNNING) {
            everRunning = true;
            threadDied = false;
        }
        if (newState == KafkaStreams.State.ERROR) {
            log.error("Kafka Streams client {} changed state {} -> {}", name, oldState, newState);
        } else {
            log.info("Kafka Streams client {} changed state {} -> {}", name, oldState, newState);
        }
        if (!closing && (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING
                || newState == KafkaStreams.State.PENDING_ERROR)) {
            terminated.complete(newState);
        }
    }

    /**
     * Closes within {@code timeout}, leaving the consumer group; returns whether all threads stopped in time.
     *
     * <p>Kafka Streams stays in its group on close by default, so that a restart with the same static member id
     * finds its tasks again. mlcycle's instances have no static membership, so staying would only make the next
     * instance wait a whole session timeout (45 s) for the departed member before it gets any partition.
     */
    public boolean close(Duration timeout) {
        closing = true;
        log.info("Closing Kafka Streams client {} (timeout {})", name, timeout);
        boolean clean = streams.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(timeout));
        if (!clean) {
            log.warn("Kafka Streams client {} did not stop within {}", name, timeout);
        }
        return clean;
    }

    @Override
    public void close() {
        close(options.closeTimeout());
    }
}
