package io.mlcycle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.validation.ValidationConfig;
import io.mlcycle.validation.ValidationService;
import io.mlcycle.schemas.Topics;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.config.PlatformConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
import picocli.CommandLine;

/**
 * {@code mlcycle quarantine} and {@code quarantine replay} against a real broker and validation: records rejected by
 * a too-strict spec are listed by reason, replayed after the spec is fixed, and a second replay duplicates nothing.
 */
class QuarantineCommandIT {

    private static final String SPEC = """
            pipeline: loans
            data:
              record: Loan
              key: id
              event_time: at
              fields:
                - {name: id, type: string, required: true}
                - {name: at, type: timestamp, required: true}
                - {name: age, type: int, required: true, feature: true, min: %d, max: 100}
                - {name: defaulted, type: boolean}
            label:
              field: defaulted
              positive: true
            """;

    private static LocalStack stack;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        stack = LocalStack.ephemeral();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void listsByReasonAndReplaysOnceAfterTheSpecIsFixed() throws Exception {
        ValidationService strict = validation(21, "strict.yaml");
        PipelineSerdes serdes = PipelineBootstrap.prepare(platform(dir.resolve("strict.yaml")), "loans",
                strict.config().spec().dataSchema()).serdes();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 10; i++) {
                GenericRecord r = new GenericData.Record(serdes.dataSchema());
                r.put("id", "L-" + i);
                r.put("at", Instant.now().toEpochMilli());
                r.put("age", i < 4 ? 19 : 40);
                producer.send(new ProducerRecord<>("loans.data.raw", ("e-" + i).getBytes(StandardCharsets.UTF_8),
                        serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw", r)));
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("loans.data.quarantine") == 4
                && count("loans.data.validated") == 6);
        strict.close();

        StringWriter out = new StringWriter();
        assertThat(cli(out, "quarantine", "--pipeline", "loans", "--bootstrap-servers", stack.bootstrapServers(),
                "--registry-url", stack.registryUrl())).isZero();
        assertThat(out.toString()).contains("Quarantine of pipeline loans: 4 record(s)")
                .containsPattern("OUT_OF_RANGE\\s+4\\s+age\\s+e-\\d \\[loans.data.raw/\\d@\\d+\\] age = 19 is below"
                        + " the minimum 21");
        StringWriter json = new StringWriter();
        assertThat(cli(json, "quarantine", "--pipeline", "loans", "--json", "--bootstrap-servers",
                stack.bootstrapServers(), "--registry-url", stack.registryUrl())).isZero();
        assertThat(json.toString()).contains("\"reason\" : \"OUT_OF_RANGE\"").contains("\"records\" : 4");

        try (ValidationService fixed = validation(18, "fixed.yaml")) {
            for (int replay = 0; replay < 2; replay++) {
                StringWriter replayed = new StringWriter();
                assertThat(cli(replayed, "quarantine", "replay", "--pipeline", "loans", "--reason", "OUT_OF_RANGE",
                        "--bootstrap-servers", stack.bootstrapServers(), "--registry-url", stack.registryUrl()))
                        .isZero();
                assertThat(replayed.toString()).contains("Replayed 4 of 4 quarantined record(s) with reason"
                        + " OUT_OF_RANGE to loans.data.raw");
                await().atMost(Duration.ofSeconds(60)).until(QuarantineCommandIT::rawFullyProcessed);
            }
            assertThat(count("loans.data.validated")).as("4 replayed once, the second replay dropped").isEqualTo(10);
            assertThat(count("loans.data.quarantine")).isEqualTo(4);
        }
    }

    private static int cli(StringWriter out, String... args) {
        CommandLine commandLine = Mlcycle.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(new StringWriter(), true));
        return commandLine.execute(args);
    }

    private static ValidationService validation(int minAge, String file) throws Exception {
        Path spec = dir.resolve(file);
        Files.writeString(spec, SPEC.formatted(minAge));
        ValidationService service = ValidationService.start(ValidationConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(),
                "pipeline.spec", spec.toString(),
                "http.port", "0",
                "state.dir", dir.resolve("state").toString()))));
        await().atMost(Duration.ofSeconds(60)).until(service::isReady);
        return service;
    }

    private static PlatformConfig platform(Path spec) {
        return PlatformConfig.from(ConfigSource.of(Map.of("bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(), "pipeline.spec", spec.toString())), 0);
    }

    /** Validation's committed offsets on the raw topic reached its end: everything sent was processed. */
    private static boolean rawFullyProcessed() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                    "mlcycle-loans-validation").partitionsToOffsetAndMetadata().get();
            List<TopicPartition> raw = new ArrayList<>();
            admin.describeTopics(List.of("loans.data.raw")).allTopicNames().get().get("loans.data.raw").partitions()
                    .forEach(p -> raw.add(new TopicPartition("loans.data.raw", p.partition())));
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            raw.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            return raw.stream().allMatch(tp -> committed.get(tp) != null
                    ? committed.get(tp).offset() >= ends.get(tp).offset() : ends.get(tp).offset() == 0);
        }
    }

    private static long count(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long n = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                n += consumer.poll(Duration.ofMillis(100)).count();
            }
            return n;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
