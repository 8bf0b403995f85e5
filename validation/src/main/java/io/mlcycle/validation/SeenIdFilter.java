package io.mlcycle.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory membership filter in front of the duplicate store ({@link DuplicateDetector}): answers "this event id
 * may have been remembered" or "it certainly was not", so that the store is read only for ids that may be in it.
 * Almost every id is new, and the store's windowed fetch (a RocksDB iterator per segment over twice the retention) was
 * the largest cost of validating a record after sending it.
 *
 * <p>Why verdicts cannot change: a "certainly not" is given only when no entry for the id can be visible in the store,
 * and every "may" still goes to the store, which decides NEW, DUPLICATE or CONFLICT as before. The filter holds every id
 * the detector put into the store, and every id found in the store when the task started (restored from the changelog
 * after a crash or a migration); Bloom filters have no false negatives. That rebuild is done a bounded slice at a
 * time ({@link #startWarming}); until it is complete the filter answers "may" for every id. It forgets ids only by
 * event time, like the store and never before it: the store hides an entry whose timestamp is below its stream time
 * minus the retention plus one, its stream time being the highest timestamp put into (or restored to) it since it was
 * opened; the filter's stream time is the highest timestamp {@link #remember remembered}, which the store also saw, so
 * it is never ahead of the store's, and the filter drops a time bucket only once all of it is below that bound.
 *
 * <p>Bounded like the store: ids are kept in blocked Bloom filters, one per half retention of event time (the store's
 * segment interval), three live at once. A bucket is sized, when it opens, for a quarter more ids than the fullest live
 * bucket holds (at {@value #BITS_PER_ID} bits per id, at least 128 KiB) and grows by adding filters when more come, up
 * to 8 MiB; more ids than that only raise the false positive rate, which costs store reads, never a verdict. An idle
 * task holds 384 KiB; at 10 validated records a second on a task and a one-day retention, about 2.5 MB of heap; from
 * about 100 a second on, the cap, 24 MiB per task.
 *
 * <p>One instance per stream task's processor, used by its single thread; not thread-safe.
 */
final class SeenIdFilter {

    /** Bloom bits per expected id: with 6 probes into a 512-bit block, about 1% false positives per bucket. */
    static final int BITS_PER_ID = 12;
    /**
     * 128 KiB, about 87,000 ids: a lookup probes every filter of every live bucket (a cache miss each), so a first
     * bucket that grew from a small guess by several filters cost measurably (3.5% of the stream thread with five).
     */
    static final long MIN_BITS = 1L << 20;
    /** 8 MiB per bucket at most. */
    static final long MAX_BITS = 1L << 26;
    private static final int BLOCK_LONGS = 8;
    private static final int PROBES = 6;

    private final long retentionMs;
    private final long bucketMs;
    /** Live buckets, oldest first. */
    private final List<Bucket> buckets = new ArrayList<>();
    private long streamTime = -1;
    /** True from {@link #startWarming} to {@link #finishWarming}: the filter is being rebuilt and answers "may". */
    private boolean warming;
    /** Entries per bucket while a rebuild counts them, else {@code null}. */
    private BucketCounts counts;

    SeenIdFilter(long retentionMs) {
        if (retentionMs <= 0) {
            throw new IllegalArgumentException("the retention must be positive: " + retentionMs);
        }
        this.retentionMs = retentionMs;
        this.bucketMs = Math.max(1, retentionMs / 2);
    }

    /** Whether {@code eventId} may have been remembered: {@code false} only when the store cannot hold it. */
    boolean mayContain(String eventId) {
        if (warming) {
            return true;
        }
        long hash = hash(eventId);
        long probes = probes(hash);
        for (int i = 0; i < buckets.size(); i++) {
            if (buckets.get(i).mayContain(hash, probes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds an id the detector has just put into the store at {@code timestamp}; advances the stream time. While a
     * rebuild counts the store's entries, the id is only counted: the adding phase reads it back from the store.
     */
    void remember(String eventId, long timestamp) {
        if (timestamp > streamTime) {
            streamTime = timestamp;
            expire();
        }
        if (counts != null) {
            countRestored(timestamp);
        } else {
            add(hash(eventId), timestamp);
        }
    }

    /**
     * Starts a rebuild from the store (a task start): until {@link #finishWarming} every id {@link #mayContain may have
     * been seen}, so the store decides every verdict (slower, never wrong). Then, in two phases driven by the caller a
     * bounded number of entries at a time: {@link #countRestored} for every entry of the store (a few counters per
     * bucket, whatever the store's size), {@link #sizeRestored} to make each bucket once for the fullest one, and
     * {@link #addRestored} for every entry again. Nothing per entry is held in between.
     *
     * <p>Ids {@link #remember remembered} while counting are counted, not added: the caller must visit, in the adding
     * phase, every entry the store holds when that phase begins, which includes them (a filter does not keep a list of
     * them). Ids remembered once the buckets are sized are added directly. The stream time advances with remembered
     * ids as usual; restored entries never advance it (the store's own is not known here: after a restart from local
     * state it starts again from nothing until the next put), and holding more than the store shows is safe.
     */
    void startWarming() {
        buckets.clear();
        counts = new BucketCounts();
        warming = true;
    }

    /** Whether a rebuild is under way (every id may have been seen). */
    boolean warming() {
        return warming;
    }

    /** Counts one stored entry's bucket (the rebuild's first phase); a restart of the phase starts the counts again. */
    void countRestored(long timestamp) {
        counts.count(bucketOf(timestamp));
    }

    /** Forgets the counts so far, for a counting phase started again from the store's first entry. */
    void restartCounting() {
        counts = new BucketCounts();
    }

    /** Ends the counting phase: makes each counted bucket once, for a quarter more ids than the fullest one holds. */
    void sizeRestored() {
        sizeBuckets(counts.indexes, counts.counts, counts.used);
        counts = null;
        expire();
    }

    /** Adds one stored entry, visited as ({@link #hash} of the id, timestamp), in the rebuild's second phase. */
    void addRestored(long hash, long timestamp) {
        add(hash, timestamp);
    }

    /** Ends the rebuild: from now on "certainly not" is answered for ids in no bucket. */
    void finishWarming() {
        if (counts != null) {
            throw new IllegalStateException("the buckets were not sized: sizeRestored() before finishWarming()");
        }
        warming = false;
    }

    /** The ids found in a store, visited as ({@link #hash} of the id, timestamp); visiting may be done twice. */
    interface StoredIds {
        void forEach(Visitor visitor);

        interface Visitor {
            void visit(long hash, long timestamp);
        }
    }

    /**
     * A whole rebuild in one call (for tests): {@link #startWarming}, both phases over {@code stored},
     * {@link #finishWarming}.
     */
    void restore(StoredIds stored) {
        startWarming();
        stored.forEach((hash, timestamp) -> countRestored(timestamp));
        sizeRestored();
        stored.forEach(this::addRestored);
        finishWarming();
    }

    /** Entries per bucket index: a few buckets (the store's live segments), so a linear search over arrays. */
    private static final class BucketCounts {
        long[] indexes = new long[8];
        long[] counts = new long[8];
        int used;

        void count(long index) {
            for (int i = 0; i < used; i++) {
                if (indexes[i] == index) {
                    counts[i]++;
                    return;
                }
            }
            if (used == indexes.length) {
                indexes = java.util.Arrays.copyOf(indexes, used * 2);
                counts = java.util.Arrays.copyOf(counts, used * 2);
            }
            indexes[used] = index;
            counts[used] = 1;
            used++;
        }
    }

    private void sizeBuckets(long[] indexes, long[] counts, int used) {
        long fullest = 0;
        for (int i = 0; i < used; i++) {
            fullest = Math.max(fullest, counts[i]);
        }
        for (int i = 0; i < used; i++) {
            if (bucketIndex(indexes[i]) < 0 && (indexes[i] + 1) * bucketMs - 1 >= visibleFrom()) {
                insertBucket(new Bucket(indexes[i], fullest + fullest / 4));
            }
        }
    }

    /** Live buckets (for tests). */
    int buckets() {
        return buckets.size();
    }

    /** Bytes of all live buckets' bits (for tests). */
    long bytes() {
        return buckets.stream().mapToLong(b -> b.bits() / Long.SIZE * Long.BYTES).sum();
    }

    private long bucketOf(long timestamp) {
        return Math.floorDiv(timestamp, bucketMs);
    }

    private void add(long hash, long timestamp) {
        if (timestamp < visibleFrom()) {
            return; // the store drops or hides it too
        }
        long index = bucketOf(timestamp);
        int at = bucketIndex(index);
        Bucket bucket;
        if (at >= 0) {
            bucket = buckets.get(at);
        } else {
            long fullest = 0;
            for (Bucket b : buckets) {
                fullest = Math.max(fullest, b.count);
            }
            bucket = new Bucket(index, fullest + fullest / 4);
            insertBucket(bucket);
        }
        bucket.add(hash, probes(hash));
    }

    /** The lowest timestamp the store can still show, by the filter's (never later) stream time. */
    private long visibleFrom() {
        return streamTime - retentionMs + 1;
    }

    private void expire() {
        long visibleFrom = visibleFrom();
        while (!buckets.isEmpty() && (buckets.get(0).index + 1) * bucketMs - 1 < visibleFrom) {
            buckets.remove(0);
        }
    }

    private int bucketIndex(long index) {
        for (int i = buckets.size() - 1; i >= 0; i--) {
            if (buckets.get(i).index == index) {
                return i;
            }
        }
        return -1;
    }

    private void insertBucket(Bucket bucket) {
        int i = buckets.size();
        while (i > 0 && buckets.get(i - 1).index > bucket.index) {
            i--;
        }
        buckets.add(i, bucket);
    }

    /** A 64-bit hash of the id's characters (FNV-style per char, then MurmurHash3's finaliser to spread the bits). */
    static long hash(String id) {
        long h = 0xcbf29ce484222325L ^ id.length();
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        return mix(h);
    }

    /** The bits that place an id's probes inside its block, independent of those that choose the block. */
    private static long probes(long hash) {
        return mix(hash ^ 0x9e3779b97f4a7c15L);
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * The ids of one bucket of event time, in one or more blocked Bloom filters: a filter's {@value #PROBES} probes for
     * one id all fall in one 512-bit block (one cache line), so a lookup costs one memory access per filter. When the
     * last filter holds the ids it was sized for, a new one four times its size takes the next ids (a scalable Bloom
     * filter), so a first bucket sized on a guess, or a rate that grows, does not saturate it; in a steady rate a
     * bucket keeps to one filter, sized from the previous buckets.
     */
    private static final class Bucket {
        final long index;
        private Bloom[] filters;
        private long count;

        Bucket(long index, long expectedIds) {
            this.index = index;
            this.filters = new Bloom[] {new Bloom(expectedIds)};
        }

        void add(long hash, long probes) {
            Bloom last = filters[filters.length - 1];
            if (last.count >= last.capacity && bits() < MAX_BITS) {
                last = new Bloom(Math.min(last.capacity * 4, (MAX_BITS - bits()) / BITS_PER_ID));
                filters = java.util.Arrays.copyOf(filters, filters.length + 1);
                filters[filters.length - 1] = last;
            }
            last.add(hash, probes);
            count++;
        }

        boolean mayContain(long hash, long probes) {
            for (Bloom filter : filters) {
                if (filter.mayContain(hash, probes)) {
                    return true;
                }
            }
            return false;
        }

        long bits() {
            long bits = 0;
            for (Bloom filter : filters) {
                bits += (long) filter.words.length * Long.SIZE;
            }
            return bits;
        }
    }

    /** One blocked Bloom filter sized for {@code capacity} ids at {@value #BITS_PER_ID} bits each. */
    private static final class Bloom {
        final long[] words;
        final long blocks;
        final long capacity;
        long count;

        Bloom(long expectedIds) {
            long bits = Math.min(MAX_BITS, Math.max(MIN_BITS, expectedIds * BITS_PER_ID));
            this.blocks = (bits + BLOCK_LONGS * Long.SIZE - 1) / (BLOCK_LONGS * Long.SIZE);
            this.words = new long[(int) blocks * BLOCK_LONGS];
            this.capacity = blocks * BLOCK_LONGS * Long.SIZE / BITS_PER_ID;
        }

        void add(long hash, long probes) {
            int base = block(hash);
            for (int p = 0; p < PROBES; p++, probes >>>= 9) {
                words[base + (int) (probes & 7)] |= 1L << ((probes >>> 3) & 63);
            }
            count++;
        }

        boolean mayContain(long hash, long probes) {
            int base = block(hash);
            for (int p = 0; p < PROBES; p++, probes >>>= 9) {
                if ((words[base + (int) (probes & 7)] & (1L << ((probes >>> 3) & 63))) == 0) {
                    return false;
                }
            }
            return true;
        }

        /** The first word of the hash's block: the top 32 bits scaled to the number of blocks. */
        private int block(long hash) {
            return (int) (((hash >>> 32) * blocks) >>> 32) * BLOCK_LONGS;
        }
    }
}
