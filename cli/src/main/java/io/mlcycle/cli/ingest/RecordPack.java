package io.mlcycle.cli.ingest;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Serialised records laid end to end in one reusable array: per record a topic index, a timestamp, the key and the
 * value. {@link PipelinedSink} hands records from the thread that serialises them to the thread that sends them in
 * packs rather than as objects: the sending thread then reads one array front to back instead of following thousands
 * of small objects another core has just written, which cost the import about 0.8 µs of CPU per row on this project's
 * 2-core machine (the file-import benchmark's per-thread figures, see the README). Not thread-safe: one thread fills a
 * pack, hands it over through a queue, and the other reads it.
 */
final class RecordPack {

    /** Topic indexes, resolved to names by the sending sink. */
    static final int RAW = 0;
    static final int FEEDBACK = 1;
    static final int QUARANTINE = 2;

    /** A record read back from a pack; key and value are copies the reader owns. */
    interface Reader {
        void record(int topic, Long timestamp, byte[] key, byte[] value);
    }

    private ByteBuffer bytes;
    private int count;

    RecordPack(int capacity) {
        this.bytes = ByteBuffer.allocate(capacity);
    }

    /**
     * Appends a record; the array grows when one record does not fit (a large quarantine entry), so a caller limits a
     * pack by {@link #size()}, not by its capacity.
     *
     * @param timestamp the record's timestamp, or null to let the producer set it
     */
    void add(int topic, Long timestamp, byte[] key, byte[] value) {
        int needed = 1 + 8 + 4 + key.length + 4 + value.length;
        if (bytes.remaining() < needed) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(bytes.capacity() * 2, bytes.position() + needed));
            bytes.flip();
            larger.put(bytes);
            bytes = larger;
        }
        bytes.put((byte) topic);
        bytes.putLong(timestamp == null ? Long.MIN_VALUE : timestamp);
        bytes.putInt(key.length);
        bytes.put(key);
        bytes.putInt(value.length);
        bytes.put(value);
        count++;
    }

    /** Bytes written so far. */
    int size() {
        return bytes.position();
    }

    int count() {
        return count;
    }

    /** Reads every record in the order added; stops at the first exception {@code reader} throws. */
    void forEach(Reader reader) {
        byte[] array = bytes.array();
        ByteBuffer in = ByteBuffer.wrap(array, 0, bytes.position());
        for (int i = 0; i < count; i++) {
            int topic = in.get();
            long timestamp = in.getLong();
            byte[] key = next(in, array);
            byte[] value = next(in, array);
            reader.record(topic, timestamp == Long.MIN_VALUE ? null : timestamp, key, value);
        }
    }

    private static byte[] next(ByteBuffer in, byte[] array) {
        int length = in.getInt();
        int from = in.position();
        in.position(from + length);
        return Arrays.copyOfRange(array, from, from + length);
    }

    /** Empties the pack for reuse (the array is kept). */
    void clear() {
        bytes.clear();
        count = 0;
    }
}
