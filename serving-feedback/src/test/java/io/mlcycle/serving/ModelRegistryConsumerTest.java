package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The registry consumer thread against a {@link MockConsumer}: what it does with records it cannot use. */
class ModelRegistryConsumerTest {
    private static final PipelineSpec SPEC = TestFixtures.spec();
    private static final String TOPIC = "credit.models";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void aValueThatIsNotAModelVersionIsSkippedAndLaterVersionsStillLoad() {
        // The platform serde returns a byte[] for a value written with a "bytes" schema, whatever the consumer's
        // declared type; before the fix the implicit cast ended the consumer thread and with it every hot swap.
        ModelRegistryWatcher watcher = new ModelRegistryWatcher(SPEC, alert -> { },
                ServingMetrics.inMemory(SPEC.pipeline()), Clock.fixed(TestFixtures.T0, ZoneOffset.UTC),
                io.mlcycle.mlcore.registry.ModelSigning.development());
        MockConsumer<String, ModelVersion> consumer = new MockConsumer<>("earliest");
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, 2L));
        ConsumerRecord stray = new ConsumerRecord<>(TOPIC, 0, 0L, "stray", new byte[] {1, 2, 3});
        ModelVersion champion = TestFixtures.champion(SPEC, 1, 0.2);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(stray);
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1L, champion.getVersion(), champion));
        });

        try (ModelRegistryConsumer registry = new ModelRegistryConsumer(consumer, TOPIC, watcher).start()) {
            await().atMost(Duration.ofSeconds(5)).until(registry::isReplayed);
            assertThat(watcher.champion()).map(LoadedModel::version).contains("credit-v1");
        }
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void anUnexpectedFailureRestartsTheConsumerAfterABackoffAndReadinessIsFalseMeanwhile() {
        // Before the fix the thread ended for good on any unexpected exception while readiness stayed green:
        // a later champion was never loaded.
        ModelRegistryWatcher watcher = new ModelRegistryWatcher(SPEC, alert -> { },
                ServingMetrics.inMemory(SPEC.pipeline()), Clock.fixed(TestFixtures.T0, ZoneOffset.UTC),
                io.mlcycle.mlcore.registry.ModelSigning.development());
        MockConsumer<String, ModelVersion> consumer = new MockConsumer<>("earliest");
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, 1L));
        ModelVersion first = TestFixtures.champion(SPEC, 1, 0.2);
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0L, first.getVersion(),
                first)));

        try (ModelRegistryConsumer registry = new ModelRegistryConsumer(consumer, TOPIC, watcher,
                Duration.ofSeconds(1), Duration.ofSeconds(2)).start()) {
            await().atMost(Duration.ofSeconds(5)).until(registry::isFollowing);
            assertThat(registry.isReplayed()).isTrue();

            consumer.setPollException(new org.apache.kafka.common.KafkaException("broker connection broken"));
            await().atMost(Duration.ofSeconds(5)).until(() -> !registry.isFollowing());

            ModelVersion second = TestFixtures.champion(SPEC, 2, 0.4);
            consumer.updateEndOffsets(Map.of(PARTITION, 2L));
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1L,
                    second.getVersion(), second)));
            await().atMost(Duration.ofSeconds(5)).until(registry::isFollowing);
            await().atMost(Duration.ofSeconds(5)).until(() -> watcher.champion().map(LoadedModel::version)
                    .filter("credit-v2"::equals).isPresent());
        }
        assertThat(consumer.closed()).isTrue();
    }
}
