package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The duplicate filter's checkpoint in the real service (Kafka Streams, exactly once, a real broker): a clean stop
 * saves each task's filter, and the restart from the same state directory loads it instead of rebuilding from the
 * store, with the same verdicts (the events of before the restart are still dropped as duplicates, new ones pass).
 */
class DuplicateFilterCheckpointIT {

    @TempDir
    Path workDir;

    private LocalStack stack;
    private ValidationService service;
    private final Logger logger = (Logger) LoggerFactory.getLogger(DuplicateDetector.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @AfterEach
    void stop() {
        logger.detachAppender(logs);
        if (service != null) {
            service.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aCleanRestartLoadsEachTasksFilterAndTheEventsOfBeforeAreStillDuplicates() throws Exception {
        stack = LocalStack.ephemeral();
        Path spec = workDir.resolve("loans.yaml");
        Files.writeString(spec, TestPipeline.yaml(20) + """
                gates:
                  duplicates:
                    retention: PT1H
                """);
        ValidationConfig config = ValidationConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(),
                "pipeline.spec", spec.toString(),
                "http.port", "0",
                "state.dir", workDir.resolve("state").toString())));
        logs.start();
        logger.addAppender(logs);
        service = ValidationService.start(config);
        PipelineSerdes serdes = new PipelineSerdes(RestSchemaRegistryClient.forUrls(stack.registryUrl()),
                AvroSerdeConfig.defaults(), TestPipeline.NAME, config.spec().dataSchema());
        await().atMost(Duration.ofSeconds(60)).until(service::isReady);

        Random random = new Random(3);
        Instant applied = Instant.now().minusSeconds(60);
        Map<String, byte[]> before = new LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            before.put("event-" + i, serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw",
                    TestPipeline.record(serdes.dataSchema(), "a-" + i, applied, random, 0)));
        }
        send(before);
        List<String> validated = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> read(consumer, validated) >= 30);
            // Every task's filter complete (rebuilt from its store) before the stop, so that each is saved.
            await().atMost(Duration.ofSeconds(30)).until(() -> lines("rebuilt from").size() >= 3);
            service.close();
            service = null;
            assertThat(lines("saved to its checkpoint")).hasSize(3);

            logs.list.clear();
            service = ValidationService.start(config);
            await().atMost(Duration.ofSeconds(60)).until(service::isReady);
            await().atMost(Duration.ofSeconds(30)).until(() -> lines("loaded from its checkpoint").size() >= 3);
            // The events of before again, byte for byte, and new ones.
            send(before);
            Map<String, byte[]> after = new LinkedHashMap<>();
            for (int i = 30; i < 40; i++) {
                after.put("event-" + i, serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw",
                        TestPipeline.record(serdes.dataSchema(), "a-" + i, applied, random, 0)));
            }
            send(after);
            await().atMost(Duration.ofSeconds(60)).until(() -> read(consumer, validated) >= 40);
            // Nothing more arrives: no event of before was validated again.
            long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            await().atMost(Duration.ofSeconds(10)).until(() -> read(consumer, validated) >= 0
                    && System.nanoTime() - end >= 0);
        }
        assertThat(validated).hasSize(40).doesNotHaveDuplicates();
        assertThat(lines("rebuilt from")).as("rebuilds after the restart").isEmpty();
        assertThat(logs.list).noneMatch(e -> e.getLevel() == Level.WARN);
    }

    private List<String> lines(String fragment) {
        return new ArrayList<>(logs.list).stream().map(ILoggingEvent::getFormattedMessage)
                .filter(line -> line.contains(fragment)).toList();
    }

    private void send(Map<String, byte[]> events) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            events.forEach((id, value) -> producer.send(new ProducerRecord<>("loans.data.raw",
                    id.getBytes(StandardCharsets.UTF_8), value)));
            producer.flush();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor("loans.data.validated")
                .forEach(p -> partitions.add(new TopicPartition("loans.data.validated", p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static int read(KafkaConsumer<byte[], byte[]> consumer, List<String> validated) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            validated.add(new String(record.key(), StandardCharsets.UTF_8));
        }
        return validated.size();
    }
}
