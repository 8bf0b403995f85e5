package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The duplicate store's in-memory filter: no false negatives (while it is rebuilt and after), expiry by event time never
 * before the store's, buckets sized once from the rebuild's counts.
 */
class SeenIdFilterTest {

    private static final long RETENTION = 1_000;

    @Test
    void everyRememberedIdMayBeContainedAndMostOthersAreNot() {
        SeenIdFilter filter = new SeenIdFilter(86_400_000L);
        int ids = 200_000;
        for (int i = 0; i < ids; i++) {
            filter.remember("e-" + i, 1_000_000L + i * 100L);
        }
        for (int i = 0; i < ids; i++) {
            assertThat(filter.mayContain("e-" + i)).as("e-%d", i).isTrue();
        }
        int falsePositives = 0;
        for (int i = ids; i < 2 * ids; i++) {
            if (filter.mayContain("e-" + i)) {
                falsePositives++;
            }
        }
        // The first bucket's size is a guess (it grows once buckets have filled): a loose bound, far below "all".
        assertThat(falsePositives).isLessThan(ids / 20);
    }

    @Test
    void anIdIsForgottenOnlyOnceTheStoreCanNoLongerShowIt() {
        SeenIdFilter filter = new SeenIdFilter(RETENTION);
        filter.remember("old", 0);
        // The store hides entries below its stream time - retention + 1: at stream time 1498 that is 499, so 0 is
        // hidden, but the filter keeps whole buckets (half a retention each) and must still say "may".
        filter.remember("newer", 1_498);
        assertThat(filter.mayContain("old")).isTrue();
        // At 1499 the whole bucket [0, 499] is below 500: forgotten, and the store hides all of it too.
        filter.remember("newest", 1_499);
        assertThat(filter.mayContain("old")).isFalse();
        assertThat(filter.mayContain("newer")).isTrue();
        assertThat(filter.mayContain("newest")).isTrue();
        assertThat(filter.buckets()).isEqualTo(1); // [1000, 1499]
    }

    @Test
    void eventTimeNotArrivalOrderDecidesExpiry() {
        SeenIdFilter filter = new SeenIdFilter(RETENTION);
        filter.remember("late-but-recent", 5_000);
        filter.remember("out-of-order", 4_200); // older than the stream time but within the retention
        filter.remember("too-old", 3_000); // below 5000 - 1000 + 1: the store drops it, so may the filter
        assertThat(filter.mayContain("late-but-recent")).isTrue();
        assertThat(filter.mayContain("out-of-order")).isTrue();
        assertThat(filter.mayContain("too-old")).isFalse();
        filter.remember("later", 5_999); // visible from 5000: the bucket [4000, 4499] goes
        assertThat(filter.mayContain("out-of-order")).isFalse();
        assertThat(filter.mayContain("late-but-recent")).isTrue();
    }

    @Test
    void restoredIdsAreKeptWhateverTheirAgeUntilTheStreamTimeMovesOn() {
        SeenIdFilter filter = new SeenIdFilter(RETENTION);
        // What a store shows right after a restart from local state: entries far apart, its stream time unknown.
        long[][] stored = {{SeenIdFilter.hash("a"), 10}, {SeenIdFilter.hash("b"), 2_000}, {SeenIdFilter.hash("c"), 9_000}};
        filter.restore(visitor -> {
            for (long[] entry : stored) {
                visitor.visit(entry[0], entry[1]);
            }
        });
        assertThat(filter.mayContain("a")).isTrue();
        assertThat(filter.mayContain("b")).isTrue();
        assertThat(filter.mayContain("c")).isTrue();
        assertThat(filter.mayContain("d")).isFalse();
        filter.remember("d", 9_100);
        assertThat(filter.mayContain("a")).isFalse();
        assertThat(filter.mayContain("b")).isFalse();
        assertThat(filter.mayContain("c")).isTrue();
        assertThat(filter.mayContain("d")).isTrue();
    }

    @Test
    void stateStaysBoundedByTheRetentionHoweverLongTheRun() {
        SeenIdFilter filter = new SeenIdFilter(RETENTION);
        SplittableRandom random = new SplittableRandom(3);
        long maxBytes = 0;
        for (int i = 0; i < 2_000_000; i++) {
            filter.remember("id-" + random.nextLong(), i / 100L); // 100 ids per ms: 100,000 per retention
            maxBytes = Math.max(maxBytes, filter.bytes());
        }
        assertThat(filter.buckets()).isLessThanOrEqualTo(3);
        // Three buckets of half a retention (50,000 ids), each sized for a quarter more than the fullest but at least
        // the minimum; the first bucket may have grown by one more filter on top of its minimum.
        long bucket = Math.max(SeenIdFilter.MIN_BITS, 50_000 * 5 / 4 * SeenIdFilter.BITS_PER_ID) / 8;
        assertThat(maxBytes).isLessThanOrEqualTo(3 * bucket + 4 * SeenIdFilter.MIN_BITS / 8 + 64);
    }

