package io.mlcycle.serving.truth;

import io.mlcycle.mlcore.monitoring.ScoreBins;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One prediction of an online-truth window as the truth processor stores it: 9 bytes, the score (IEEE 754 double)
 * then the outcome (0 unknown, 1 negative, 2 positive), under the key {@code <window key>|<prediction id>}. One small
 * entry per prediction keeps each input record's work constant; a window is read whole only when it is emitted (and
 * only while its bins are not held in memory, see {@link TruthProcessor}).
 */
final class PredictionEntry {
    private static final byte UNKNOWN = 0;
    private static final byte NEGATIVE = 1;
    private static final byte POSITIVE = 2;
    private static final StringSerializer KEYS = new StringSerializer();

    private PredictionEntry() {
    }

    static byte[] encode(double score, Boolean outcome) {
        return ByteBuffer.allocate(9).putDouble(score)
                .put(outcome == null ? UNKNOWN : outcome ? POSITIVE : NEGATIVE).array();
    }

    static double score(byte[] entry) {
        return ByteBuffer.wrap(entry).getDouble(0);
    }

    /** The outcome of a stored entry; null when unknown or when there is no entry. */
    static Boolean outcome(byte[] entry) {
        if (entry == null) {
            return null;
        }
        return switch (entry[8]) {
            case POSITIVE -> Boolean.TRUE;
            case NEGATIVE -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Reads of one window's entries, by the window's key prefix. */
    static final class Window {

        private Window() {
        }

        /**
         * The window's predictions in score bins split at {@code threshold}: one pass over its entries, nothing per
         * entry kept (the bins' counts are the same whatever order the entries come in).
         */
        static ScoreBins bins(KeyValueStore<String, byte[]> store, String prefix, double threshold) {
            ScoreBins bins = new ScoreBins(threshold);
            try (KeyValueIterator<String, byte[]> all = store.prefixScan(prefix, KEYS)) {
                while (all.hasNext()) {
                    byte[] entry = all.next().value;
                    bins.add(score(entry), outcome(entry));
                }
            }
            return bins;
        }

        static List<String> keys(KeyValueStore<String, byte[]> store, String prefix) {
            List<String> keys = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> all = store.prefixScan(prefix, KEYS)) {
                while (all.hasNext()) {
                    KeyValue<String, byte[]> entry = all.next();
                    keys.add(entry.key);
                }
            }
            return keys;
        }
    }
}
