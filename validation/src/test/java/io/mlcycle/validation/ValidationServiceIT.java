package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation against a real broker and registry, exactly once: every raw record ends in one output, once. */
class ValidationServiceIT {

    private static final int WINDOW = 20;

    private static LocalStack stack;
    private static ValidationService service;
    private static PipelineSerdes serdes;

    @TempDir
    static Path workDir;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.ephemeral();
        Path spec = workDir.resolve("loans.yaml");
        Files.writeString(spec, TestPipeline.yaml(WINDOW));
        ValidationConfig config = ValidationConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(),
                "pipeline.spec", spec.toString(),
                "http.port", "0",
                "state.dir", workDir.resolve("state").toString())));
        service = ValidationService.start(config);
        serdes = new PipelineSerdes(RestSchemaRegistryClient.forUrls(stack.registryUrl()), AvroSerdeConfig.defaults(),
                TestPipeline.NAME, config.spec().dataSchema());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyRawRecordEndsInValidatedOrQuarantineExactlyOnce() {
        await().atMost(Duration.ofSeconds(60)).until(service::isReady);
        Random random = new Random(11);
        Instant applied = Instant.now().minusSeconds(600);
        Set<String> good = new HashSet<>();
        Set<String> bad = new HashSet<>();
        Set<String> garbage = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 90; i++) {
                String id = "event-" + i;
                GenericRecord record = TestPipeline.record(serdes.dataSchema(), "a-" + i, applied, random, 0);
                byte[] value;
                if (i % 9 == 4) {
                    value = ("not avro " + i).getBytes(StandardCharsets.UTF_8);
                    garbage.add(id);
                } else {
                    if (i % 5 == 0) {
                        record.put("age", 12);
                        bad.add(id);
                    } else {
                        good.add(id);
                    }
                    value = serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw", record);
                }
                producer.send(new ProducerRecord<>("loans.data.raw", id.getBytes(StandardCharsets.UTF_8), value));
            }
            // Regression: quarantine copies over max.request.size used to kill the stream thread for good.
            producer.send(new ProducerRecord<>("loans.data.raw", null, "oversized-value".getBytes(StandardCharsets.UTF_8),
                    new byte[1_040_000]));
            garbage.add("oversized-value");
            org.apache.kafka.common.header.internals.RecordHeaders headers =
                    new org.apache.kafka.common.header.internals.RecordHeaders();
            for (int h = 0; h < 10; h++) {
                headers.add("h" + h, new byte[60_000]);
            }
            producer.send(new ProducerRecord<>("loans.data.raw", null, "oversized-headers".getBytes(
                    StandardCharsets.UTF_8), "tiny".getBytes(StandardCharsets.UTF_8), headers));
            garbage.add("oversized-headers");
            producer.flush();
        }
        int produced = good.size() + bad.size() + garbage.size();

        List<String> validatedKeys = new ArrayList<>();
        Map<String, QuarantineRecord> quarantined = new HashMap<>();
        List<String> quarantineKeys = new ArrayList<>();
        List<QualityReport> reports = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("loans.data.validated", "loans.data.quarantine",
                "loans.quality.reports")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    switch (record.topic()) {
                        case "loans.data.validated" -> validatedKeys.add(key);
                        case "loans.data.quarantine" -> {
                            quarantineKeys.add(key);
                            quarantined.put(key, serdes.valueSerde(Topics.DATA_QUARANTINE).deserializer()
                                    .deserialize(record.topic(), record.value()));
                        }
                        default -> reports.add(serdes.valueSerde(Topics.QUALITY_REPORTS).deserializer()
                                .deserialize(record.topic(), record.value()));
                    }
                }
                // 90 records in windows of 20 (plus at most one partial of 5) counted over the whole pipeline: 3 close.
                return validatedKeys.size() + quarantineKeys.size() >= produced && reports.size() >= 3;
            });
            // Nothing more arrives: no record is emitted twice.
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> {
                if (r.topic().equals("loans.quality.reports")) {
                    reports.add(serdes.valueSerde(Topics.QUALITY_REPORTS).deserializer().deserialize(r.topic(), r.value()));
                } else {
                    validatedKeys.add("extra");
                }
            });
        }

        assertThat(validatedKeys.size() + quarantineKeys.size()).isEqualTo(produced);
        assertThat(validatedKeys).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(good);
        Set<String> expectedQuarantine = new HashSet<>(bad);
        expectedQuarantine.addAll(garbage);
        assertThat(quarantineKeys).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expectedQuarantine);
        assertThat(quarantined.get("oversized-value").getOriginalTruncated()).isTrue();
        assertThat(quarantined.get("oversized-value").getOriginalValueSize()).isEqualTo(1_040_000L);
        assertThat(quarantined.get("oversized-headers").getOriginalHeaders()).hasSize(10);
        assertThat(service.isReady()).isTrue();
        for (String id : garbage) {
            if (id.startsWith("oversized")) {
                continue;
            }
            QuarantineRecord q = quarantined.get(id);
            assertThat(q.getStage()).isEqualTo(QuarantineStage.DESERIALIZATION);
            assertThat(q.getReasons().get(0).getCode()).isEqualTo("BAD_MAGIC_BYTE");
            assertThat(q.getSourceTopic()).isEqualTo("loans.data.raw");
            assertThat(q.getSourceOffset()).isNotNull();
            assertThat(StandardCharsets.UTF_8.decode(q.getOriginalValue().duplicate()).toString()).startsWith("not avro");
        }
        for (String id : bad) {
            assertThat(quarantined.get(id).getReasons()).extracting(r -> r.getCode()).containsExactly("OUT_OF_RANGE");
        }
        // Windows of the pipeline, not of a partition: one sequence over all three partitions' records, each
        // window closing at the first task partial (at most a quarter window) that brings it to its size.
        assertThat(reports).hasSizeBetween(3, 4);
        assertThat(reports).extracting(QualityReport::getWindowId).startsWith("loans-0", "loans-1", "loans-2");
        assertThat(reports).allSatisfy(report -> {
            assertThat(report.getRecordCount()).isBetween((long) WINDOW, (long) WINDOW + WINDOW / 4 - 1);
            assertThat(report.getPassed() + report.getQuarantined()).isEqualTo(report.getRecordCount());
        });
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "2000000");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String... topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }
}
