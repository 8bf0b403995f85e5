package io.mlcycle.ingestion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingestion against a real broker and schema registry: every posted event is accounted for. */
class IngestionServiceIT {

    private static LocalStack stack;
    private static IngestionService service;
    private static PipelineSerdes serdes;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.ephemeral();
        Path spec = Path.of(IngestionServiceIT.class.getResource("/loans.yaml").toURI());
        IngestionConfig config = IngestionConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(),
                "pipeline.spec", spec.toString(),
                "http.port", "0",
                "state.dir", stateDir.toString())));
        service = IngestionService.start(config);
        serdes = new PipelineSerdes(RestSchemaRegistryClient.forUrls(stack.registryUrl()), AvroSerdeConfig.defaults(),
                "loans", config.spec().dataSchema());
    }

    @AfterAll
    static void stopStack() {
        if (service != null) {
            service.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyPostedEventEndsInRawOrQuarantineWithItsReasons() throws Exception {
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            ndjson.append("{\"event_id\":\"good-").append(i).append("\",\"application_id\":\"a-").append(i)
                    .append("\",\"applied_at\":1700000000000,\"age\":").append(30 + i)
                    .append(",\"income\":\"2500.5\",\"employment\":\"employed\"}\n");
        }
        ndjson.append("{\"event_id\":\"bad-type\",\"application_id\":\"b-1\",\"age\":\"old\"}\n");
        ndjson.append("{\"event_id\":\"bad-field\",\"application_id\":\"b-2\",\"age\":50,\"shoe_size\":44}\n");
        ndjson.append("[1, 2, 3]\n");

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        service.httpBaseUrl().resolve("/v1/pipelines/loans/events"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString(), StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(response.body());
        assertThat(body.get("accepted").asInt()).isEqualTo(6);
        assertThat(body.get("rejected").asInt()).isEqualTo(3);
        String arrayEventId = body.at("/rejections/2/event_id").asText();

        Map<String, GenericRecord> raw = new HashMap<>();
        Map<String, QuarantineRecord> quarantined = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of("loans.data.raw", "loans.data.quarantine")) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    if (record.topic().equals("loans.data.raw")) {
                        raw.put(key, serdes.valueSerde(Topics.DATA_RAW).deserializer()
                                .deserialize(record.topic(), record.value()));
                    } else {
                        quarantined.put(key, serdes.valueSerde(Topics.DATA_QUARANTINE).deserializer()
                                .deserialize(record.topic(), record.value()));
                    }
                }
                return raw.size() + quarantined.size() >= 9;
            });
        }

        assertThat(raw.keySet()).containsExactlyInAnyOrder("good-0", "good-1", "good-2", "good-3", "good-4", "good-5");
        assertThat(raw.get("good-3").get("age")).isEqualTo(33);
        assertThat(raw.get("good-3").get("income")).isEqualTo(2500.5);
        assertThat(quarantined.keySet()).containsExactlyInAnyOrder("bad-type", "bad-field", arrayEventId);
        assertThat(quarantined.values()).allSatisfy(q -> {
            assertThat(q.getStage()).isEqualTo(QuarantineStage.INGESTION);
            assertThat(q.getPipeline()).isEqualTo("loans");
            assertThat(q.getOriginalText()).isNotBlank();
        });
        assertThat(quarantined.get("bad-type").getReasons()).extracting(QuarantineReason::getCode,
                QuarantineReason::getField).containsExactly(org.assertj.core.groups.Tuple.tuple("WRONG_TYPE", "age"));
        assertThat(quarantined.get("bad-type").getOriginalText()).contains("\"age\":\"old\"");
        assertThat(quarantined.get("bad-field").getReasons()).extracting(QuarantineReason::getCode)
                .containsExactly("UNKNOWN_FIELD");
        assertThat(quarantined.get(arrayEventId).getReasons()).extracting(QuarantineReason::getCode)
                .containsExactly("MALFORMED_JSON");
        assertThat(quarantined.get(arrayEventId).getOriginalText()).isEqualTo("[1, 2, 3]");
    }

    @Test
    void anEventTooLargeForKafkaIs413AndNothingOfItsRequestIsWritten() throws Exception {
        String small = "{\"event_id\":\"before-big\",\"application_id\":\"s-1\",\"applied_at\":1700000000000,"
                + "\"age\":40}";
        // over Kafka's default max.request.size (1 MiB), well under the body limit (10 MiB): retrying cannot help
        String big = "{\"event_id\":\"big\",\"application_id\":\"" + "x".repeat(1_200_000)
                + "\",\"applied_at\":1700000000000,\"age\":40}";

        HttpResponse<String> response = post("[" + small + "," + big + "]");

        assertThat(response.statusCode()).isEqualTo(413);
        JsonNode problem = new ObjectMapper().readTree(response.body());
        assertThat(problem.get("error").asText()).isEqualTo("event_too_large");
        assertThat(problem.get("message").asText()).contains("event 1").contains("max.request.size");
        assertThat(response.headers().firstValue("Retry-After")).isEmpty();

        String marker = "{\"event_id\":\"after-big\",\"application_id\":\"s-2\",\"applied_at\":1700000000000,"
                + "\"age\":41}";
        assertThat(post(marker).statusCode()).isEqualTo(200);
        List<String> rawKeys = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor("loans.data.raw").forEach(p -> partitions.add(
                    new TopicPartition("loans.data.raw", p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> rawKeys.add(new String(r.key(), StandardCharsets.UTF_8)));
                return rawKeys.contains("after-big");
            });
        }
        assertThat(rawKeys).doesNotContain("before-big", "big");
    }

    @Test
    void aRequestWhoseTransactionKafkaRefusesPartWayIsInvisibleToReadCommittedReaders() throws Exception {
        // The broker refuses quarantine records over 8 kB: a batch with one such record fails after its good
        // record was sent, and the whole transaction is aborted.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "loans.data.quarantine"),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "8000"),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            String good = "{\"event_id\":\"tx-good\",\"application_id\":\"t-1\",\"applied_at\":1700000000000,"
                    + "\"age\":40}";
            // Random text: lz4 cannot shrink it under the topic's limit.
            String noise = new java.util.Random(7).ints(40_000, 'a', 'z' + 1)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
            String refused = "{\"event_id\":\"tx-refused\",\"application_id\":\"t-2\",\"age\":40,\"junk\":\""
                    + noise + "\"}";

            HttpResponse<String> failed = post("[" + good + "," + refused + "]");

            assertThat(failed.statusCode()).isEqualTo(503);
            assertThat(failed.headers().firstValue("Retry-After")).isPresent();
            assertThat(new ObjectMapper().readTree(failed.body()).get("message").asText())
                    .contains("nothing of this request was written");
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "loans.data.quarantine"),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "8000"),
                            AlterConfigOp.OpType.DELETE)))).all().get(30, TimeUnit.SECONDS);
        }
        String marker = "{\"event_id\":\"tx-after\",\"application_id\":\"t-3\",\"applied_at\":1700000000000,"
                + "\"age\":41}";
        assertThat(post(marker).statusCode()).as("the lane recovered").isEqualTo(200);

        List<String> committed = rawKeys("read_committed", "tx-after");
        List<String> everything = rawKeys("read_uncommitted", "tx-after");
        assertThat(everything).as("the good record was sent before the failure").contains("tx-good");
        assertThat(committed).as("but its transaction was aborted").doesNotContain("tx-good");
    }

    private static List<String> rawKeys(String isolation, String until) {
        List<String> keys = new ArrayList<>();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor("loans.data.raw").forEach(p -> partitions.add(
                    new TopicPartition("loans.data.raw", p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
                return keys.contains(until);
            });
        }
        return keys;
    }

    private static HttpResponse<String> post(String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        service.httpBaseUrl().resolve("/v1/pipelines/loans/events"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
