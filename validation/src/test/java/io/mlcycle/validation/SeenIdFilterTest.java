package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The duplicate store's in-memory filter: no false negatives, expiry by event time never before the store's. */
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
}
