package io.mlcycle.ingestion;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.NormalizationListener;
import io.mlcycle.mlcore.normalize.NormalizationRule;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.serde.AvroSerdeException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Turns the events of one request into records: each JSON object is converted to the pipeline's data record and
 * written to {@code <p>.data.raw}, or, if it cannot be converted, written with its reasons and original text to
 * {@code <p>.data.quarantine} (stage INGESTION). All records of a request go in one Kafka transaction
 * ({@link TransactionalWriter}): the returned stage completes when it committed, so "accepted" means durably written,
 * and a failed request has written nothing. Thread-safe.
 *
 * <p>Event ids: the {@code Idempotency-Key} header for a request holding one event; otherwise the object's own
 * {@code event_id} field (a non-blank string; removed before conversion unless the data schema declares a field of
 * that name); otherwise a generated time-ordered id. An id given twice in one request is used once: the later
 * events are rejected ({@code DUPLICATE_EVENT_ID}) and quarantined under a generated id.
 */
final class EventIngestor {

    /** The JSON field a client may use to name an event's id. */
    static final String EVENT_ID_FIELD = "event_id";
    /** Longest event id accepted from a client. */
    static final int MAX_EVENT_ID_LENGTH = io.mlcycle.platform.lifecycle.EventIds.MAX_LENGTH;
    /** Kafka's default {@code max.request.size}: the largest record the producer sends. */
    static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    /**
     * At least what Kafka adds to key and value when it checks a record against {@code max.request.size} (batch
     * header 61 bytes, record header at most 21, two length varints), so a record passing here is never refused there.
     */
    static final int RECORD_OVERHEAD_BYTES = 100;

    private final PipelineSpec spec;
    private final JsonRecordConverter converter;
    private final String rawTopic;
    private final String quarantineTopic;
    private final Serializer<String> keySerializer;
    private final Serializer<GenericRecord> dataSerializer;
    private final Serializer<QuarantineRecord> quarantineSerializer;
    private final TransactionalWriter writer;
    private final int maxRecordBytes;
    private final Clock clock;
    private final Supplier<String> eventIds;
    private final NormalizationListener normalizations;
    /**
     * Set on a request thread while it converts an event in the body's one pass: the normalisations applied are
     * kept with the event and told to {@link #normalizations} only when it is ingested, as they were when events
     * were converted at ingestion (a body refused as a whole, or answered from an earlier use of its
     * Idempotency-Key, counts none).
     */
    private final ThreadLocal<List<Applied>> recording = new ThreadLocal<>();

    /** A normalisation applied while converting an event, not yet told. */
    private record Applied(String field, NormalizationRule rule) {
    }

    /** An object converted while the body was read: its conversion, its id field and its normalisations. */
    private record Converted(Conversion conversion, JsonRecordConverter.Capture idField, List<Applied> applied)
            implements EventBody.Converted {
    }