    @Test
    void whileWarmingEveryIdMayHaveBeenSeen() {
        SeenIdFilter filter = new SeenIdFilter(RETENTION);
        filter.startWarming();
        assertThat(filter.warming()).isTrue();
        assertThat(filter.mayContain("never")).isTrue();
        filter.countRestored(10);
        filter.remember("counted", 20);
        assertThat(filter.mayContain("never")).isTrue();
        filter.sizeRestored();
        assertThat(filter.mayContain("never")).isTrue();
        filter.addRestored(SeenIdFilter.hash("stored"), 10);
        filter.addRestored(SeenIdFilter.hash("counted"), 20); // the adding pass reads it back from the store
        filter.remember("added", 30);
        assertThat(filter.mayContain("never")).isTrue();
        filter.finishWarming();
        assertThat(filter.warming()).isFalse();
        assertThat(filter.mayContain("stored")).isTrue();
        assertThat(filter.mayContain("counted")).isTrue();
        assertThat(filter.mayContain("added")).isTrue();
        assertThat(filter.mayContain("never")).isFalse();
    }

    @Test
    void bucketsAreSizedOnceFromTheCountsIncludingIdsRememberedWhileCounting() {
        SeenIdFilter filter = new SeenIdFilter(86_400_000L);
        filter.startWarming();
        for (int i = 0; i < 100_000; i++) {
            filter.countRestored(1_000L + i);
        }
        for (int i = 0; i < 50_000; i++) {
            filter.remember("while-counting-" + i, 200_000L + i);
        }
        filter.sizeRestored();
        long sized = filter.bytes();
        // One bucket, for a quarter more than the 150,000 ids counted, in whole 512-bit blocks.
        long bits = 150_000L * 5 / 4 * SeenIdFilter.BITS_PER_ID;
        assertThat(sized).isEqualTo((bits + 511) / 512 * 64);
        for (int i = 0; i < 100_000; i++) {
            filter.addRestored(SeenIdFilter.hash("stored-" + i), 1_000L + i);
        }
        for (int i = 0; i < 50_000; i++) {
            filter.addRestored(SeenIdFilter.hash("while-counting-" + i), 200_000L + i);
        }
        filter.finishWarming();
        assertThat(filter.bytes()).as("no filter added to the bucket").isEqualTo(sized);
        assertThat(filter.buckets()).isEqualTo(1);
    }

    @Test
    void noFalseNegativeAfterARebuildInterleavedWithRememberedIdsOutOfOrderAndExpiry() {
        SplittableRandom random = new SplittableRandom(17);
        for (int round = 0; round < 20; round++) {
            // A store: what was put (id, timestamp) before it was reopened.
            List<String> ids = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            long time = 1_000_000;
            for (int i = 0; i < 5_000; i++) {
                time += random.nextInt(3);
                ids.add("stored-" + round + "-" + i);
                times.add(time - (random.nextInt(8) == 0 ? random.nextInt(1_500) : 0));
            }
            SeenIdFilter filter = new SeenIdFilter(RETENTION);
            filter.startWarming();
            int stored = ids.size();
            int steps = 0;
            // The counting pass over what the store holds, ids remembered (and put) in between.
            for (int i = 0; i < stored; i++) {
                filter.countRestored(times.get(i));
                if (random.nextInt(4) == 0) {
                    time += random.nextInt(5);
                    long t = time - (random.nextInt(8) == 0 ? random.nextInt(1_500) : 0);
                    ids.add("counting-" + round + "-" + steps++);
                    times.add(t);
                    filter.remember(ids.get(ids.size() - 1), t);
                }
            }
            filter.sizeRestored();
            // The adding pass reads what the store holds when it starts, which includes the ids remembered so far.
            int readable = ids.size();
            for (int i = 0; i < readable; i++) {
                assertThat(filter.mayContain("anything-" + i)).isTrue();
                filter.addRestored(SeenIdFilter.hash(ids.get(i)), times.get(i));
                if (random.nextInt(4) == 0) {
                    time += random.nextInt(5);
                    long t = time - (random.nextInt(8) == 0 ? random.nextInt(1_500) : 0);
                    ids.add("adding-" + round + "-" + steps++);
                    times.add(t);
                    filter.remember(ids.get(ids.size() - 1), t);
                }
            }
            filter.finishWarming();
            // A store reopened for the rebuild starts its stream time again from its puts since (the remembered ids).
            long streamTime = -1;
            for (int i = stored; i < ids.size(); i++) {
                streamTime = Math.max(streamTime, times.get(i));
            }
            int visible = 0;
            for (int i = 0; i < ids.size(); i++) {
                if (times.get(i) >= streamTime - RETENTION + 1) { // what the store still shows
                    visible++;
                    assertThat(filter.mayContain(ids.get(i))).as("round %d, %s at %d", round, ids.get(i),
                            times.get(i)).isTrue();
                }
            }
            assertThat(visible).isGreaterThan(100);
        }
    }
}
