package io.mlcycle.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.mlcycle.localstack.SchemaRegistryTest.V1;
import static io.mlcycle.localstack.SchemaRegistryTest.V2_OPTIONAL_FIELD;
import static io.mlcycle.localstack.SchemaRegistryTest.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A persistent stack keeps records, schema ids, versions and levels across a restart in the same JVM. */
class LocalStackRestartIT {

    @TempDir
    Path dataDir;

    @Test
    void recordsSchemasAndLevelsSurviveARestart() throws Exception {
        LocalStackConfig config = new LocalStackConfig(dataDir, Ports.freePort(), Ports.freePort());
        String clusterId;
        int userV1;
        int userV2;
        int orderV1;
        try (LocalStack stack = LocalStack.start(config)) {
            assertThat(stack.bootstrapServers()).isEqualTo("127.0.0.1:" + config.kafkaPort());
            assertThat(stack.registryUrl()).isEqualTo("http://127.0.0.1:" + config.registryPort());
            clusterId = stack.kafka().clusterId();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(stack.bootstrapServers())) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("orders", "key-" + i, "order-" + i)).get();
                }
            }
            RegistryHttp http = new RegistryHttp(stack.registryUrl());
            userV1 = http.register("users-value", V1);
            userV2 = http.register("users-value", V2_OPTIONAL_FIELD);
            orderV1 = http.register("orders-value", record("Order", "{\"name\":\"total\",\"type\":\"double\"}"));
            http.put("/config/users-value", Map.of("compatibility", "FULL"));
            http.delete("/subjects/orders-value");
        }

        try (LocalStack stack = LocalStack.start(config)) {
            assertThat(stack.kafka().clusterId()).isEqualTo(clusterId);
            assertThat(consumeAll(stack.bootstrapServers(), "orders", 10))
                    .containsExactlyInAnyOrderElementsOf(List.of("order-0", "order-1", "order-2", "order-3", "order-4",
                            "order-5", "order-6", "order-7", "order-8", "order-9"));

            RegistryHttp http = new RegistryHttp(stack.registryUrl());
            assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1,2]");
            assertThat(http.get("/subjects/users-value/versions/1").json().path("id").asInt()).isEqualTo(userV1);
            assertThat(http.get("/subjects/users-value/versions/2").json().path("id").asInt()).isEqualTo(userV2);
            assertThat(http.get("/schemas/ids/" + orderV1).status()).isEqualTo(200);
            assertThat(http.get("/subjects").json()).extracting(n -> n.asText()).containsExactly("users-value");
            assertThat(http.get("/subjects/orders-value/versions?deleted=true").body()).isEqualTo("[1]");
            assertThat(http.get("/config/users-value").body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
            assertThat(http.register("users-value", V2_OPTIONAL_FIELD)).as("re-registration is idempotent").isEqualTo(userV2);

            int next = http.register("payments-value", record("Payment", "{\"name\":\"amount\",\"type\":\"long\"}"));

            assertThat(next).isEqualTo(Math.max(Math.max(userV1, userV2), orderV1) + 1);
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    private static List<String> consumeAll(String bootstrapServers, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "restart-it",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(Set.of(topic));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                assertThat(values).hasSizeGreaterThanOrEqualTo(expected);
            });
        }
        return values;
    }
}
