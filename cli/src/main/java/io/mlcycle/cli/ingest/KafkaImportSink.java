package io.mlcycle.cli.ingest;

import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.serde.AvroSerdeException;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes an import to Kafka with one high-throughput idempotent producer (acks=all, lz4, large batches): accepted rows
 * to {@code <p>.data.raw} (key = event id, record timestamp = event time), their outcomes to {@code <p>.feedback},
 * rejected rows to {@code <p>.data.quarantine}. Values are serialised with the Confluent Avro serde of platform.
 * Sends are asynchronous; {@link #flush()} waits for every acknowledgement and fails if any send failed.
 */
final class KafkaImportSink implements ImportSink {

    /** A row's record serialised for sending, or why it cannot be written (then it must be quarantined). */
    record Encoded(ProducerRecord<byte[], byte[]> record, List<Violation> problems) {
    }

    private final boolean ownsProducer;

    private final PipelineSpec spec;
    private final String rawTopic;
    private final String feedbackTopic;
    private final String quarantineTopic;
    private final Serializer<String> keySerializer;
    private final Serializer<GenericRecord> dataSerializer;
    private final Serializer<Feedback> feedbackSerializer;
    private final Serializer<QuarantineRecord> quarantineSerializer;
    private final Producer<byte[], byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    // The outcome of a row follows its record at once and has the same key bytes (String keys serialise alike);
    // only the encoding thread touches these.
    private String lastKeyId;
    private byte[] lastKey;
    /** The sends since the last checkpoint mark; only the sending thread touches this field. */
    private Epoch open = new Epoch();
    /** Marked checkpoints in order, oldest first, until {@link #durableRow()} sees them acknowledged. */
    private final Queue<Epoch> sealed = new ConcurrentLinkedQueue<>();
    private volatile long durable;

    /**
     * The sends between two checkpoint marks, and the callback of each of them: acknowledgements arrive out of order
     * across partitions, so a checkpoint is durable only when its epoch and every earlier one have none pending.
     */
    private final class Epoch implements Callback {
        final AtomicLong pending = new AtomicLong();
        volatile boolean failed;
        long row;

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                failure.compareAndSet(null, exception);
                failed = true;
            }
            pending.decrementAndGet();
        }
    }

    KafkaImportSink(PipelineSpec spec, PipelineSerdes serdes, Producer<byte[], byte[]> producer) {
        this(spec, serdes, producer, true);
    }

    /** @param ownsProducer whether {@link #close()} closes the producer */
    KafkaImportSink(PipelineSpec spec, PipelineSerdes serdes, Producer<byte[], byte[]> producer, boolean ownsProducer) {
        this.ownsProducer = ownsProducer;
        this.spec = spec;
        this.rawTopic = serdes.topicName(Topics.DATA_RAW);
        this.feedbackTopic = serdes.topicName(Topics.FEEDBACK);
        this.quarantineTopic = serdes.topicName(Topics.DATA_QUARANTINE);
        this.keySerializer = serdes.keySerde(Topics.DATA_RAW).serializer();
        this.dataSerializer = serdes.valueSerde(Topics.DATA_RAW).serializer();
        this.feedbackSerializer = serdes.valueSerde(Topics.FEEDBACK).serializer();
        this.quarantineSerializer = serdes.valueSerde(Topics.DATA_QUARANTINE).serializer();
        this.producer = producer;
    }

    /** The producer settings of an import: safe (idempotent, acks=all) and tuned for throughput. */
    static Properties producerProperties(String bootstrapServers, String clientId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L * 1024 * 1024));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    static Producer<byte[], byte[]> newProducer(String bootstrapServers, String clientId) {
        return new KafkaProducer<>(producerProperties(bootstrapServers, clientId));
    }

    @Override
    public List<Violation> accepted(String eventId, GenericRecord record, long eventTimeMillis) {
        Encoded encoded = encodeAccepted(eventId, record, eventTimeMillis);
        if (encoded.record() == null) {
            return encoded.problems();
        }
        send(encoded.record());
        return null;
    }

    @Override
    public void feedback(String eventId, String label, long observedAtMillis) {
        send(encodeFeedback(eventId, label, observedAtMillis));
    }

    @Override
    public void quarantined(String eventId, String originalText, List<Violation> reasons) {
        send(encodeQuarantined(eventId, originalText, reasons));
    }

    /**
     * Serialises an accepted row's record for {@code <p>.data.raw} without sending it; the encode and pack methods and
     * {@link #send}/{@link #sendPacked} may run on different threads (one each), as {@link PipelinedSink} does.
     */
    Encoded encodeAccepted(String eventId, GenericRecord record, long eventTimeMillis) {
        byte[] value;
        try {
            value = dataSerializer.serialize(rawTopic, record);
        } catch (AvroSerdeException e) {
            return new Encoded(null, refusal(e));
        }
        return new Encoded(new ProducerRecord<>(rawTopic, null, eventTimeMillis, keyOf(eventId), value), null);
    }

    /**
     * {@link #encodeAccepted} into {@code pack}: the problems when the record cannot be written (nothing is added),
     * else null.
     */
    List<Violation> packAccepted(String eventId, GenericRecord record, long eventTimeMillis, RecordPack pack) {
        byte[] value;
        try {
            value = dataSerializer.serialize(rawTopic, record);
        } catch (AvroSerdeException e) {
            return refusal(e);
        }
        pack.add(RecordPack.RAW, eventTimeMillis, keyOf(eventId), value);
        return null;
    }

    /** Why a record the serializer refused cannot be written; rethrows a failure that is not the record's. */
    private static List<Violation> refusal(AvroSerdeException e) {
        if (e.failure().isRecordFault()) {
            return List.of(new Violation(ReasonCode.SCHEMA_MISMATCH, null,
                    "the record does not fit the data schema: " + e.getMessage()));
        }
        throw e;
    }

    /** The key bytes of an event id; the outcome of a row follows its record at once and shares them. */
    private byte[] keyOf(String eventId) {
        if (!eventId.equals(lastKeyId)) {
            lastKey = keySerializer.serialize(rawTopic, eventId);
            lastKeyId = eventId;
        }
        return lastKey;
    }

    /** The row's outcome for {@code <p>.feedback}, serialised. */
    ProducerRecord<byte[], byte[]> encodeFeedback(String eventId, String label, long observedAtMillis) {
        return new ProducerRecord<>(feedbackTopic, null, observedAtMillis, keyOf(eventId),
                feedbackValue(eventId, label, observedAtMillis));
    }

    /** {@link #encodeFeedback} into {@code pack}. */
    void packFeedback(String eventId, String label, long observedAtMillis, RecordPack pack) {
        pack.add(RecordPack.FEEDBACK, observedAtMillis, keyOf(eventId),
                feedbackValue(eventId, label, observedAtMillis));
    }

    private byte[] feedbackValue(String eventId, String label, long observedAtMillis) {
        // The all-args constructor: the same record as the builder's, without its per-field validation and copies.
        Feedback feedback = new Feedback(eventId, label, Instant.ofEpochMilli(observedAtMillis), "import");
        return feedbackSerializer.serialize(feedbackTopic, feedback);
    }

    /** A rejected row's quarantine entry, serialised. */
    ProducerRecord<byte[], byte[]> encodeQuarantined(String eventId, String originalText, List<Violation> reasons) {
        return new ProducerRecord<>(quarantineTopic, keySerializer.serialize(quarantineTopic, eventId),
                quarantineValue(eventId, originalText, reasons));
    }

    /** {@link #encodeQuarantined} into {@code pack}. */
    void packQuarantined(String eventId, String originalText, List<Violation> reasons, RecordPack pack) {
        pack.add(RecordPack.QUARANTINE, null, keySerializer.serialize(quarantineTopic, eventId),
                quarantineValue(eventId, originalText, reasons));
    }

    private byte[] quarantineValue(String eventId, String originalText, List<Violation> reasons) {
        List<QuarantineReason> codes = new ArrayList<>(reasons.size());
        for (Violation v : reasons) {
            codes.add(QuarantineReason.newBuilder().setCode(v.code().name()).setField(v.field()).setDetail(v.detail())
                    .build());
        }
        QuarantineRecord quarantine = QuarantineRecord.newBuilder()
                .setPipeline(spec.pipeline())
                .setStage(QuarantineStage.INGESTION)
                .setReasons(codes)
                .setEventId(eventId)
                .setOriginalText(originalText)
                .setOriginalHeaders(new ArrayList<>())
                .setSpecSha256(spec.sha256())
                .setQuarantinedAt(Instant.now())
                .build();
        return quarantineSerializer.serialize(quarantineTopic, quarantine);
    }

    /** Sends the records of {@code pack} in order (asynchronously); throws at the first that cannot be sent. */
    void sendPacked(RecordPack pack) {
        pack.forEach(this::sendUnpacked);
    }

    private void sendUnpacked(int topic, Long timestamp, byte[] key, byte[] value) {
        String name = switch (topic) {
            case RecordPack.RAW -> rawTopic;
            case RecordPack.FEEDBACK -> feedbackTopic;
            case RecordPack.QUARANTINE -> quarantineTopic;
            default -> throw new IllegalStateException("no topic of index " + topic + " in a record pack");
        };
        send(new ProducerRecord<>(name, null, timestamp, key, value));
    }

    /** Sends a serialised record (asynchronously); throws when an earlier send failed. */
    void send(ProducerRecord<byte[], byte[]> record) {
        throwIfFailed();
        Epoch epoch = open;
        epoch.pending.incrementAndGet();
        try {
            producer.send(record, epoch);
        } catch (RuntimeException e) {
            // Thrown, not reported to the callback: the record was never taken.
            failure.compareAndSet(null, e);
            epoch.failed = true;
            epoch.pending.decrementAndGet();
            throw e;
        }
    }

    /** Seals the sends so far as the checkpoint of {@code row}; call from the thread that sends. */
    @Override
    public void markCheckpoint(long row) {
        Epoch epoch = open;
        epoch.row = row;
        open = new Epoch();
        sealed.add(epoch);
    }

    /** Call from one thread at a time (the importer's). */
    @Override
    public long durableRow() {
        Epoch head;
        while ((head = sealed.peek()) != null && head.pending.get() == 0) {
            if (head.failed) {
                break;
            }
            durable = head.row;
            sealed.poll();
        }
        throwIfFailed();
        return durable;
    }

    @Override
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    private void throwIfFailed() {
        Exception e = failure.get();
        if (e != null) {
            throw new ImportFailedException("Kafka did not take the records: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsProducer) {
            producer.close();
        }
    }

    /** Kafka failed; progress up to the last checkpoint is kept. */
    static final class ImportFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ImportFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
