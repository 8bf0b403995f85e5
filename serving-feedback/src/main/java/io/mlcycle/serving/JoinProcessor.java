package io.mlcycle.serving;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.monitoring.LabelNoiseDetector;
import io.mlcycle.platform.lifecycle.EventIds;
import io.mlcycle.platform.serde.AvroSerdeException;
import io.mlcycle.serving.truth.LabelFlags;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Base of the three processors of the serving topology: access to the join store and its expiry index, decoding
 * with quarantine on failure, and the join itself (emit a labeled example once event and feedback are both known,
 * with the label-noise verdict on its label).
 */
abstract class JoinProcessor implements Processor<byte[], byte[], String, Object> {
    protected final JoinSettings settings;
    protected final ServingMetrics metrics;
    protected ProcessorContext<String, Object> context;
    protected KeyValueStore<String, JoinState> joinStore;
    protected KeyValueStore<String, String> expiryIndex;
    private KeyValueStore<String, LabelNoiseDetector.State> labelThresholds;
    private final LabelNoiseDetector labelNoise;

    JoinProcessor(JoinSettings settings, ServingMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.labelNoise = new LabelNoiseDetector(settings.spec().monitoring().labelNoiseMinPerClass());
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.joinStore = context.getStateStore(ServingTopology.JOIN_STORE);
        this.expiryIndex = context.getStateStore(ServingTopology.EXPIRY_STORE);
        this.labelThresholds = context.getStateStore(ServingTopology.LABEL_THRESHOLDS_STORE);
    }

    /** The event id of a record: its key, as UTF-8 text; null when absent or blank. */
    static String eventId(Record<byte[], byte[]> record) {
        if (record.key() == null || record.key().length == 0) {
            return null;
        }
        String key = new String(record.key(), StandardCharsets.UTF_8).trim();
        return key.isEmpty() ? null : key;
    }

    /**
     * Decodes a value; an undecodable one, a tombstone, or one whose writer schema is not {@code type} is quarantined
     * (stage DESERIALIZATION) and empty is returned. Failures of the environment (registry unreachable) are rethrown:
     * the record may be fine, so it must not be quarantined.
     */
    protected <T> Optional<T> decode(Record<byte[], byte[]> record, Deserializer<T> deserializer, Class<T> type,
                                     String eventId) {
        if (record.value() == null) {
            // Nothing on these topics is deleted by tombstone; counting it keeps "every input is accounted for".
            quarantine(record, QuarantineStage.DESERIALIZATION, ReasonCode.DESERIALIZATION_FAILED, null,
                    "the record has no value (a tombstone)", eventId);
            return Optional.empty();
        }
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        try {
            // The serde returns what the writer schema says (e.g. byte[] for a "bytes" schema) whatever T is; the
            // check must happen here, inside the try, not as an implicit cast in the caller that would kill the thread.
            Object value = deserializer.deserialize(topic, record.headers(), record.value());
            if (value != null && !type.isInstance(value)) {
                quarantine(record, QuarantineStage.DESERIALIZATION, ReasonCode.SCHEMA_MISMATCH, null,
                        "the value was written with a schema that is not a " + type.getSimpleName() + " but a "
                                + value.getClass().getSimpleName(), eventId);
                return Optional.empty();
            }
            return Optional.ofNullable(type.cast(value));
        } catch (AvroSerdeException e) {
            if (!e.failure().isRecordFault()) {
                throw e;
            }
            quarantine(record, QuarantineStage.DESERIALIZATION, reasonOf(e), null, e.getMessage(), eventId);
        } catch (RuntimeException e) {
            quarantine(record, QuarantineStage.DESERIALIZATION, ReasonCode.DESERIALIZATION_FAILED, null,
                    String.valueOf(e.getMessage()), eventId);
        }
        return Optional.empty();
    }

    private static ReasonCode reasonOf(AvroSerdeException e) {
        return switch (e.failure()) {
            case BAD_MAGIC_BYTE -> ReasonCode.BAD_MAGIC_BYTE;
            case UNKNOWN_SCHEMA_ID -> ReasonCode.UNKNOWN_SCHEMA_ID;
            case TRUNCATED_RECORD -> ReasonCode.TRUNCATED_RECORD;
            case SCHEMA_MISMATCH -> ReasonCode.SCHEMA_MISMATCH;
            default -> ReasonCode.DESERIALIZATION_FAILED;
        };
    }

    protected void quarantine(Record<byte[], byte[]> record, QuarantineStage stage, ReasonCode code, String field,
                              String detail, String eventId) {
        Optional<RecordMetadata> metadata = context.recordMetadata();
        Records.Source source = new Records.Source(metadata.map(RecordMetadata::topic).orElse(null),
                metadata.map(RecordMetadata::partition).orElse(null),
                metadata.map(RecordMetadata::offset).orElse(null),
                record.key(), record.value(), record.headers());
        QuarantineRecord quarantined = Records.quarantine(settings.pipeline(), settings.spec().sha256(), stage, code,
                field, detail, eventId, source, Instant.ofEpochMilli(now()));
        metrics.quarantined(code.name());
        context.forward(new Record<String, Object>(quarantined.getEventId(), quarantined, record.timestamp()),
                ServingTopology.QUARANTINE_SINK);
    }

