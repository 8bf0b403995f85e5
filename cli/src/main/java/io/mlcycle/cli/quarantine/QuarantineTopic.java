package io.mlcycle.cli.quarantine;

import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.ConfluentAvroSerde;
import io.mlcycle.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a pipeline's whole {@code <p>.data.quarantine} topic, committed records only, from the beginning to the end
 * offsets it finds at the start (without joining a consumer group, so reading leaves no trace).
 */
final class QuarantineTopic {

    private final String bootstrapServers;
    private final String registryUrl;

    QuarantineTopic(String bootstrapServers, String registryUrl) {
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
    }

    /** Calls {@code each} for every committed quarantine record of {@code pipeline}; returns how many there were. */
    long readAll(String pipeline, Consumer<QuarantineRecord> each) {
        String topic = Topics.DATA_QUARANTINE.name(pipeline);
        Deserializer<QuarantineRecord> values = new ConfluentAvroSerde<QuarantineRecord>(
                RestSchemaRegistryClient.forUrls(registryUrl),
                AvroSerdeConfig.defaults().withSpecificReaderClass(QuarantineRecord.class), false).deserializer();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "mlcycle-cli-quarantine");
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("the topic " + topic + " does not exist: is '" + pipeline
                        + "' a pipeline on " + bootstrapServers + "?");
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!reachedEnd(consumer, end)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    each.accept(values.deserialize(topic, record.headers(), record.value()));
                    count++;
                }
            }
        }
        return count;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }
}
