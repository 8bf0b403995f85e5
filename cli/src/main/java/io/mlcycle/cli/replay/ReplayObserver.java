package io.mlcycle.cli.replay;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the pipeline's topics during a replay (committed records only) and keeps what the replay needs to pace
 * itself and to report: where each event went (validated, quarantined, scored), the labeled examples with their
 * offsets, every trigger, run and model version, and the drift alerts. Each run, version and alert is stamped with
 * the replay's event-time position when it was seen, for the chart.
 *
 * <p>One consumer thread writes; the replay driver waits on conditions ({@link #await}); all access is synchronised
 * on this object.
 */
final class ReplayObserver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplayObserver.class);
    static final Set<RunStatus> TERMINAL = EnumSet.of(RunStatus.PROMOTED, RunStatus.REJECTED, RunStatus.FAILED,
            RunStatus.SKIPPED, RunStatus.REGISTERED);

    /** Where a record sat in its topic. */
    record Position(int partition, long offset) {
    }

    /** A labeled example with its place in {@code <p>.examples.labeled}. */
    record Labeled(LabeledExample example, Position position) {
    }

    /** Something that happened at a replay position (event time), for the chart. */
    record Mark(long eventTime, String kind, String text) {
    }

    private final String pipeline;
    private final KafkaConsumer<String, byte[]> consumer;
    private final PipelineSerdes serdes;
    private final LongSupplier replayClock;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<TopicDescriptor<?, ?>, Deserializer<?>> deserializers = new HashMap<>();

    private final Map<String, Position> validated = new HashMap<>();
    private final Map<String, QuarantineRecord> quarantined = new HashMap<>();
    private final Map<String, Prediction> predictions = new HashMap<>();
    private final Map<String, Labeled> labeled = new HashMap<>();
    private final Map<Position, LabeledExample> labeledByPosition = new HashMap<>();
    private final Map<String, TrainingTrigger> triggers = new LinkedHashMap<>();
    private final Map<String, TrainingRun> runsByTrigger = new LinkedHashMap<>();
    private final Map<String, ModelVersion> models = new LinkedHashMap<>();
    private final List<Mark> marks = new ArrayList<>();
    private RuntimeException failure;

    ReplayObserver(String pipeline, String bootstrapServers, PipelineSerdes serdes, LongSupplier replayClock) {
        this.pipeline = pipeline;
        this.serdes = serdes;
        this.replayClock = replayClock;
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers);
        properties.put("client.id", "mlcycle-replay-observer");
        properties.put("isolation.level", "read_committed");
        properties.put("enable.auto.commit", "false");
        properties.put("max.poll.records", "5000");
        this.consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "mlcycle-replay-observer");
        this.thread.setDaemon(true);
    }

    ReplayObserver start() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescriptor<?, ?> topic : List.of(Topics.DATA_VALIDATED, Topics.DATA_QUARANTINE, Topics.PREDICTIONS,
                Topics.EXAMPLES_LABELED, Topics.TRAINING_TRIGGERS, Topics.TRAINING_RUNS, Topics.MODELS,
                Topics.MONITORING_ALERTS)) {
            consumer.partitionsFor(topic.name(pipeline), Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running.get()) {
                var records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                synchronized (this) {
                    for (ConsumerRecord<String, byte[]> record : records) {
                        try {
                            handle(record);
                        } catch (RuntimeException e) {
                            log.warn("Replay could not read {}-{}@{}: {}", record.topic(), record.partition(),
                                    record.offset(), e.getMessage());
                        }
                    }
                    notifyAll();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                fail(e);
            }
        } catch (RuntimeException e) {
            fail(e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private synchronized void fail(RuntimeException e) {
        failure = e;
        notifyAll();
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicDescriptor<?, ?> topic = Topics.byName(pipeline, record.topic()).orElse(null);
        if (topic == null || record.value() == null) {
            return;
        }
        Position position = new Position(record.partition(), record.offset());
        if (topic == Topics.DATA_VALIDATED) {
            validated.put(record.key(), position);
            return;
        }
        Object value = deserializers.computeIfAbsent(topic, t -> serdes.valueSerde(t).deserializer())
                .deserialize(record.topic(), record.value());
        long now = replayClock.getAsLong();
        if (value instanceof QuarantineRecord q && q.getEventId() != null) {
            quarantined.putIfAbsent(q.getEventId(), q);
        } else if (value instanceof Prediction p && p.getServed()) {
            predictions.putIfAbsent(p.getEventId(), p);
        } else if (value instanceof LabeledExample e) {
            labeled.putIfAbsent(e.getEventId(), new Labeled(e, position));
            labeledByPosition.put(position, e);
        } else if (value instanceof TrainingTrigger t) {
            triggers.put(t.getTriggerId(), t);
        } else if (value instanceof TrainingRun r) {
            TrainingRun previous = runsByTrigger.put(r.getTriggerId(), r);
            if (TERMINAL.contains(r.getStatus()) && (previous == null || previous.getStatus() != r.getStatus())
                    && r.getStatus() != RunStatus.SKIPPED) {
                marks.add(new Mark(now, "run", r.getTriggerReason() + " run " + r.getStatus()
                        + (r.getModelVersion() == null ? "" : " " + r.getModelVersion())));
            }
        } else if (value instanceof ModelVersion m) {
            ModelVersion previous = models.put(m.getVersion(), m);
            boolean promoted = m.getStage() == io.mlcycle.avro.Stage.CHAMPION
                    && (previous == null || previous.getStage() != io.mlcycle.avro.Stage.CHAMPION);
            if (promoted) {
                marks.add(new Mark(now, "promotion", m.getVersion()));
            }
        } else if (value instanceof Alert a && a.getType() == AlertType.DRIFT) {
            marks.add(new Mark(now, "drift", a.getMessage()));
        }
    }

    /**
     * Waits until {@code condition} (evaluated under this object's lock) holds; fails with {@code what} after
     * {@code timeout}.
     */
    synchronized void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (failure != null) {
                throw new IllegalStateException("The replay stopped following the pipeline: " + failure.getMessage(),
                        failure);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("The pipeline did not get there within " + timeout.toSeconds()
                        + " s: " + what);
            }
            wait(Math.max(1, Math.min(200, left / 1_000_000)));
        }
    }

    // Accessors, called under the lock (from await conditions) or after the replay.

    synchronized Position validated(String eventId) {
        return validated.get(eventId);
    }

    synchronized boolean quarantined(String eventId) {
        return quarantined.containsKey(eventId);
    }

    synchronized Prediction prediction(String eventId) {
        return predictions.get(eventId);
    }

    synchronized boolean isLabeled(String eventId) {
        return labeled.containsKey(eventId);
    }

    synchronized int labeledCount() {
        return labeled.size();
    }

    synchronized Map<String, TrainingTrigger> triggers() {
        return new LinkedHashMap<>(triggers);
    }

    synchronized TrainingRun runOf(String triggerId) {
        return runsByTrigger.get(triggerId);
    }

    /** Every trigger seen has a run in a terminal status. */
    synchronized boolean orchestratorIdle() {
        for (String triggerId : triggers.keySet()) {
            TrainingRun run = runsByTrigger.get(triggerId);
            if (run == null || !TERMINAL.contains(run.getStatus())) {
                return false;
            }
        }
        return true;
    }

    /** Every version a run promoted has reached the registry as seen here (the run record may come first). */
    synchronized boolean promotionsSeen() {
        for (TrainingRun run : runsByTrigger.values()) {
            if (run.getStatus() == RunStatus.PROMOTED && run.getModelVersion() != null) {
                ModelVersion version = models.get(run.getModelVersion());
                if (version == null || version.getStage() == io.mlcycle.avro.Stage.CANDIDATE) {
                    return false;
                }
            }
        }
        return true;
    }

    synchronized boolean anyVersion() {
        return !models.isEmpty();
    }

    synchronized Map<String, ModelVersion> models() {
        return new LinkedHashMap<>(models);
    }

    synchronized Map<String, Prediction> predictions() {
        return new HashMap<>(predictions);
    }

    synchronized Map<String, Labeled> labeled() {
        return new HashMap<>(labeled);
    }

    synchronized Map<Position, LabeledExample> labeledByPosition() {
        return new HashMap<>(labeledByPosition);
    }

    synchronized List<Mark> marks() {
        return new ArrayList<>(marks);
    }

    synchronized long quarantinedCount() {
        return quarantined.size();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