    EventIngestor(PipelineSpec spec, String rawTopic, String quarantineTopic, Serializer<String> keySerializer,
                  Serializer<GenericRecord> dataSerializer, Serializer<QuarantineRecord> quarantineSerializer,
                  TransactionalWriter writer, int maxRecordBytes, Clock clock, Supplier<String> eventIds,
                  NormalizationListener normalizations) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.normalizations = Objects.requireNonNull(normalizations, "normalizations");
        this.converter = new JsonRecordConverter(spec, (field, rule) -> {
            List<Applied> applied = recording.get();
            if (applied != null) {
                applied.add(new Applied(field, rule));
            } else {
                this.normalizations.applied(field, rule);
            }
        });
        this.rawTopic = Objects.requireNonNull(rawTopic, "rawTopic");
        this.quarantineTopic = Objects.requireNonNull(quarantineTopic, "quarantineTopic");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.dataSerializer = Objects.requireNonNull(dataSerializer, "dataSerializer");
        this.quarantineSerializer = Objects.requireNonNull(quarantineSerializer, "quarantineSerializer");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.maxRecordBytes = maxRecordBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.eventIds = Objects.requireNonNull(eventIds, "eventIds");
    }

    PipelineSpec spec() {
        return spec;
    }

    /**
     * Converts the object the parser is at, for {@link EventBody}'s one pass ({@link EventBody.ValueConverter});
     * throws what it cannot read.
     */
    EventBody.Converted convert(JsonParser parser) throws IOException {
        JsonRecordConverter.Capture idField = new JsonRecordConverter.Capture(EVENT_ID_FIELD);
        List<Applied> applied = new ArrayList<>(0);
        recording.set(applied);
        try {
            Conversion conversion = converter.convertObjectOrThrow(parser, idField);
            return new Converted(conversion, idField, applied.isEmpty() ? List.of() : applied);
        } finally {
            recording.remove();
        }
    }

    /**
     * Converts the events and hands their records to the writer; the stage completes with the outcome once the
     * transaction committed, or fails with a {@link TransactionalWriter} exception (nothing, or for
     * {@code OutcomeUnknown} possibly everything, written).
     *
     * @param events         the request's events
     * @param idempotencyKey the Idempotency-Key header (already checked: only given for a single event), or null
     * @throws KafkaUnavailableException when the schema registry did not serialise the records (nothing written)
     * @throws EventTooLargeException    when an event would exceed Kafka's record size limit (nothing is written)
     */
    CompletableFuture<Outcome> ingest(List<EventBody.Event> events, String idempotencyKey)
            throws KafkaUnavailableException, EventTooLargeException {
        List<Result> results = new ArrayList<>(events.size());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events.size());
        Map<String, Integer> seenIds = new HashMap<>(Math.max(16, events.size() * 4 / 3 + 1));
        long bytes = 0;
        try {
            // Every record is built and checked before the first is sent, so a request refused for one of its
            // events (too large, registry down) writes nothing.
            for (EventBody.Event event : events) {
                Result result = prepare(event, idempotencyKey);
                Integer first = seenIds.putIfAbsent(result.eventId(), event.index());
                if (first != null) {
                    result = new Result(event.index(), eventIds.get(), null, List.of(new Violation(
                            ReasonCode.DUPLICATE_EVENT_ID, EVENT_ID_FIELD, EVENT_ID_FIELD + " '"
                            + excerpt(result.eventId()) + "' is also the id of event " + first + " of this request;"
                            + " it is written once")));
                }
                ProducerRecord<byte[], byte[]> record = null;
                if (result.accepted()) {
                    try {
                        record = accepted(result);
                    } catch (AvroSerdeException e) {
                        if (!e.failure().isRecordFault()) {
                            throw e;
                        }
                        result = new Result(result.index(), result.eventId(), null, List.of(new Violation(
                                ReasonCode.SCHEMA_MISMATCH, null, "the record does not fit the data schema: "
                                + e.getMessage())));
                    }
                }
                if (record == null) {
                    record = quarantined(result, event);
                }
                bytes += requireSendable(event, record);
                records.add(record);
                results.add(result.withoutPayload());
            }
        } catch (AvroSerdeException e) {
            throw new KafkaUnavailableException("the schema registry did not serialise the records: " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new KafkaUnavailableException("the records could not be serialised: " + e.getMessage(), e);
        }
        Outcome outcome = new Outcome(results);
        return writer.write(records, bytes).thenApply(v -> outcome);
    }

    private static String excerpt(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    /** Refuses an event whose record Kafka would refuse for its size: retrying it could never succeed. */
    private long requireSendable(EventBody.Event event, ProducerRecord<byte[], byte[]> record)
            throws EventTooLargeException {
        long size = (long) record.key().length + record.value().length + RECORD_OVERHEAD_BYTES;
        if (size > maxRecordBytes) {
            throw new EventTooLargeException("event " + event.index() + " makes a Kafka record of about " + size
                    + " bytes, more than the " + maxRecordBytes + " bytes Kafka accepts (producer max.request.size);"
                    + " nothing of this request was written");
        }
        return size;
    }

    private Result prepare(EventBody.Event event, String idempotencyKey) {
        // The event_id field is taken out while streaming (and also converted if the schema declares it).
        JsonRecordConverter.Capture idField;
        Conversion conversion;
        if (event.converted() instanceof Converted converted) {
            idField = converted.idField();
            conversion = converted.conversion();
            for (Applied applied : converted.applied()) {
                normalizations.applied(applied.field(), applied.rule());
            }
        } else {
            idField = new JsonRecordConverter.Capture(EVENT_ID_FIELD);
            conversion = converter.convert(event.source(), event.start(), event.length(), idField);
        }
        List<Violation> violations = new ArrayList<>();
        String clientId = idField.present() ? checkedEventId(idField.value(), violations) : null;
        String eventId = idempotencyKey != null ? idempotencyKey : clientId != null ? clientId : eventIds.get();
        if (violations.isEmpty() && conversion.ok()) {
            return new Result(event.index(), eventId, conversion.record(), List.of());
        }
        violations.addAll(conversion.violations());
        return new Result(event.index(), eventId, null, violations);
    }

    private static String checkedEventId(JsonNode idNode, List<Violation> problems) {
        if (idNode == null || idNode.isNull()) {
            return null;
        }
        if (!idNode.isTextual() || idNode.textValue().isBlank()) {
            problems.add(new Violation(ReasonCode.WRONG_TYPE, EVENT_ID_FIELD,
                    EVENT_ID_FIELD + " should be a non-blank string but is " + excerpt(idNode.toString())));
            return null;
        }
        String id = idNode.textValue().trim();
        if (id.length() > MAX_EVENT_ID_LENGTH) {
            problems.add(new Violation(ReasonCode.OUT_OF_RANGE, EVENT_ID_FIELD,
                    EVENT_ID_FIELD + " is " + id.length() + " characters long; at most " + MAX_EVENT_ID_LENGTH
                            + " are allowed"));
            return null;
        }
        return id;
    }

    private ProducerRecord<byte[], byte[]> accepted(Result result) {
        return new ProducerRecord<>(rawTopic, keySerializer.serialize(rawTopic, result.eventId()),
                dataSerializer.serialize(rawTopic, result.record()));
    }

    private ProducerRecord<byte[], byte[]> quarantined(Result result, EventBody.Event event) {
        List<QuarantineReason> reasons = result.reasons().stream()
                .map(v -> QuarantineReason.newBuilder().setCode(v.code().name()).setField(v.field())
                        .setDetail(v.detail()).build())
                .toList();
        QuarantineRecord quarantine = QuarantineRecord.newBuilder()
                .setPipeline(spec.pipeline())
                .setStage(QuarantineStage.INGESTION)
                .setReasons(new ArrayList<>(reasons))
                .setEventId(result.eventId())
                .setOriginalText(event.text())
                .setOriginalHeaders(new ArrayList<>())
                .setSpecSha256(spec.sha256())
                .setQuarantinedAt(clock.instant())
                .build();
        return new ProducerRecord<>(quarantineTopic, keySerializer.serialize(quarantineTopic, result.eventId()),
                quarantineSerializer.serialize(quarantineTopic, quarantine));
    }

    /**
     * The fate of one event.
     *
     * @param index   position in the request
     * @param eventId the event id (also the quarantine key of a rejected event)
     * @param record  the converted record while it is being sent; null in returned results and for rejections
     * @param reasons why it was rejected; empty when accepted
     */
    record Result(int index, String eventId, GenericRecord record, List<Violation> reasons) {
        Result {
            reasons = List.copyOf(reasons);
        }

        boolean accepted() {
            return reasons.isEmpty();
        }

        Result withoutPayload() {
            return new Result(index, eventId, null, reasons);
        }
    }

    /** The results of one request, in request order. */
    record Outcome(List<Result> results) {
        Outcome {
            results = List.copyOf(results);
        }

        long accepted() {
            return results.stream().filter(Result::accepted).count();
        }

        long rejected() {
            return results.size() - accepted();
        }
    }

    /** An event is too large for one Kafka record; nothing of the request was written. */
    static final class EventTooLargeException extends Exception {
        EventTooLargeException(String message) {
            super(message);
        }
    }

    /** Kafka or the schema registry could not take the records in time; the client should retry later. */
    static final class KafkaUnavailableException extends Exception {
        KafkaUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
