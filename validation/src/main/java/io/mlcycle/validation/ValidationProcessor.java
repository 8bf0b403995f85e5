package io.mlcycle.validation;

import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.mlcore.gates.GateResult;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.RecordGates;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.quarantine.QuarantineFit;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureExtractor;
import io.mlcycle.mlcore.profile.WindowSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The heart of validation: reads one raw record as bytes and emits exactly one of {@link ValidationOutput.Validated}
 * or {@link ValidationOutput.Quarantined} for it, and counts it in the task's partial window summary, which it hands
 * on as a {@link ValidationOutput.Partial} every {@link #partialRecords(int)} records and every second of wall-clock
 * time (so that a trickle still reaches the pipeline's window); {@link PipelineWindows} merges the partials of all
 * tasks into windows of the whole pipeline.
 *
 * <p>The partial is counted in memory and written to its changelog once per commit ({@link PartialWindowStore}), not
 * per record: the counts are exactly once like the records and the duplicate store, through crashes and task
 * migrations.
 *
 * <p>Order of checks: a record without a key (event id) is quarantined (stage VALIDATION, MISSING_REQUIRED on field
 * "key") without decoding; then the value is decoded with the pipeline's data serde (failures that are the record's
 * fault are quarantined at stage DESERIALIZATION with the serde's reason code; failures of the environment, such as
 * an unreachable registry, are rethrown so the record is retried rather than wrongly quarantined); then the record
 * gates run. Before decoding, an event id already validated within the duplicate retention is dropped when its
 * payload is the same (counted in the window's report) and quarantined as DUPLICATE_CONFLICT when it differs.
 * Every quarantine record carries the original key and value bytes, the headers and the source
 * topic/partition/offset.
 */
final class ValidationProcessor extends ContextualProcessor<byte[], byte[], String, ValidationOutput> {

    private static final String VALIDATED = ValidationTopology.branchNode(ValidationTopology.VALIDATED);
    private static final String QUARANTINED = ValidationTopology.branchNode(ValidationTopology.QUARANTINED);
    private static final String DATA_PARTIALS = ValidationTopology.branchNode(ValidationTopology.DATA_PARTIALS);
    private static final String LABELS = ValidationTopology.branchNode(ValidationTopology.LABELS);
    /** The store of the task's partial window summary of raw records. */
    static final String PARTIALS_STORE = "data-partial-window";
    /**
     * How often, and for how long at most, the stream thread advances the duplicate filter's rebuild: a fifth of its
     * time at most while the filter warms. At about 2 µs of CPU per stored id (both passes, 2,000,000 ids in a one-day
     * RocksDB store: {@code DuplicateFilterRebuildMeasure}), 86 million ids (1,000 records/s, one day) warm in some
     * 15 minutes, during which every duplicate check goes to the store, as before the filter.
     */
    static final Duration FILTER_REBUILD_EVERY = Duration.ofMillis(100);
    /** The most of the stream thread's time one rebuild step may take ({@link #FILTER_REBUILD_EVERY}). */
    static final Duration FILTER_REBUILD_SLICE = Duration.ofMillis(20);

    private final PipelineSpec spec;
    private final RecordGates gates;
    private final Deserializer<String> keyDeserializer;
    private final Deserializer<GenericRecord> valueDeserializer;
    private final String rawTopic;
    private final FeatureExtractor extractor;
    private final List<FeatureDefinition> definitions;
    private final int maxRequestSize;
    private final int partialRecords;
    private final boolean checkLabels;

    /** The task's partial, counted in memory and written to its changelog at each commit. */
    private PartialWindowStore partials;
    /** The partial being counted ({@link PartialWindowStore#partial()}). */
    private WindowSummary window;
    private long lastTimestamp;
    private DuplicateDetector duplicates;

    ValidationProcessor(PipelineSpec spec, RecordGates gates, Deserializer<String> keyDeserializer,
                        Deserializer<GenericRecord> valueDeserializer, String rawTopic, int maxRequestSize) {
        this.spec = spec;
        this.gates = gates;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
        this.rawTopic = rawTopic;
        this.extractor = new FeatureExtractor(spec);
        this.definitions = FeatureDefinition.fromSpec(spec);
        this.maxRequestSize = maxRequestSize;
        this.partialRecords = partialRecords(spec.drift().windowRecords());
        this.checkLabels = spec.gates().conflictingLabels().isPresent();
    }

    /** Records per partial: a quarter of a window, so a window of one task closes at its size exactly when 4 divides it. */
    static int partialRecords(int windowRecords) {
        return Math.max(1, Math.min(windowRecords / 4, 10_000));
    }

    @Override
    public void init(ProcessorContext<String, ValidationOutput> context) {
        super.init(context);
        partials = context.getStateStore(PARTIALS_STORE);
        window = partials.partial();
        lastTimestamp = window.endMillis();
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> flushPartial());
        duplicates = spec.gates().duplicates()
                .map(retention -> new DuplicateDetector(context.getStateStore(DuplicateDetector.STORE), retention,
                        context.taskId().toString()))
                .orElse(null);
        if (duplicates != null) {
            // The duplicate filter is rebuilt from the store a slice at a time, never in init: a large store would
            // hold the stream thread for minutes. Until it is done every id is looked up in the store.
            Cancellable[] rebuild = new Cancellable[1];
            rebuild[0] = context.schedule(FILTER_REBUILD_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> {
                if (duplicates.rebuild(FILTER_REBUILD_SLICE)) {
                    rebuild[0].cancel();
                }
            });
        }
    }

    @Override
    public void close() {
        if (duplicates != null) {
            duplicates.close();
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Instant now = Instant.ofEpochMilli(context().currentSystemTimeMs());
        lastTimestamp = record.timestamp();
        route(record, now);
        partials.counted();
        if (window.records() >= partialRecords) {
            flushPartial();
        }
    }

    private void flushPartial() {
        if (window.isEmpty() || lastTimestamp <= 0) {
            // (a restored partial that counted no record has no time of its own: it waits for the next record)
            return;
        }
        byte[] summary = partials.handOver();
        window = partials.partial();
        context().forward(new Record<>(PipelineWindows.DATA,
                new ValidationOutput.Partial(PipelineWindows.DATA, summary), lastTimestamp), DATA_PARTIALS);
    }

    /** Emits the record's one Validated or Quarantined output and counts it in the window. */
    private void route(Record<byte[], byte[]> record, Instant now) {
        String eventId;
        try {
            eventId = record.key() == null ? null : keyDeserializer.deserialize(rawTopic, record.headers(), record.key());
        } catch (RuntimeException e) {
            if (!DeserializationFailures.isRecordFault(e)) {
                throw e;
            }
            quarantine(record, null, QuarantineStage.DESERIALIZATION, List.of(new Violation(
                    DeserializationFailures.reasonCode(e), "key", "the key could not be decoded: "
                    + DeserializationFailures.detail(e))), now);
            return;
        }
        if (eventId == null || eventId.isBlank()) {
            quarantine(record, null, QuarantineStage.VALIDATION, List.of(new Violation(ReasonCode.MISSING_REQUIRED,
                    "key", "the record has no key; every record of " + rawTopic + " must be keyed by its event id")),
                    now);
            return;
        }
        if (record.value() == null) {
            quarantine(record, eventId, QuarantineStage.DESERIALIZATION, List.of(new Violation(
                    ReasonCode.DESERIALIZATION_FAILED, null, "the record has no value (a tombstone)")), now);
            return;
        }
        byte[] digest = duplicates == null ? null : duplicates.digest(record.value());
        DuplicateDetector.Verdict seen = duplicates == null ? DuplicateDetector.Verdict.NEW
                : duplicates.check(eventId, digest, record.timestamp());
        if (seen == DuplicateDetector.Verdict.DUPLICATE) {
            window.violation("DUPLICATE_DROPPED");
            return;
        }
        if (seen == DuplicateDetector.Verdict.CONFLICT) {
            quarantine(record, eventId, QuarantineStage.VALIDATION, List.of(Violation.of(ReasonCode.DUPLICATE_CONFLICT,
                    "key", eventId, "the event id '" + eventId + "' was already validated with a different payload"
                            + " within the duplicate retention; the first one stands, this one needs a look")), now);
            return;
        }
        GenericRecord decoded;
        try {
            decoded = valueDeserializer.deserialize(rawTopic, record.headers(), record.value());
        } catch (RuntimeException e) {
            if (!DeserializationFailures.isRecordFault(e)) {
                throw e;
            }
            quarantine(record, eventId, QuarantineStage.DESERIALIZATION, List.of(new Violation(
                    DeserializationFailures.reasonCode(e), null, DeserializationFailures.detail(e))), now);
            return;
        }
        GateResult result = gates.check(decoded, now);
        if (result.passed()) {
            context().forward(record.withKey(eventId).withValue(new ValidationOutput.Validated(result.record())),
                    VALIDATED);
            java.util.Map<String, Object> features = extractor.features(result.record());
            window.passed(record.timestamp(), features);
            if (checkLabels) {
                labelSeen(record, eventId, result.record(), features);
            }
            result.notes().forEach(note -> window.violation("noted:" + note.code().name()));
            if (duplicates != null) {
                duplicates.remember(eventId, digest, record.timestamp());
            }
        } else {
            quarantine(record, eventId, QuarantineStage.VALIDATION, result.violations(), now);
        }
    }

    /** Hands a labelled record to the conflicting-label check, keyed by its entity and features. */
    private void labelSeen(Record<byte[], byte[]> record, String eventId, GenericRecord normalised,
                           java.util.Map<String, Object> features) {
        Object label = normalised.get(spec.labelField().name());
        Object entity = normalised.get(spec.keyField().name());
        if (label == null || entity == null) {
            return;
        }
        context().forward(new Record<>(ConflictingLabels.fingerprint(entity.toString(), features),
                (ValidationOutput) new ValidationOutput.LabelSeen(ConflictingLabels.fingerprint(entity.toString(),
                        features), label + "\u0000" + eventId), record.timestamp()), LABELS);
    }

    private void quarantine(Record<byte[], byte[]> record, String eventId, QuarantineStage stage,
                            List<Violation> violations, Instant now) {
        String key = QuarantineKeys.forOutput(eventId);
        QuarantineRecord quarantine = Quarantines.of(spec.pipeline(), stage, violations, eventId, record.key(),
                record.value(), record.headers(), context().recordMetadata(), spec.sha256(), now,
                QuarantineFit.valueBudget(maxRequestSize, key == null ? 0 : key.length() * 4));
        // The original headers travel inside the value; copying them onto the quarantine record too could push it
        // over max.request.size (a small value with 600 KB of headers) and kill the stream thread.
        context().forward(record.withKey(key).withHeaders(new RecordHeaders())
                .withValue(new ValidationOutput.Quarantined(quarantine)), QUARANTINED);
        window.quarantined(record.timestamp(), violations.stream().map(v -> v.code().name()).toList());
    }
}
