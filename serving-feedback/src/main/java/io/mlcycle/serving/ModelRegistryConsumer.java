package io.mlcycle.serving;

import io.mlcycle.avro.ModelVersion;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the model registry {@code <p>.models} from the beginning with its own consumer (manually assigned, no group,
 * no commits: every instance needs the whole registry) and feeds a {@link ModelRegistryWatcher}, on one daemon
 * thread. Reports when the topic has been replayed up to the end it had at start, which is part of readiness. An
 * unexpected failure does not end the thread: it restarts from the beginning of the registry after a backoff (1 s,
 * doubling, at most 1 min), and {@link #isFollowing()} is false meanwhile, so readiness shows that hot swap stopped.
 */
public final class ModelRegistryConsumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryConsumer.class);
    private static final Duration POLL = Duration.ofMillis(250);

    private final Consumer<String, ModelVersion> consumer;
    private final String topic;
    private final ModelRegistryWatcher watcher;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch replayedLatch = new CountDownLatch(1);
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private volatile boolean running = true;
    private volatile boolean replayed;
    private volatile boolean following;
    private boolean started;

    /**
     * @param consumer a consumer (read_committed, String keys, ModelVersion values) this object takes ownership of
     * @param topic    the registry topic, {@code <p>.models}
     * @param watcher  the watcher to feed
     */
    public ModelRegistryConsumer(Consumer<String, ModelVersion> consumer, String topic, ModelRegistryWatcher watcher) {
        this(consumer, topic, watcher, Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    /**
     * @param initialBackoff wait before the first restart after a failure; doubled after each further failure
     * @param maxBackoff     longest wait between restarts
     */
    public ModelRegistryConsumer(Consumer<String, ModelVersion> consumer, String topic, ModelRegistryWatcher watcher,
                                 Duration initialBackoff, Duration maxBackoff) {
        this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
        this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.watcher = Objects.requireNonNull(watcher, "watcher");
        this.thread = new Thread(this::run, "model-registry-" + topic);
        this.thread.setDaemon(true);
    }

    public synchronized ModelRegistryConsumer start() {
        started = true;
        thread.start();
        return this;
    }

    /** True once every record present when the consumer started has been applied. */
    public boolean isReplayed() {
        return replayed;
    }

    /**
     * Waits until the registry has been replayed (the champion present at start is loaded), so that stream scoring
     * never starts before it and no validated event is processed unscored because the model was still loading.
     *
     * @return true when replayed within the timeout
     */
    public boolean awaitReplayed(Duration timeout) throws InterruptedException {
        return replayedLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Healthy: replayed once and following the registry now. False while the consumer fails and waits to retry,
     * so readiness tells that hot swap is not working.
     */
    public boolean isFollowing() {
        return replayed && following;
    }

    private void run() {
        long backoffMs = initialBackoff.toMillis();
        try {
            while (running) {
                try {
                    follow();
                } catch (WakeupException e) {
                    if (!running) {
                        return;
                    }
                    LOG.error("Model registry consumer of {} woken up unexpectedly; restarting", topic, e);
                } catch (RuntimeException e) {
                    following = false;
                    LOG.error("Model registry consumer of {} failed; serving keeps its current model and retries in "
                            + "{} ms", topic, backoffMs, e);
                }
                following = false;
                if (!running || stopSignal.await(backoffMs, TimeUnit.MILLISECONDS)) {
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.debug("closing the model registry consumer failed", e);
            }
            stopped.countDown();
        }
    }

    /**
     * Reads the registry from the beginning (the watcher is idempotent, so a restart after a failure simply
     * replays it again) and follows it until closed or until something fails.
     */
    private void follow() {
        List<TopicPartition> partitions = awaitPartitions();
        if (partitions.isEmpty()) {
            return;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> endAtStart = new HashMap<>(consumer.endOffsets(partitions));
        while (running) {
            ConsumerRecords<String, ModelVersion> records;
            try {
                records = consumer.poll(POLL);
            } catch (RecordDeserializationException e) {
                LOG.error("Skipping undecodable record {} at offset {} of the model registry: {}",
                        e.topicPartition(), e.offset(), e.getMessage());
                consumer.seek(e.topicPartition(), e.offset() + 1);
                continue;
            }
            following = true;
            for (ConsumerRecord<String, ModelVersion> record : records) {
                // The serde hands back what the writer schema says (byte[] for a "bytes" schema) whatever the
                // declared type: check it here, or the implicit cast would end this thread and hot swap with it.
                Object value = record.value();
                if (value == null || value instanceof ModelVersion) {
                    watcher.record(record.key(), (ModelVersion) value);
                } else {
                    LOG.error("Skipping record {}-{}@{} of the model registry: its value is a {}, not a "
                            + "ModelVersion", record.topic(), record.partition(), record.offset(),
                            value.getClass().getSimpleName());
                }
            }
            if (!records.isEmpty() || !replayed) {
                watcher.reconcile();
            }
            if (!replayed && caughtUp(endAtStart)) {
                replayed = true;
                replayedLatch.countDown();
                LOG.info("Model registry {} replayed; champion: {}", topic,
                        watcher.champion().map(LoadedModel::version).orElse("none"));
            }
        }
    }

    private List<TopicPartition> awaitPartitions() {
        while (running) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                infos = List.of();
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            LOG.info("Waiting for the model registry topic {} to exist", topic);
        }
        return List.of();
    }

    private boolean caughtUp(Map<TopicPartition, Long> endAtStart) {
        for (Map.Entry<TopicPartition, Long> end : endAtStart.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        running = false;
        stopSignal.countDown();
        if (!started) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            return;
        }
        consumer.wakeup();
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                LOG.warn("Model registry consumer of {} did not stop within 10 s", topic);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
