package io.mlcycle.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The registry's durable log: a compacted, single-partition Kafka topic ({@code _schemas} by
 * default) holding JSON key/value records in Confluent's own layout, so ids and versions survive
 * restarts. At open, the topic is created if missing and replayed from the beginning; afterwards
 * {@link #append} writes one record and returns only once the broker acknowledged it.
 */
final class KafkaSchemaLog implements SchemaRegistry.RecordSink, AutoCloseable {

    /** Thrown when a write is not acknowledged in time. */
    static final class WriteTimeoutException extends RuntimeException {
        WriteTimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Thrown when the broker rejects or fails a write. */
    static final class WriteFailedException extends RuntimeException {
        WriteFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Receives each replayed record; a null value is a tombstone. */
    interface ReplayHandler {
        void apply(String key, String value);
    }

    private static final Logger log = LoggerFactory.getLogger(KafkaSchemaLog.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final long WRITE_TIMEOUT_MS = 30_000;

    private final String topic;
    private final Producer<String, String> producer;

    private KafkaSchemaLog(String topic, Producer<String, String> producer) {
        this.topic = topic;
        this.producer = producer;
    }

    /** Ensures the topic exists, replays it into {@code handler}, then opens the writer. */
    static KafkaSchemaLog open(String bootstrapServers, String topic, ReplayHandler handler) {
        ensureTopic(bootstrapServers, topic);
        int replayed = replay(bootstrapServers, topic, handler);
        log.info("Schema registry replayed {} record(s) from topic {}", replayed, topic);
        return new KafkaSchemaLog(topic, new KafkaProducer<>(producerConfig(bootstrapServers)));
    }

    @Override
    public void append(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, 0, key, value)).get(WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new WriteTimeoutException("Write to " + topic + " not acknowledged within " + WRITE_TIMEOUT_MS + " ms", e);
        } catch (ExecutionException e) {
            throw new WriteFailedException("Write to " + topic + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriteFailedException("Interrupted while writing to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    private static void ensureTopic(String bootstrapServers, String topic) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) STARTUP_TIMEOUT.toMillis()))) {
            NewTopic schemasTopic = new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(schemasTopic)).all().get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            log.info("Created the schema registry topic {} (1 partition, compacted)", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new LocalStackException("Could not create the schema registry topic " + topic + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new LocalStackException("Timed out creating the schema registry topic " + topic
                    + "; is Kafka reachable at " + bootstrapServers + "?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalStackException("Interrupted while creating the schema registry topic " + topic, e);
        }
    }

    private static int replay(String bootstrapServers, String topic, ReplayHandler handler) {
        TopicPartition partition = new TopicPartition(topic, 0);
        int count = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(bootstrapServers))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), STARTUP_TIMEOUT).get(partition);
            long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
            while (consumer.position(partition, STARTUP_TIMEOUT) < end) {
                if (System.nanoTime() > deadline) {
                    throw new LocalStackException("Timed out replaying the schema registry topic " + topic);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null) {
                        handler.apply(record.key(), record.value());
                        count++;
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new LocalStackException("Timed out reading the schema registry topic " + topic
                    + "; is Kafka reachable at " + bootstrapServers + "?", e);
        }
        return count;
    }

    private static Map<String, Object> producerConfig(String bootstrapServers) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "mlcycle-schema-registry",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 25_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    }

    private static Map<String, Object> consumerConfig(String bootstrapServers) {
        return Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "mlcycle-schema-registry-replay",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    }
}
