package io.mlcycle.serving;

import io.mlcycle.mlcore.online.SequentialPairedTest;
import java.nio.ByteBuffer;

/**
 * What the online monitor keeps about one challenger in one stage (store key {@code version|variant}): the sequential
 * test of its paired Brier difference against the champion, its predictions in the stage and the event-time span
 * they cover (for the shadow stage's minimums), and whether a decision was already emitted.
 */
record ChallengerState(SequentialPairedTest test, long predictions, long firstAnchorMs, long lastAnchorMs,
                       boolean decided) {

    static ChallengerState start(double margin) {
        return new ChallengerState(SequentialPairedTest.start(margin), 0, Long.MAX_VALUE, Long.MIN_VALUE, false);
    }

    ChallengerState predicted(long anchorMs) {
        return new ChallengerState(test, predictions + 1, Math.min(firstAnchorMs, anchorMs),
                Math.max(lastAnchorMs, anchorMs), decided);
    }

    ChallengerState paired(double difference) {
        return new ChallengerState(test.update(difference), predictions, firstAnchorMs, lastAnchorMs, decided);
    }

    ChallengerState decide() {
        return new ChallengerState(test, predictions, firstAnchorMs, lastAnchorMs, true);
    }

    /** Event time between the first and the latest prediction of the stage (0 before two). */
    long spanMs() {
        return predictions < 2 ? 0 : lastAnchorMs - firstAnchorMs;
    }

    byte[] toBytes() {
        byte[] t = test.toBytes();
        return ByteBuffer.allocate(t.length + 8 * 3 + 1).put(t).putLong(predictions).putLong(firstAnchorMs)
                .putLong(lastAnchorMs).put((byte) (decided ? 1 : 0)).array();
    }

    static ChallengerState fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] t = new byte[bytes.length - 8 * 3 - 1];
        b.get(t);
        return new ChallengerState(SequentialPairedTest.fromBytes(t), b.getLong(), b.getLong(), b.getLong(),
                b.get() == 1);
    }
}
