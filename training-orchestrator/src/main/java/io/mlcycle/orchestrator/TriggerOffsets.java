package io.mlcycle.orchestrator;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which trigger offsets may be committed: a trigger's offset is committed only once its run's outcome is final (the
 * final {@code TrainingRun} record acknowledged by the broker), so a crash before that leaves the trigger uncommitted
 * and the next instance handles it again; a trigger is never lost. Per partition, the committable position is the
 * lowest offset whose trigger is still unfinished (or the end of what was received when all are finished).
 * Thread-safe: the control loop records and commits, the producer's callback thread reports outcomes.
 */
final class TriggerOffsets {

    private final Map<TopicPartition, TreeMap<Long, String>> pending = new HashMap<>();
    private final Map<TopicPartition, Long> received = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /** A trigger record was handed to the coordinator ({@code triggerId == null}: nothing to wait for). */
    synchronized void received(TopicPartition partition, long offset, String triggerId) {
        received.merge(partition, offset + 1, Math::max);
        if (triggerId != null) {
            pending.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, triggerId);
        }
    }

    /** The trigger's run reached a final outcome: its offset no longer holds the commit back. */
    synchronized void finished(String triggerId) {
        for (TreeMap<Long, String> offsets : pending.values()) {
            offsets.values().removeIf(triggerId::equals);
        }
    }

    /** Whether a trigger received here still waits for its outcome. */
    synchronized boolean isPending(String triggerId) {
        return pending.values().stream().anyMatch(m -> m.containsValue(triggerId));
    }

    /** The positions to commit now (only those that moved since the last call). */
    synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : received.entrySet()) {
            TreeMap<Long, String> waiting = pending.get(entry.getKey());
            long position = waiting == null || waiting.isEmpty() ? entry.getValue() : waiting.firstKey();
            Long last = committed.get(entry.getKey());
            if (last == null || position > last) {
                out.put(entry.getKey(), new OffsetAndMetadata(position));
            }
        }
        return out;
    }

    /** The positions were committed. */
    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> committed.merge(partition, offset.offset(), Math::max));
    }

    /** Forgets everything: the partition was revoked, its new owner handles what was not committed. */
    synchronized void clear() {
        pending.clear();
        received.clear();
        committed.clear();
    }
}
