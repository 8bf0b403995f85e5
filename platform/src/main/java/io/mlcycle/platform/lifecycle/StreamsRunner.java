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
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link KafkaStreams} client for a service: logs state changes; replaces a failed stream thread up to
 * {@link Options#maxThreadReplacements()} times within {@link Options#replacementWindow()}, then shuts the client
 * down with an ERROR log; reports readiness ({@code RUNNING}, or {@code REBALANCING} after having run) for
 * {@code /health/ready}; closes cleanly with a timeout.
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
     * Ready: RUNNING, or REBALANCING once it has been RUNNING (a rebalance is not an outage); never between a stream
     * thread's death and the client's next RUNNING state, so a record that kills threads shows at once.
     */
    public boolean isReady() {
        if (threadDied) {
            return false;
        }
        KafkaStreams.State state = streams.state();
        return state == KafkaStreams.State.RUNNING || (state == KafkaStreams.State.REBALANCING && everRunning);
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
