package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.localstack.EmbeddedKafka;
import io.mlcycle.localstack.SchemaRegistryServer;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once through crashes: validation runs as its own JVM ({@link ValidationMain}) while a producer keeps
 * writing to {@code loans.data.raw}; the test kills that JVM with SIGKILL ({@link Process#destroyForcibly()}: no
 * close, no commit, no leave-group, an open transaction left behind), starts a new one on the same state directory,
 * then restarts the broker on the same data directory under load. Every event id of the raw topic must then be in
 * exactly one of validated or quarantine, exactly once, counted with {@code read_committed}.
 */
class ValidationCrashIT {

    private static final String RAW = "loans.data.raw";
    private static final String VALIDATED = "loans.data.validated";
    private static final String QUARANTINE = "loans.data.quarantine";

    @TempDir
    Path workDir;

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private Process validation;
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private Thread producerThread;

    @AfterEach
    void stop() throws Exception {
        producing.set(false);
        if (producerThread != null) {
            producerThread.join(30_000);
        }
        if (validation != null) {
            validation.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyRawRecordIsValidatedOrQuarantinedOnceThroughAKillAndABrokerRestart() throws Exception {
        kafka = EmbeddedKafka.persistent(workDir.resolve("kafka"), freePort()).start();
        registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
        Path spec = workDir.resolve("loans.yaml");
        Files.writeString(spec, TestPipeline.yaml(500));
        Path config = workDir.resolve("validation.properties");
        Files.writeString(config, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "schema.registry.url=" + registry.url(),
                "pipeline.spec=" + spec,
                "http.port=0",
                "state.dir=" + workDir.resolve("state"),
                "instance.id=crash-test",
                // A killed member is noticed after 6 s instead of 45 s: keeps the test short.
                "kafka.session.timeout.ms=6000",
                "kafka.heartbeat.interval.ms=1000",
                // The committed partial window summaries stay readable for the count below (Streams would purge
                // the repartition topic's consumed records every 30 s).
                "kafka.repartition.purge.interval.ms=86400000",
                ""));
        PlatformConfig platform = PlatformConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(), "schema.registry.url", registry.url(),
                "pipeline.spec", spec.toString())), 0);
        PipelineSerdes serdes = PipelineBootstrap.prepare(platform, TestPipeline.NAME,
                TestPipeline.spec(500).dataSchema()).serdes();

        Set<String> expectedValidated = ConcurrentHashMap.newKeySet();
        Set<String> expectedQuarantined = ConcurrentHashMap.newKeySet();
        AtomicInteger sent = new AtomicInteger();
        producerThread = new Thread(() -> produce(serdes, expectedValidated, expectedQuarantined, sent),
                "raw-producer");
        producerThread.start();

        Map<String, Integer> validated = new HashMap<>();
        Map<String, Integer> quarantined = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = committedReader(VALIDATED, QUARANTINE)) {
            validation = startValidation(config, "first");
            awaitOutputs(consumer, validated, quarantined, 200);
            int atKill = validated.size() + quarantined.size();
            validation.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(sent.get()).as("killed mid-stream: the producer had sent more than was processed")
                    .isGreaterThan(atKill);

            validation = startValidation(config, "second");
            awaitOutputs(consumer, validated, quarantined, atKill + 200);

            int atBrokerRestart = validated.size() + quarantined.size();
            kafka.close();
            kafka.start();
            awaitOutputs(consumer, validated, quarantined, atBrokerRestart + 200);

            producing.set(false);
            producerThread.join(60_000);
            int total = sent.get();
            awaitOutputs(consumer, validated, quarantined, total);
            drainToEnd(consumer, validated, quarantined);
        }

        Set<String> rawIds = readRawIds();
        assertThat(rawIds).hasSize(sent.get());
        assertThat(validated.keySet()).containsExactlyInAnyOrderElementsOf(expectedValidated);
        assertThat(quarantined.keySet()).containsExactlyInAnyOrderElementsOf(expectedQuarantined);
        assertThat(validated).as("no id validated twice").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(quarantined).as("no id quarantined twice").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        Set<String> both = new HashSet<>(validated.keySet());
        both.retainAll(quarantined.keySet());
        assertThat(both).as("no id in both outputs").isEmpty();
        Set<String> all = new HashSet<>(validated.keySet());
        all.addAll(quarantined.keySet());
        assertThat(all).isEqualTo(rawIds);

        // The quality windows' counts are exactly once too: the committed partial summaries handed on to the
        // pipeline's windows count every raw record once, the kill's partial included (restored from its changelog).
        assertThat(awaitCountedPartials(sent.get())).as("records counted by the committed data partials")
                .isEqualTo(sent.get());
    }

    /**
     * The records counted by the committed data partials on the window-partials repartition topic, read until they
     * reach {@code expected} (the last partial is handed on by a one-second punctuation), then to the topic's end.
     */
    private long awaitCountedPartials(int expected) {
        String topic = "mlcycle-" + TestPipeline.NAME + "-validation-window-partials-repartition";
        List<io.mlcycle.mlcore.features.FeatureDefinition> definitions =
                io.mlcycle.mlcore.features.FeatureDefinition.fromSpec(TestPipeline.spec(500));
        long[] counted = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = committedReader(topic)) {
            Runnable poll = () -> consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                if ("data".equals(new String(r.key(), StandardCharsets.UTF_8))) {
                    counted[0] += io.mlcycle.mlcore.profile.WindowSummary.fromBytes(definitions, r.value()).records();
                }
            });
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    poll.run();
                    return counted[0] >= expected;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // Fewer counted than expected: the assertion on the returned count says by how many.
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                poll.run();
                return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        return counted[0];
    }

    /** Sends keyed raw records until told to stop: mostly valid, some failing a gate, some undecodable. */
    private void produce(PipelineSerdes serdes, Set<String> good, Set<String> bad, AtomicInteger sent) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        Random random = new Random(3);
        Instant applied = Instant.now().minusSeconds(600);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            int i = 0;
            while (producing.get()) {
                for (int j = 0; j < 10; j++, i++) {
                    String id = "e-" + i;
                    byte[] value;
                    if (i % 17 == 5) {
                        value = ("garbage " + i).getBytes(StandardCharsets.UTF_8);
                        bad.add(id);
                    } else {
                        GenericRecord record = TestPipeline.record(serdes.dataSchema(), id, applied, random, 0);
                        if (i % 10 == 3) {
                            record.put("age", 12);
                            bad.add(id);
                        } else {
                            good.add(id);
                        }
                        value = serdes.valueSerde(Topics.DATA_RAW).serializer().serialize(RAW, record);
                    }
                    producer.send(new ProducerRecord<>(RAW, id.getBytes(StandardCharsets.UTF_8), value));
                }
                producer.flush();
                sent.set(i);
                try {
                    Thread.sleep(25); // a steady stream of a few hundred records/s, not a test wait
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private Process startValidation(Path config, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ValidationMain.class.getName(), config.toString())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("validation-" + name + ".log").toFile())
                .start();
    }

    private static void awaitOutputs(KafkaConsumer<byte[], byte[]> consumer, Map<String, Integer> validated,
                                     Map<String, Integer> quarantined, int atLeast) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            poll(consumer, validated, quarantined);
            return validated.size() + quarantined.size() >= atLeast;
        });
    }

    /** Reads every output partition up to its end (last stable offset), so late duplicates would be counted. */
    private static void drainToEnd(KafkaConsumer<byte[], byte[]> consumer, Map<String, Integer> validated,
                                   Map<String, Integer> quarantined) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            poll(consumer, validated, quarantined);
            return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
        });
    }

    private static void poll(KafkaConsumer<byte[], byte[]> consumer, Map<String, Integer> validated,
                             Map<String, Integer> quarantined) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            String id = new String(r.key(), StandardCharsets.UTF_8);
            (r.topic().equals(VALIDATED) ? validated : quarantined).merge(id, 1, Integer::sum);
        }
    }

    private Set<String> readRawIds() {
        Set<String> ids = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = committedReader(RAW)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> ids.add(new String(r.key(), StandardCharsets.UTF_8)));
                return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        return ids;
    }

    private KafkaConsumer<byte[], byte[]> committedReader(String... topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
