package io.mlcycle.orchestrator;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts the labeled examples not yet covered by a training dataset. It is fed the (partition, offset) of every
 * committed record of {@code <p>.examples.labeled} and told the end offsets of the last dataset; the count is of
 * records, not of offset differences, because transaction markers also take offsets and would inflate it.
 *
 * <p>Only offsets at or beyond the baseline are kept (sorted, primitive), so memory is bounded by the data that
 * arrived since the last run. Not thread-safe: owned by the orchestrator's control loop.
 */
public final class LabeledVolumeTracker {

    private final Map<Integer, OffsetList> pending = new HashMap<>();
    private Map<Integer, Long> baseline = Map.of();

    /** Records one record seen at {@code offset} of {@code partition}. */
    public void record(int partition, long offset) {
        if (offset < baseline.getOrDefault(partition, 0L)) {
            return;
        }
        pending.computeIfAbsent(partition, p -> new OffsetList()).add(offset);
    }

    /**
     * Sets the end offsets (exclusive) of the last dataset: records below them are no longer new. Only moves
     * forward per partition.
     */
    public void setBaseline(Map<Integer, Long> datasetEndOffsets) {
        Map<Integer, Long> merged = new HashMap<>(baseline);
        datasetEndOffsets.forEach((partition, end) -> merged.merge(partition, end, Math::max));
        baseline = Map.copyOf(merged);
        baseline.forEach((partition, end) -> {
            OffsetList offsets = pending.get(partition);
            if (offsets != null) {
                offsets.dropBelow(end);
            }
        });
    }

    /** The end offsets of the last dataset, by partition. */
    public Map<Integer, Long> baseline() {
        return baseline;
    }

    /** Records at or beyond the baseline: labeled examples no dataset has used yet. */
    public long newExamples() {
        return pending.values().stream().mapToLong(OffsetList::size).sum();
    }

    /** A growable sorted array of offsets (records arrive in offset order per partition). */
    private static final class OffsetList {
        private long[] offsets = new long[64];
        private int size;

        void add(long offset) {
            if (size > 0 && offsets[size - 1] >= offset) {
                return; // a re-delivery after a seek; offsets are unique per partition
            }
            if (size == offsets.length) {
                offsets = Arrays.copyOf(offsets, size * 2);
            }
            offsets[size++] = offset;
        }

        void dropBelow(long end) {
            int index = Arrays.binarySearch(offsets, 0, size, end);
            int firstKept = index >= 0 ? index : -index - 1;
            System.arraycopy(offsets, firstKept, offsets, 0, size - firstKept);
            size -= firstKept;
        }

        int size() {
            return size;
        }
    }
}
