package io.mlcycle.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The embedded broker behaves as the single-broker settings promise, transactions included. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedKafkaIT {

    private EmbeddedKafka kafka;
    private Admin admin;

    @BeforeAll
    void start() {
        kafka = EmbeddedKafka.ephemeral().start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (kafka != null) {
            Path dir = kafka.dataDir();
            kafka.close();
            assertThat(dir).as("the temporary directory is deleted on close").doesNotExist();
        }
    }

    @Test
    void listensOnLoopbackAndRecordsItsClusterId() throws Exception {
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
        assertThat(admin.describeCluster().clusterId().get()).isEqualTo(kafka.clusterId());
        assertThat(admin.describeCluster().nodes().get()).singleElement()
                .satisfies(node -> assertThat(node.host()).isEqualTo("127.0.0.1"));
        assertThat(Files.readString(kafka.dataDir().resolve("meta.properties"))).contains("cluster.id=" + kafka.clusterId());
    }

    @Test
    void topicsDefaultToThreePartitionsAndAreNeverCreatedImplicitly() throws Exception {
        admin.createTopics(List.of(new NewTopic("defaults", Optional.empty(), Optional.empty()))).all().get();
        // A topic just created may not be in the broker's metadata cache yet: describe it once it is.
        TopicDescription description = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> admin.describeTopics(List.of("defaults")).allTopicNames().get().get("defaults"),
                        java.util.Objects::nonNull);
        assertThat(description.partitions()).hasSize(3);
        assertThat(description.partitions().get(0).replicas()).hasSize(1);

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1500,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("never-created", "k", "v")).get())
                    .satisfiesAnyOf(
                            e -> assertThat(e).isInstanceOf(TimeoutException.class),
                            e -> assertThat(e).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class));
        }
        assertThat(admin.listTopics().names().get()).doesNotContain("never-created");
    }

    @Test
    void transactionsCommitAndAbortForReadCommittedConsumers() throws Exception {
        admin.createTopics(List.of(new NewTopic("tx", 1, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-it",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k", "committed"));
            producer.commitTransaction();
        }

        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-it",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(Set.of("tx"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(record.value());
                }
                assertThat(seen).contains("committed");
            });
        }
        assertThat(seen).containsExactly("committed");
    }

    @Test
    void startingTwiceIsRefused() {
        assertThatThrownBy(kafka::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
    }
}
