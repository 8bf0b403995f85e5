package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.OffsetRange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.junit.jupiter.api.Test;

class DatasetReaderTest {

    private static final String TOPIC = "credit.examples.labeled";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final TopicPartition P2 = new TopicPartition(TOPIC, 2);

    private final MockConsumer<String, LabeledExample> consumer = new MockConsumer<>("earliest");
    private final DatasetReader reader = new DatasetReader(Duration.ofSeconds(5));

    @Test
    void readsExactlyTheSnapshotRangesOfEveryPartition() {
        partitions(Map.of(P0, 0L, P1, 2L, P2, 0L), Map.of(P0, 3L, P1, 4L, P2, 0L));
        consumer.schedulePollTask(() -> {
            for (long offset = 0; offset < 4; offset++) {
                consumer.addRecord(record(P0, offset)); // offset 3 arrived after the snapshot: excluded
            }
            consumer.addRecord(record(P1, 2));
            consumer.addRecord(record(P1, 3));
        });

        DatasetReader.Dataset dataset = reader.read(consumer, TOPIC);

        assertThat(dataset.ranges()).extracting(OffsetRange::getPartition, OffsetRange::getStartOffset,
                OffsetRange::getEndOffset).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, 0L, 3L),
                org.assertj.core.groups.Tuple.tuple(1, 2L, 4L),
                org.assertj.core.groups.Tuple.tuple(2, 0L, 0L));
        assertThat(dataset.ranges()).allSatisfy(r -> assertThat(r.getTopic()).isEqualTo(TOPIC));
        assertThat(dataset.examples()).extracting(LabeledExample::getEventId)
                .containsExactly("0-0", "0-1", "0-2", "1-2", "1-3");
        assertThat(dataset.unreadable()).isZero();
        assertThat(dataset.endOffsets()).isEqualTo(Map.of(0, 3L, 1, 4L, 2, 0L));
    }

    @Test
    void withMaxExamplesReadsOnlyTheNewestRecordsOfEachPartitionBySeeking() {
        partitions(Map.of(P0, 0L, P1, 0L, P2, 0L), Map.of(P0, 5000L, P1, 3L, P2, 0L));
        java.util.concurrent.atomic.AtomicLong offered = new java.util.concurrent.atomic.AtomicLong();
        consumer.schedulePollTask(() -> {
            // a consumer positioned by seeking is only given what follows its position
            for (long offset = 0; offset < 5000; offset++) {
                if (offset >= consumer.position(P0)) {
                    consumer.addRecord(record(P0, offset));
                    offered.incrementAndGet();
                }
            }
            for (long offset = 0; offset < 3; offset++) {
                consumer.addRecord(record(P1, offset));
            }
        });

        DatasetReader.Dataset dataset = reader.read(consumer, TOPIC, java.util.OptionalInt.of(100));

        assertThat(offered).as("records fetched from the long partition").hasValue(100);
        assertThat(dataset.ranges()).extracting(OffsetRange::getPartition, OffsetRange::getStartOffset,
                OffsetRange::getEndOffset).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, 4900L, 5000L),
                org.assertj.core.groups.Tuple.tuple(1, 0L, 3L),
                org.assertj.core.groups.Tuple.tuple(2, 0L, 0L));
        assertThat(dataset.examples()).hasSize(103);
        assertThat(dataset.examples().get(0).getEventId()).isEqualTo("0-4900");
    }

    @Test
    void passesOverAnUnreadableRecordAndCountsIt() {
        partitions(Map.of(P0, 0L, P1, 0L, P2, 0L), Map.of(P0, 3L, P1, 0L, P2, 0L));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(P0, 0));
            consumer.setPollException(new RecordDeserializationException(P0, 1, "bad magic byte", null));
        });
        consumer.schedulePollTask(() -> consumer.addRecord(record(P0, 2)));

        DatasetReader.Dataset dataset = reader.read(consumer, TOPIC);

        assertThat(dataset.examples()).extracting(LabeledExample::getEventId).contains("0-2");
        assertThat(dataset.unreadable()).isEqualTo(1);
        assertThat(dataset.ranges().get(0).getEndOffset()).isEqualTo(3L);
    }

    @Test
    void anEventIdJoinedTwiceCountsOnceWithItsLatestLabel() {
        partitions(Map.of(P0, 0L, P1, 0L, P2, 0L), Map.of(P0, 3L, P1, 1L, P2, 0L));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(P0, 0, "e-1", "false"));
            consumer.addRecord(record(P0, 1, "e-2", "true"));
            consumer.addRecord(record(P0, 2, "e-1", "true")); // the same event joined again, later
            consumer.addRecord(record(P1, 0, "e-3", "false"));
        });

        DatasetReader.Dataset dataset = reader.read(consumer, TOPIC);

        assertThat(dataset.examples()).extracting(LabeledExample::getEventId, LabeledExample::getLabel)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("e-2", "true"),
                        org.assertj.core.groups.Tuple.tuple("e-1", "true"),
                        org.assertj.core.groups.Tuple.tuple("e-3", "false"));
        assertThat(dataset.duplicates()).isEqualTo(1);
        assertThat(dataset.ranges().get(0).getEndOffset()).as("the lineage still names every offset read")
                .isEqualTo(3L);
    }

    private void partitions(Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end) {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(P0, P1, P2).stream()
                .map(p -> new PartitionInfo(TOPIC, p.partition(), node, new Node[] {node}, new Node[] {node}))
                .toList());
        consumer.updateBeginningOffsets(begin);
        consumer.updateEndOffsets(end);
    }

    private static ConsumerRecord<String, LabeledExample> record(TopicPartition partition, long offset) {
        return record(partition, offset, partition.partition() + "-" + offset, "true");
    }

    private static ConsumerRecord<String, LabeledExample> record(TopicPartition partition, long offset, String id,
                                                                 String label) {
        LabeledExample example = LabeledExample.newBuilder()
                .setEventId(id)
                .setPipeline("credit")
                .setFeatures(Map.of("x", 1.0))
                .setLabel(label)
                .setPositive(label.equals("true"))
                .setEventTime(Instant.ofEpochMilli(offset))
                .setObservedAt(Instant.ofEpochMilli(offset))
                .build();
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, id, example);
    }
}
