package io.mlcycle.ingestion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.serde.AvroSerdeException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Turns the events of one request into records: each JSON object is converted to the pipeline's data record and
 * written to {@code <p>.data.raw}, or, if it cannot be converted, written with its reasons and original text to
 * {@code <p>.data.quarantine} (stage INGESTION). Returns only after the broker acknowledged every record, so an
 * answer of "accepted" means durably written. Thread-safe (the producer is).
 *
 * <p>Event ids: the {@code Idempotency-Key} header for a request holding one event; otherwise the object's own
 * {@code event_id} field (a non-blank string; removed before conversion unless the data schema declares a field of
 * that name); otherwise a generated time-ordered id.
 */
final class EventIngestor {

    /** The JSON field a client may use to name an event's id. */
    static final String EVENT_ID_FIELD = "event_id";
    /** Longest event id accepted from a client. */
    static final int MAX_EVENT_ID_LENGTH = 256;
    /** Kafka's default {@code max.request.size}: the largest record the producer sends. */
    static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    /**
     * At least what Kafka adds to key and value when it checks a record against {@code max.request.size} (batch
     * header 61 bytes, record header at most 21, two length varints), so a record passing here is never refused there.
     */
    static final int RECORD_OVERHEAD_BYTES = 100;

    private final PipelineSpec spec;
    private final JsonRecordConverter converter;
    private final boolean schemaDeclaresEventId;
    private final String rawTopic;
    private final String quarantineTopic;
    private final Serializer<String> keySerializer;
    private final Serializer<GenericRecord> dataSerializer;
    private final Serializer<QuarantineRecord> quarantineSerializer;
    private final Producer<byte[], byte[]> producer;
    private final Duration ackTimeout;
    private final int maxRecordBytes;
    private final Clock clock;
    private final Supplier<String> eventIds;

    EventIngestor(PipelineSpec spec, String rawTopic, String quarantineTopic, Serializer<String> keySerializer,
                  Serializer<GenericRecord> dataSerializer, Serializer<QuarantineRecord> quarantineSerializer,
                  Producer<byte[], byte[]> producer, Duration ackTimeout, int maxRecordBytes, Clock clock,
                  Supplier<String> eventIds) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.converter = new JsonRecordConverter(spec);
        this.schemaDeclaresEventId = spec.field(EVENT_ID_FIELD).isPresent();
        this.rawTopic = Objects.requireNonNull(rawTopic, "rawTopic");
        this.quarantineTopic = Objects.requireNonNull(quarantineTopic, "quarantineTopic");
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.dataSerializer = Objects.requireNonNull(dataSerializer, "dataSerializer");
        this.quarantineSerializer = Objects.requireNonNull(quarantineSerializer, "quarantineSerializer");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.ackTimeout = Objects.requireNonNull(ackTimeout, "ackTimeout");
        this.maxRecordBytes = maxRecordBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.eventIds = Objects.requireNonNull(eventIds, "eventIds");
    }

    PipelineSpec spec() {
        return spec;
    }

    /**
     * Converts, writes and waits for the acknowledgements of every event.
     *
     * @param events         the request's events
     * @param idempotencyKey the Idempotency-Key header (already checked: only given for a single event), or null
     * @throws KafkaUnavailableException when Kafka (or the schema registry) did not take the records in time
     * @throws EventTooLargeException    when an event would exceed Kafka's record size limit (nothing is written)
     */
    Outcome ingest(List<EventBody.Event> events, String idempotencyKey)
            throws KafkaUnavailableException, EventTooLargeException {
        List<Result> results = new ArrayList<>(events.size());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events.size());
        try {
            // Every record is built and checked before the first is sent, so a request refused for one of its
            // events (too large, registry down) writes nothing instead of an unknown part of the batch.
            for (EventBody.Event event : events) {
                Result result = prepare(event, idempotencyKey);
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
                requireSendable(event, record);
                records.add(record);
                results.add(result.withoutPayload());
            }
        } catch (AvroSerdeException e) {
            throw new KafkaUnavailableException("the schema registry did not serialise the records: " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new KafkaUnavailableException("the records could not be serialised: " + e.getMessage(), e);
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
        try {
            for (ProducerRecord<byte[], byte[]> record : records) {
                acks.add(producer.send(record));
            }
        } catch (KafkaException e) {
            throw new KafkaUnavailableException("Kafka did not take the records: " + e.getMessage(), e);
        }
        awaitAcks(acks);
        return new Outcome(results);
    }

    /** Refuses an event whose record Kafka would refuse for its size: retrying it could never succeed. */
    private void requireSendable(EventBody.Event event, ProducerRecord<byte[], byte[]> record)
            throws EventTooLargeException {
        long size = (long) record.key().length + record.value().length + RECORD_OVERHEAD_BYTES;
        if (size > maxRecordBytes) {
            throw new EventTooLargeException("event " + event.index() + " makes a Kafka record of about " + size
                    + " bytes, more than the " + maxRecordBytes + " bytes Kafka accepts (producer max.request.size);"
                    + " nothing of this request was written");
        }
    }

    private Result prepare(EventBody.Event event, String idempotencyKey) {
        JsonNode json = event.json();
        List<Violation> idProblems = new ArrayList<>();
        String clientId = null;
        if (json instanceof ObjectNode object && object.has(EVENT_ID_FIELD)) {
            JsonNode idNode = object.get(EVENT_ID_FIELD);
            if (!schemaDeclaresEventId) {
                ObjectNode stripped = object.deepCopy();
                stripped.remove(EVENT_ID_FIELD);
                json = stripped;
            }
            clientId = checkedEventId(idNode, idProblems);
        }
        String eventId = idempotencyKey != null ? idempotencyKey : clientId != null ? clientId : eventIds.get();
        Conversion conversion = converter.convert(json);
        List<Violation> violations = new ArrayList<>(idProblems);
        violations.addAll(conversion.violations());
        if (violations.isEmpty() && conversion.record() != null) {
            return new Result(event.index(), eventId, conversion.record(), List.of());
        }
        return new Result(event.index(), eventId, null, violations);
    }

    private static String checkedEventId(JsonNode idNode, List<Violation> problems) {
        if (idNode == null || idNode.isNull()) {
            return null;
        }
        if (!idNode.isTextual() || idNode.textValue().isBlank()) {
            problems.add(new Violation(ReasonCode.WRONG_TYPE, EVENT_ID_FIELD,
                    EVENT_ID_FIELD + " should be a non-blank string but is " + idNode));
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

    private void awaitAcks(List<Future<RecordMetadata>> acks) throws KafkaUnavailableException {
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new KafkaUnavailableException("Kafka did not acknowledge the records within " + ackTimeout, e);
            } catch (ExecutionException e) {
                throw new KafkaUnavailableException("Kafka refused the records: " + e.getCause().getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaUnavailableException("interrupted while waiting for Kafka", e);
            }
        }
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
