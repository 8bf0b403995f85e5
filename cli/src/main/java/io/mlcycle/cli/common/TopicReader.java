package io.mlcycle.cli.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.ConfluentAvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads any pipeline topic without a consumer group (it assigns partitions itself and never commits, so it never
 * disturbs the services' groups) and decodes each value through the schema registry (Confluent wire format) to a
 * GenericRecord and JSON. A record that cannot be decoded is returned with its error, never thrown: reading a topic
 * must not stop at one bad record. Read committed: aborted transactional writes are not shown.
 */
public final class TopicReader implements AutoCloseable {

    /** One record: where it is, its key as text, its value as JSON (null for a tombstone) or why it could not be decoded. */
    public record Decoded(String topic, int partition, long offset, Instant timestamp, String key, JsonNode value,
                          GenericRecord record, String error) {

        /** The envelope {@code tail} prints. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new java.util.LinkedHashMap<>();
            map.put("topic", topic);
            map.put("partition", partition);
            map.put("offset", offset);
            map.put("timestamp", timestamp.toString());
            map.put("key", key);
            if (error != null) {
                map.put("error", error);
            } else {
                map.put("value", value);
            }
            return map;
        }
    }

    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ConfluentAvroDeserializer<Object> deserializer;

    public TopicReader(Properties consumerProperties, SchemaRegistryClient registry) {
        Properties props = new Properties();
        props.putAll(consumerProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deserializer = new ConfluentAvroDeserializer<>(registry, AvroSerdeConfig.defaults().withGenericReader());
    }

    /** The topic's partitions, or a {@link CliException#notFound} naming it. */
    public List<TopicPartition> partitions(String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
        if (infos == null || infos.isEmpty()) {
            throw CliException.notFound("no topic '" + topic + "'");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition()))
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return consumer.beginningOffsets(partitions, Duration.ofSeconds(15));
    }

    /** End offsets (the last stable offset: read committed). */
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return consumer.endOffsets(partitions, Duration.ofSeconds(15));
    }

    /** Every record of the topic present now, in partition then offset order. */
    public List<Decoded> readAll(String topic) {
        List<TopicPartition> partitions = partitions(topic);
        return readRange(beginningOffsets(partitions), endOffsets(partitions), Duration.ofSeconds(30));
    }

    /** The last {@code n} records of each partition present now. */
    public List<Decoded> readLast(String topic, int n) {
        List<TopicPartition> partitions = partitions(topic);
        Map<TopicPartition, Long> begin = beginningOffsets(partitions);
        Map<TopicPartition, Long> end = endOffsets(partitions);
        Map<TopicPartition, Long> start = new HashMap<>();
        partitions.forEach(tp -> start.put(tp, Math.max(begin.get(tp), end.get(tp) - n)));
        return readRange(start, end, Duration.ofSeconds(30));
    }

    /** Records from {@code start} (inclusive) up to {@code end} (exclusive) per partition. */
    public List<Decoded> readRange(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, Duration timeout) {
        List<Decoded> out = new ArrayList<>();
        read(start, end, timeout, record -> {
            out.add(record);
            return true;
        });
        out.sort(java.util.Comparator.comparing(Decoded::topic).thenComparingInt(Decoded::partition)
                .thenComparingLong(Decoded::offset));
        return out;
    }

    /**
     * Reads from {@code start} per partition and hands each record to {@code sink} until every partition reaches its
     * {@code end} offset (or forever when {@code end} is null), the sink returns false, or the thread is interrupted.
     * Transaction markers take offsets too, so a partition is done when its position reaches the end.
     */
    public void read(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, Duration timeout,
                     Predicate<Decoded> sink) {
        List<TopicPartition> pending = new ArrayList<>();
        start.forEach((tp, offset) -> {
            if (end == null || offset < end.get(tp)) {
                pending.add(tp);
            }
        });
        if (pending.isEmpty()) {
            return;
        }
        consumer.assign(pending);
        start.forEach((tp, offset) -> {
            if (pending.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (!Thread.currentThread().isInterrupted()) {
            for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(POLL)) {
                TopicPartition tp = new TopicPartition(raw.topic(), raw.partition());
                if (end != null && raw.offset() >= end.get(tp)) {
                    continue;
                }
                if (!sink.test(decode(raw))) {
                    return;
                }
            }
            if (end != null) {
                pending.removeIf(tp -> consumer.position(tp) >= end.get(tp));
                if (pending.isEmpty()) {
                    return;
                }
                consumer.pause(consumer.assignment().stream().filter(tp -> !pending.contains(tp)).toList());
            }
            if (System.nanoTime() > deadline) {
                throw CliException.unavailable("reading " + start.keySet().iterator().next().topic()
                        + " did not reach its end offsets within " + timeout.toSeconds() + " s", null);
            }
        }
    }

    /** Decodes one record; a value that cannot be decoded comes back with its error. */
    public Decoded decode(ConsumerRecord<byte[], byte[]> raw) {
        String key = raw.key() == null ? null : new String(raw.key(), StandardCharsets.UTF_8);
        Instant timestamp = Instant.ofEpochMilli(raw.timestamp());
        try {
            Object value = deserializer.deserialize(raw.topic(), raw.headers(), raw.value());
            JsonNode json;
            GenericRecord record = null;
            if (value == null) {
                json = JsonNodeFactory.instance.nullNode();
            } else if (value instanceof GenericRecord generic) {
                record = generic;
                json = JsonRecordConverter.toJson(generic);
            } else if (value instanceof byte[] bytes) {
                json = JsonNodeFactory.instance.binaryNode(bytes);
            } else {
                json = OutputOptions.JSON.valueToTree(value instanceof CharSequence ? value.toString() : value);
            }
            return new Decoded(raw.topic(), raw.partition(), raw.offset(), timestamp, key, json, record, null);
        } catch (RuntimeException e) {
            return new Decoded(raw.topic(), raw.partition(), raw.offset(), timestamp, key, null, null,
                    CliErrors.describe(e));
        }
    }

    /** Unblocks a {@link #read} in progress from another thread (Ctrl-C). */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
