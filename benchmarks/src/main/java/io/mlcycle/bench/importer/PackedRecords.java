package io.mlcycle.bench.importer;

import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The records an import produced, packed into one byte array (topic, timestamp, key and value per record) for the
 * file-import benchmark's baseline. Held as 1.2 million {@link ProducerRecord}s they were some 250 MB of live objects
 * in the heap during every round of both sides, and the collector's concurrent marking of them was charged to
 * whichever side was running. The baseline builds each record from its bytes as any producing application does
 * (two small copies), which is part of what it measures.
 */
final class PackedRecords {

    /** The topics an import writes, in the order of the topic index stored per record. */
    private static final List<TopicDescriptor<?, ?>> TOPICS = List.of(Topics.DATA_RAW, Topics.FEEDBACK, Topics.DATA_QUARANTINE);

    private final byte[] packed;
    private final int count;
    private final long keyValueBytes;

    private PackedRecords(byte[] packed, int count, long keyValueBytes) {
        this.packed = packed;
        this.count = count;
        this.keyValueBytes = keyValueBytes;
    }

    /** Packs {@code records}, which must be addressed to the topics of {@code from}, without headers. */
    static PackedRecords of(List<ProducerRecord<byte[], byte[]>> records, PipelineSerdes from) {
        List<String> names = topicsIn(from, TOPICS);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        long keyValue = 0;
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                int topic = names.indexOf(record.topic());
                if (topic < 0) {
                    throw new IllegalStateException("the import wrote to an unexpected topic " + record.topic());
                }
                if (record.headers().toArray().length > 0 || record.partition() != null) {
                    throw new IllegalStateException("the import wrote headers or chose a partition: not packed");
                }
                out.writeByte(topic);
                out.writeLong(record.timestamp() == null ? -1 : record.timestamp());
                out.writeInt(record.key().length);
                out.write(record.key());
                out.writeInt(record.value().length);
                out.write(record.value());
                keyValue += record.key().length + record.value().length;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PackedRecords(bytes.toByteArray(), records.size(), keyValue);
    }

    int size() {
        return count;
    }

    long keyValueBytes() {
        return keyValueBytes;
    }

    /** The names of the import's topics in another copy of the pipeline, for {@link #sendAll}. */
    List<String> topicsIn(PipelineSerdes target) {
        return topicsIn(target, TOPICS);
    }

    private static List<String> topicsIn(PipelineSerdes serdes, List<TopicDescriptor<?, ?>> topics) {
        List<String> names = new ArrayList<>();
        for (TopicDescriptor<?, ?> topic : topics) {
            names.add(serdes.topicName(topic));
        }
        return names;
    }

    /** Sends every record, in order, to the same topics of the pipeline whose names are {@code topics}. */
    void sendAll(Producer<byte[], byte[]> producer, List<String> topics) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        for (int i = 0; i < count; i++) {
            String topic = topics.get(in.get());
            long timestamp = in.getLong();
            byte[] key = next(in);
            byte[] value = next(in);
            producer.send(new ProducerRecord<>(topic, null, timestamp < 0 ? null : timestamp, key, value));
        }
    }

    private static byte[] next(ByteBuffer in) {
        int length = in.getInt();
        int from = in.position();
        in.position(from + length);
        return Arrays.copyOfRange(in.array(), from, from + length);
    }
}
