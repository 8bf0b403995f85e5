package io.mlcycle.serving;

import io.mlcycle.mlcore.online.SequentialPairedTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What the online monitor keeps about one challenger in one stage (store key {@code version|variant}): the champion
 * it is tested against, the sequential test of its paired Brier difference against that champion, its predictions in
 * the stage and the event-time span they cover (for the shadow stage's minimums), and whether a decision was already
 * emitted. A test belongs to one champion: when the champion changes, {@link #start} begins a fresh one (no evidence
 * or looks carried over, so the new test keeps its error guarantee, and a decision about the former champion, which
 * the orchestrator no longer applies, does not hold the challenger in its stage).
 *
 * @param champion the champion version the test compares with; null in a state stored before this was recorded
 */
record ChallengerState(String champion, SequentialPairedTest test, long predictions, long firstAnchorMs,
                       long lastAnchorMs, boolean decided) {

    /** Size of the stored form before the champion was recorded (test, three longs, the decided flag). */
    private static final int LEGACY_SIZE = SequentialPairedTest.BYTES + 8 * 3 + 1;

    static ChallengerState start(String champion, double margin) {
        return new ChallengerState(champion, SequentialPairedTest.start(margin), 0, Long.MAX_VALUE, Long.MIN_VALUE,
                false);
    }

    /** Whether this state's test is against another champion than {@code current} (a null side is unknown: no). */
    boolean testsAgainstOtherThan(String current) {
        return champion != null && current != null && !champion.equals(current);
    }

    /** The same state, now known to compare with {@code current} (for a state stored without its champion). */
    ChallengerState against(String current) {
        return new ChallengerState(current, test, predictions, firstAnchorMs, lastAnchorMs, decided);
    }

    ChallengerState predicted(long anchorMs) {
        return new ChallengerState(champion, test, predictions + 1, Math.min(firstAnchorMs, anchorMs),
                Math.max(lastAnchorMs, anchorMs), decided);
    }

    ChallengerState paired(double difference) {
        return new ChallengerState(champion, test.update(difference), predictions, firstAnchorMs, lastAnchorMs,
                decided);
    }

    ChallengerState decide() {
        return new ChallengerState(champion, test, predictions, firstAnchorMs, lastAnchorMs, true);
    }

    /** Event time between the first and the latest prediction of the stage (0 before two). */
    long spanMs() {
        return predictions < 2 ? 0 : lastAnchorMs - firstAnchorMs;
    }

    byte[] toBytes() {
        byte[] t = test.toBytes();
        byte[] c = champion == null ? new byte[0] : champion.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(t.length + 8 * 3 + 1 + 4 + c.length).put(t).putLong(predictions)
                .putLong(firstAnchorMs).putLong(lastAnchorMs).put((byte) (decided ? 1 : 0))
                .putInt(champion == null ? -1 : c.length).put(c).array();
    }

    /** Reads {@link #toBytes()}, and the earlier form without the champion (then {@link #champion()} is null). */
    static ChallengerState fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] t = new byte[SequentialPairedTest.BYTES];
        b.get(t);
        SequentialPairedTest test = SequentialPairedTest.fromBytes(t);
        long predictions = b.getLong();
        long first = b.getLong();
        long last = b.getLong();
        boolean decided = b.get() == 1;
        String champion = null;
        if (bytes.length > LEGACY_SIZE) {
            int length = b.getInt();
            if (length >= 0) {
                byte[] c = new byte[length];
                b.get(c);
                champion = new String(c, StandardCharsets.UTF_8);
            }
        }
        return new ChallengerState(champion, test, predictions, first, last, decided);
    }
}