    /**
     * Quarantines a record too large to be joined: an event id longer than {@link EventIds#MAX_LENGTH} or a value
     * above the configured maximum would make the records derived from it (labeled example, prediction) too large
     * for the producer, which would stop the stream for good. Returns true when the record was quarantined.
     */
    protected boolean quarantineIfOversized(Record<byte[], byte[]> record, String eventId) {
        if (eventId != null && eventId.length() > EventIds.MAX_LENGTH) {
            quarantine(record, QuarantineStage.VALIDATION, ReasonCode.OUT_OF_RANGE, "event_id", "the event id is "
                    + eventId.length() + " characters long; at most " + EventIds.MAX_LENGTH + " are allowed (key "
                    + io.mlcycle.mlcore.quarantine.QuarantineFit.describe(record.key()) + ")", eventId);
            return true;
        }
        int size = record.value() == null ? 0 : record.value().length;
        if (size > settings.maxRecordBytes()) {
            quarantine(record, QuarantineStage.VALIDATION, ReasonCode.OUT_OF_RANGE, null, "the record is " + size
                    + " bytes; at most " + settings.maxRecordBytes() + " are accepted (value "
                    + io.mlcycle.mlcore.quarantine.QuarantineFit.describe(record.value()) + ")", eventId);
            return true;
        }
        return false;
    }

    /**
     * A record read without a key sits in whatever partition its producer picked, so its event's join state is
     * (with more than one partition) in another task. It is written back to its own topic keyed by the event id
     * from its value, original bytes and headers unchanged, and joined when it comes back on the right partition.
     * Without a usable event id it is quarantined.
     */
    protected void rekeyOrQuarantine(Record<byte[], byte[]> record, String valueEventId, String rekeySink) {
        String eventId = valueEventId == null ? "" : valueEventId.trim();
        if (eventId.isEmpty()) {
            quarantine(record, QuarantineStage.VALIDATION, ReasonCode.MISSING_REQUIRED, "event_id",
                    "the record has neither a key nor an event id, so it cannot be joined with an event", null);
            return;
        }
        if (quarantineIfOversized(record, eventId)) {
            return;
        }
        context.forward(new Record<String, Object>(eventId, record.value(), record.timestamp(), record.headers()),
                rekeySink);
    }

    protected long now() {
        return context.currentSystemTimeMs();
    }

    /**
     * The state of an event id, creating (and indexing for expiry) a fresh one when unknown. The window is anchored
     * at the record's timestamp (its event time), never at the wall clock, so a replay or a backlog read after
     * downtime joins exactly what a live run would.
     */
    protected JoinState loadOrCreate(String eventId, long recordTimestampMs) {
        JoinState state = joinStore.get(eventId);
        if (state != null) {
            return state;
        }
        JoinState fresh = JoinState.empty(recordTimestampMs);
        expiryIndex.put(expiryKey(fresh.firstSeenAtMs(), eventId), eventId);
        return fresh;
    }

    /**
     * {@code <first seen, 19 digits zero-padded>|<event id>}, the same text as {@code String.format("%019d|%s", ...)}
     * without its per-record parsing (one per new event id).
     */
    static String expiryKey(long firstSeenAtMs, String eventId) {
        if (firstSeenAtMs < 0) {
            return String.format("%019d|%s", firstSeenAtMs, eventId);
        }
        String digits = Long.toString(firstSeenAtMs);
        StringBuilder key = new StringBuilder(20 + eventId.length());
        for (int i = digits.length(); i < 19; i++) {
            key.append('0');
        }
        return key.append(digits).append('|').append(eventId).toString();
    }

    static long expiryTime(String expiryKey) {
        return Long.parseLong(expiryKey.substring(0, 19));
    }

    /** Emits the labeled example when the state is ready, saves the state, and returns it. */
    protected JoinState joinAndSave(String eventId, JoinState state, long timestamp) {
        JoinState result = state;
        if (state.readyToEmit()) {
            LabeledExample example = flagSuspectLabel(example(eventId, state));
            context.forward(new Record<String, Object>(eventId, example, timestamp), ServingTopology.EXAMPLES_SINK);
            context.forward(new Record<String, Object>(eventId, new MonitorInput.Labeled(example,
                    state.firstSeenAtMs()), timestamp), ServingTopology.MONITOR);
            metrics.feedbackJoined();
            result = state.markLabeled();
        }
        joinStore.put(eventId, result);
        return result;
    }

    /**
     * Confident learning at feedback time: the champion's prediction was logged before the outcome was known, so it
     * is out of sample. The outcome is judged with the thresholds of that champion version's earlier outcomes
     * (per task, i.e. per partition), then added to them; without a champion prediction it is passed on unjudged.
     */
    private LabeledExample flagSuspectLabel(LabeledExample example) {
        Optional<String> version = LabelFlags.championPrediction(example).map(p -> p.getModelVersion());
        if (version.isEmpty()) {
            return example;
        }
        LabelNoiseDetector.State state = labelThresholds.get(version.get());
        LabelFlags.Flagged flagged = LabelFlags.apply(labelNoise, state == null ? LabelNoiseDetector.State.EMPTY
                : state, example);
        labelThresholds.put(version.get(), flagged.next());
        if (flagged.example().getLabelSuspect()) {
            metrics.labelFlagged();
        }
        return flagged.example();
    }

    private LabeledExample example(String eventId, JoinState state) {
        JoinState.EventInfo event = state.event();
        JoinState.PendingFeedback feedback = state.feedback();
        boolean positive = settings.labelCodec().isPositive(feedback.label()).orElse(false);
        return LabeledExample.newBuilder()
                .setEventId(eventId)
                .setPipeline(settings.pipeline())
                .setEntityKey(event.entityKey())
                .setFeatures(event.features())
                .setLabel(feedback.label())
                .setPositive(positive)
                .setEventTime(Instant.ofEpochMilli(event.eventTimeMs()))
                .setObservedAt(Instant.ofEpochMilli(feedback.observedAtMs()))
                .setPredictions(state.predictions())
                .build();
    }
}
