package io.mlcycle.platform.lifecycle;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/**
 * Time-ordered event ids: UUID version 7 (RFC 9562) strings whose lexical order follows creation order within this
 * JVM (monotonic even within one millisecond and across clock steps back), globally unique by 62 random bits.
 */
public final class EventIds {

    /**
     * The longest event id (in characters) any service accepts: ids are Kafka keys and travel in every record of an
     * event, so an unbounded one can make a derived record too large to write.
     */
    public static final int MAX_LENGTH = 256;

    /**
     * {@code eventId} short enough to be a key of a record about it (a quarantine record), cut to
     * {@link #MAX_LENGTH} characters and marked with "…" when longer; null stays null.
     */
    public static String fitAsKey(String eventId) {
        if (eventId == null || eventId.length() <= MAX_LENGTH) {
            return eventId;
        }
        return eventId.substring(0, MAX_LENGTH - 1) + "\u2026";
    }

    // Monotonic ordering needs one shared last-issued value per JVM; this is the only state and it is guarded.
    private static final Object LOCK = new Object();
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Random bytes drawn from {@link #RANDOM} in bulk and handed out 8 at a time: one draw per 32 ids instead of one
     * per id (ingestion makes an id per event, and a draw of 8 bytes cost about as much as one of 256: a lock, the
     * OS source, a digest). The same generator, so the same quality; guarded by {@link #LOCK}.
     */
    private static final byte[] RANDOM_BYTES = new byte[256];
    private static int randomPosition = RANDOM_BYTES.length;
    private static long lastMillis = -1;
    private static int counter;

    private EventIds() {
    }

    /** A new UUIDv7 string, e.g. {@code 0190f5d2-8a3b-7c21-9e4f-5a6b7c8d9e0f}. */
    public static String newTimeOrderedId() {
        return newTimeOrderedUuid().toString();
    }

    /** A new UUIDv7. */
    public static UUID newTimeOrderedUuid() {
        long millis;
        int sequence;
        long random;
        synchronized (LOCK) {
            long now = System.currentTimeMillis();
            if (now > lastMillis) {
                lastMillis = now;
                // Start the 12-bit counter in its lower half so at least 2048 ids fit in one millisecond.
                counter = RANDOM.nextInt(0x800);
            } else if (counter < 0xFFF) {
                counter++;
            } else {
                // Counter exhausted (or the clock went back): borrow the next millisecond to stay monotonic.
                lastMillis++;
                counter = RANDOM.nextInt(0x800);
            }
            millis = lastMillis;
            sequence = counter;
            random = nextRandomLong();
        }
        long mostSignificant = (millis << 16) | 0x7000L | sequence;
        long leastSignificant = (random & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(mostSignificant, leastSignificant);
    }

    /** The next 8 random bytes as a long; called holding {@link #LOCK}. */
    private static long nextRandomLong() {
        if (randomPosition == RANDOM_BYTES.length) {
            RANDOM.nextBytes(RANDOM_BYTES);
            randomPosition = 0;
        }
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (RANDOM_BYTES[randomPosition++] & 0xFF);
        }
        return value;
    }

    /** The creation time embedded in a UUIDv7 string. */
    public static Instant timestampOf(String id) {
        UUID uuid = UUID.fromString(id);
        if (uuid.version() != 7) {
            throw new IllegalArgumentException("Not a UUIDv7: " + id);
        }
        return Instant.ofEpochMilli(uuid.getMostSignificantBits() >>> 16);
    }
}
