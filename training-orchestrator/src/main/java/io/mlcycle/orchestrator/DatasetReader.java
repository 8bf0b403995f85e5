package io.mlcycle.orchestrator;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.OffsetRange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a training dataset by offsets: snapshots the end offsets of every partition of {@code <p>.examples.labeled},
 * reads exactly {@code [begin, end)} of each partition with an assigned consumer (no group, read_committed), and
 * returns the records with the ranges as lineage. Reading the same ranges again gives the same dataset.
 *
 * <p>A record that cannot be deserialised is counted and passed over, not fatal: its offset stays inside the recorded
 * range, so the lineage remains exact about what was read.
 *
 * <p>The examples are distinct by event id: the join emits one labeled example per event id within its label-delay
 * window, but an event seen again after that window (a file imported again after validation's duplicate retention
 * and the join's window have passed) is joined again. The last record of an event id in the ranges wins (its
 * partition is fixed by its key, so that is the newest label); the others are counted in
 * {@link Dataset#duplicates()}, so one event never weighs twice in training or in the holdout.
 */
public final class DatasetReader {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetReader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * A dataset read by offsets.
     *
     * @param ranges     one half-open range per partition, sorted by partition
     * @param examples   the records read, in partition then offset order
     * @param unreadable records inside the ranges that could not be deserialised
     * @param duplicates records inside the ranges left out because a later record has the same event id
     */
    public record Dataset(List<OffsetRange> ranges, List<LabeledExample> examples, long unreadable,
                          long duplicates) {
        public Dataset {
            ranges = List.copyOf(ranges);
            examples = List.copyOf(examples);
        }

        public Dataset(List<OffsetRange> ranges, List<LabeledExample> examples, long unreadable) {
            this(ranges, examples, unreadable, 0);
        }

        /** End offsets (exclusive) by partition: the baseline for counting new examples. */
        public Map<Integer, Long> endOffsets() {
            Map<Integer, Long> ends = new TreeMap<>();
            ranges.forEach(range -> ends.put(range.getPartition(), range.getEndOffset()));
            return ends;
        }
    }

    private final Duration timeout;

    /** @param timeout how long reading may take before the run fails (a broker that stops answering) */
    public DatasetReader(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Reads every partition of {@code topic} from its beginning to its current (stable) end. */
    public Dataset read(Consumer<String, LabeledExample> consumer, String topic) {
        return read(consumer, topic, OptionalInt.empty());
    }

    /**
     * Reads the newest records of every partition of {@code topic}, up to its current (stable) end: with a limit N
     * ({@code training.max_examples}) each partition is read from {@code max(begin, end - N)} by seeking, so a run
     * reads at most N records per partition however long the topic is (the newest N overall, by event time, are
     * among them). Without a limit, everything from the beginning.
     */
    public Dataset read(Consumer<String, LabeledExample> consumer, String topic, OptionalInt newestPerPartition) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " has no partitions (does it exist?)");
        }
        List<TopicPartition> partitions = infos.stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition))
                .toList();
        // assigned first: a read_committed consumer records the stable end offsets of assigned partitions only
        consumer.assign(partitions);
        Map<TopicPartition, Long> earliest = consumer.beginningOffsets(partitions, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> begin = new java.util.HashMap<>();
        for (TopicPartition partition : partitions) {
            long first = earliest.getOrDefault(partition, 0L);
            long last = end.getOrDefault(partition, first);
            begin.put(partition, newestPerPartition.isPresent()
                    ? Math.max(first, last - newestPerPartition.getAsInt()) : first);
        }
        return read(consumer, partitions, begin, end);
    }

    /** Reads exactly the given ranges ({@code [begin, end)} per partition). */
    public Dataset read(Consumer<String, LabeledExample> consumer, List<TopicPartition> partitions,
                        Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end) {
        consumer.assign(partitions);
        Set<TopicPartition> remaining = new HashSet<>();
        for (TopicPartition partition : partitions) {
            long from = begin.getOrDefault(partition, 0L);
            long to = end.getOrDefault(partition, from);
            if (to > from) {
                consumer.seek(partition, from);
                remaining.add(partition);
            }
        }
        consumer.pause(partitions.stream().filter(p -> !remaining.contains(p)).toList());

        List<ConsumerRecord<String, LabeledExample>> records = new ArrayList<>();
        long unreadable = 0;
        Instant deadline = Instant.now().plus(timeout);
        while (!remaining.isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("reading the dataset took longer than " + timeout + "; still missing "
                        + describe(remaining, consumer, end));
            }
            try {
                ConsumerRecords<String, LabeledExample> batch = consumer.poll(POLL);
                for (ConsumerRecord<String, LabeledExample> record : batch) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(partition) && record.value() != null) {
                        records.add(record);
                    }
                }
            } catch (RecordDeserializationException e) {
                TopicPartition partition = e.topicPartition();
                LOG.warn("Dataset record {} offset {} is unreadable and is left out: {}", partition, e.offset(),
                        e.getMessage());
                if (e.offset() < end.get(partition)) {
                    unreadable++;
                }
                consumer.seek(partition, e.offset() + 1);
            }
            for (TopicPartition partition : List.copyOf(remaining)) {
                if (consumer.position(partition) >= end.get(partition)) {
                    remaining.remove(partition);
                    consumer.pause(List.of(partition));
                }
            }
        }

        records.sort(Comparator.<ConsumerRecord<String, LabeledExample>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        List<OffsetRange> ranges = partitions.stream()
                .map(p -> new OffsetRange(p.topic(), p.partition(), begin.getOrDefault(p, 0L),
                        end.getOrDefault(p, begin.getOrDefault(p, 0L))))
                .toList();
        List<LabeledExample> examples = lastPerEventId(records.stream().map(ConsumerRecord::value).toList());
        long duplicates = records.size() - examples.size();
        if (duplicates > 0) {
            LOG.info("Dataset of {}: {} labeled example(s) left out because a later one has the same event id",
                    partitions.isEmpty() ? "?" : partitions.get(0).topic(), duplicates);
        }
        return new Dataset(ranges, examples, unreadable, duplicates);
    }

    /** The examples distinct by event id, each at the place of its last occurrence, in the given order otherwise. */
    static List<LabeledExample> lastPerEventId(List<LabeledExample> ordered) {
        Map<String, Integer> last = new java.util.HashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            last.put(ordered.get(i).getEventId(), i);
        }
        if (last.size() == ordered.size()) {
            return ordered;
        }
        List<LabeledExample> distinct = new ArrayList<>(last.size());
        for (int i = 0; i < ordered.size(); i++) {
            if (last.get(ordered.get(i).getEventId()) == i) {
                distinct.add(ordered.get(i));
            }
        }
        return distinct;
    }

    private static String describe(Set<TopicPartition> remaining, Consumer<?, ?> consumer,
                                   Map<TopicPartition, Long> end) {
        List<String> parts = new ArrayList<>();
        for (TopicPartition partition : remaining) {
            parts.add(partition + " at " + consumer.position(partition) + " of " + end.get(partition));
        }
        return String.join(", ", parts);
    }
}
