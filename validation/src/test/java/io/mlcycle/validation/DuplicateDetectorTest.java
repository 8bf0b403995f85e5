package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The duplicate gate over a real RocksDB window store: its verdicts with the in-memory filter in front are those of
 * the store alone, while the filter is being rebuilt and after, including after the store is reopened (a restart from
 * local state), across expiry and across store segments dropped in the middle of a rebuild; and a processor init
 * reads nothing from the store, whatever its size.
 */
class DuplicateDetectorTest {

    private static final Duration RETENTION = Duration.ofSeconds(10);
    /** Kafka Streams' segment interval for this retention: max(retention / 2, 60 s). */
    private static final long SEGMENT_MS = 60_000;
    private static final long NO_DEADLINE = Long.MAX_VALUE / 2;

    @TempDir
    Path stateDir;

    private WindowStore<String, byte[]> store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void newThenDuplicateThenConflictWhileWarmingAndOnceBuilt() {
        DuplicateDetector detector = new DuplicateDetector(open(), RETENTION, "0_0");
        byte[] first = detector.digest(bytes("payload"));
        assertThat(detector.filterReady()).isFalse();
        assertThat(detector.check("e-1", first, 1_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
        detector.remember("e-1", first, 1_000);
        assertThat(detector.check("e-1", detector.digest(bytes("payload")), 2_000))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(detector.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
        assertThat(detector.filterReady()).isTrue();
        assertThat(detector.check("e-1", detector.digest(bytes("payload")), 2_000))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(detector.check("e-1", detector.digest(bytes("other")), 2_000))
                .isEqualTo(DuplicateDetector.Verdict.CONFLICT);
        assertThat(detector.check("e-2", first, 2_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
    }

    @Test
    void anIdValidatedBeforeARestartIsStillADuplicateAfterItWhileWarmingAndOnceBuilt() {
        DuplicateDetector before = new DuplicateDetector(open(), RETENTION, "0_0");
        for (int i = 0; i < 1_000; i++) {
            before.remember("e-" + i, before.digest(bytes("v-" + i)), 1_000L + i);
        }
        store.close();
        // A new store instance over the same files, as after a crash: its stream time starts from nothing again.
        DuplicateDetector after = new DuplicateDetector(open(), RETENTION, "0_0");
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 1_000; i++) {
                assertThat(after.check("e-" + i, after.digest(bytes("v-" + i)), 5_000))
                        .as("e-%d", i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
                assertThat(after.check("e-" + i, after.digest(bytes("changed")), 5_000))
                        .as("e-%d", i).isEqualTo(DuplicateDetector.Verdict.CONFLICT);
            }
            assertThat(after.check("e-1000", after.digest(bytes("v-1000")), 5_000))
                    .isEqualTo(DuplicateDetector.Verdict.NEW);
            assertThat(after.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
        }
        assertThat(after.filterReady()).isTrue();
    }

    @Test
    void initVisitsNoStoreEntryAndEachRebuildStepAtMostItsBudgetWhateverTheStoreSize() {
        for (int size : new int[] {0, 3_000, 30_000}) {
            WindowStore<String, byte[]> filled = open();
            byte[] digest = new byte[32];
            for (int i = 0; i < size; i++) {
                filled.put("e-" + i, digest, 1_000L + i / 10);
            }
            filled.close();
            Visits visits = new Visits();
            DuplicateDetector detector = new DuplicateDetector(visits.wrap(open()), RETENTION, "0_" + size);
            assertThat(visits.entries).as("entries visited by init, store of %d", size).isZero();
            assertThat(visits.iterators).as("iterators opened by init, store of %d", size).isZero();
            int steps = 0;
            boolean done = false;
            while (!done) {
                long before = visits.entries;
                done = detector.rebuild(100, NO_DEADLINE);
                assertThat(visits.entries - before).as("entries visited by one step").isLessThanOrEqualTo(100);
                steps++;
            }
            // Two passes over the store, each entry once: the store's size decides the steps, not one step's work.
            assertThat(visits.entries).isEqualTo(2L * size);
            assertThat(steps).isGreaterThanOrEqualTo(2 * size / 100);
            assertThat(detector.filterReady()).isTrue();
            detector.close();
            store.close();
            store = null;
            clearStateDir();
        }
    }

    @Test
    void aStepStopsAtItsDeadline() {
        WindowStore<String, byte[]> filled = open();
        for (int i = 0; i < 5_000; i++) {
            filled.put("e-" + i, new byte[32], 1_000L + i);
        }
        Visits visits = new Visits();
        DuplicateDetector detector = new DuplicateDetector(visits.wrap(filled), RETENTION, "0_0");
        // A deadline already past: the step stops at its first look at the clock, a bounded number of entries in.
        assertThat(detector.rebuild(Integer.MAX_VALUE, System.nanoTime() - 1)).isFalse();
        assertThat(visits.entries).isPositive().isLessThan(5_000);
        assertThat(detector.filterReady()).isFalse();
    }

    @Test
    void idsRememberedInEitherPassEndUpInTheFilter() {
        DuplicateDetector seed = new DuplicateDetector(open(), RETENTION, "0_0");
        for (int i = 0; i < 2_000; i++) {
            seed.remember("stored-" + i, seed.digest(bytes("s-" + i)), 10_000L + i);
        }
        store.close();
        DuplicateDetector detector = new DuplicateDetector(open(), RETENTION, "0_0");
        detector.rebuild(500, NO_DEADLINE); // a quarter into the counting pass
        assertThat(detector.rebuildPhase()).isEqualTo("COUNT");
        for (int i = 0; i < 500; i++) {
            detector.remember("while-counting-" + i, detector.digest(bytes("c-" + i)), 11_000L + i);
        }
        detector.rebuild(3_000, NO_DEADLINE); // the rest of the counting pass and into the adding one
        assertThat(detector.rebuildPhase()).isEqualTo("ADD");
        for (int i = 0; i < 500; i++) {
            detector.remember("while-adding-" + i, detector.digest(bytes("a-" + i)), 11_500L + i);
        }
        assertThat(detector.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
        assertThat(detector.filterReady()).isTrue();
        for (int i = 0; i < 500; i++) {
            assertThat(detector.check("while-counting-" + i, detector.digest(bytes("c-" + i)), 12_000))
                    .as("while-counting-%d", i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
            assertThat(detector.check("while-adding-" + i, detector.digest(bytes("a-" + i)), 12_000))
                    .as("while-adding-%d", i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        }
        for (int i = 0; i < 2_000; i++) {
            assertThat(detector.check("stored-" + i, detector.digest(bytes("s-" + i)), 12_000))
                    .as("stored-%d", i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        }
    }

    @Test
    void aSegmentDroppedInTheMiddleOfEitherPassIsSkippedWithoutAWrongVerdict() {
        for (String dropIn : new String[] {"COUNT", "ADD"}) {
            // Segment 1 [60 s, 120 s) and segment 2 [120 s, 180 s) of the store.
            WindowStore<String, byte[]> filled = open();
            DuplicateDetector seed = new DuplicateDetector(filled, RETENTION, "seed");
            for (int i = 0; i < 2_000; i++) {
                seed.remember("old-" + i, seed.digest(bytes("o-" + i)), SEGMENT_MS + 40_000 + i * 10L);
                seed.remember("new-" + i, seed.digest(bytes("n-" + i)), 2 * SEGMENT_MS + i * 5L);
            }
            filled.close();
            DuplicateDetector detector = new DuplicateDetector(open(), RETENTION, "0_0");
            int into = dropIn.equals("COUNT") ? 100 : 4_000 + 100; // 100 entries into segment 1 of the pass
            assertThat(detector.rebuild(into, NO_DEADLINE)).isFalse();
            assertThat(detector.rebuildPhase()).isEqualTo(dropIn);
            // Stream time 135 s: segment 1 is dropped (closed and deleted) under the open iterator.
            detector.remember("later", detector.digest(bytes("l")), 135_000);
            assertThat(detector.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
            assertThat(detector.filterReady()).isTrue();
            int duplicates = 0;
            for (int i = 0; i < 2_000; i++) {
                for (String id : new String[] {"old-" + i, "new-" + i}) {
                    byte[] digest = detector.digest(bytes(id.charAt(0) + "-" + i));
                    DuplicateDetector.Verdict expected = storeVerdict(id, digest, 135_000);
                    assertThat(detector.check(id, digest, 135_000)).as("%s, drop in %s", id, dropIn)
                            .isEqualTo(expected);
                    duplicates += expected == DuplicateDetector.Verdict.DUPLICATE ? 1 : 0;
                }
            }
            // Visible from 125,001: new-1001 to new-1999.
            assertThat(duplicates).as("drop in %s", dropIn).isEqualTo(999);
            assertThat(detector.check("later", detector.digest(bytes("l")), 135_000))
                    .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
            detector.close();
            store.close();
            store = null;
            clearStateDir();
        }
    }

    @Test
    void theFilterNeverChangesTheStoresVerdictThroughWarmingOutOfOrderTimesExpiryAndRestarts() {
        DuplicateDetector detector = new DuplicateDetector(open(), RETENTION, "0_0");
        SplittableRandom random = new SplittableRandom(11);
        long time = 100_000;
        int duplicates = 0;
        int conflicts = 0;
        int[] checkedIn = new int[3]; // COUNT, ADD, DONE
        int reopens = 0;
        int reopenedWarming = 0;
        int nextReopen = 2_000 + random.nextInt(3_000);
        for (int i = 0; i < 40_000; i++) {
            time += random.nextInt(40); // 20 ms apart on average: 500 records per retention, a segment per 3,000
            long timestamp = time - (random.nextInt(10) == 0 ? random.nextInt(15_000) : 0); // some out of order
            // A quarter seen before: mostly recently (within the retention), some long ago.
            int back = random.nextInt(5) == 0 ? random.nextInt(i + 1) : random.nextInt(Math.min(i, 700) + 1);
            String id = "e-" + (random.nextInt(4) == 0 ? i - back : i);
            byte[] digest = detector.digest(bytes("v-" + (random.nextInt(3) == 0 ? 0 : id.hashCode())));
            DuplicateDetector.Verdict expected = storeVerdict(id, digest, timestamp);
            DuplicateDetector.Verdict actual = detector.check(id, digest, timestamp);
            assertThat(actual).as("record %d, id %s at %d, rebuild %s", i, id, timestamp, detector.rebuildPhase())
                    .isEqualTo(expected);
            checkedIn[switch (detector.rebuildPhase()) {
                case "COUNT" -> 0;
                case "ADD" -> 1;
                default -> 2;
            }]++;
            if (actual == DuplicateDetector.Verdict.NEW && random.nextInt(10) != 0) { // some quarantined
                detector.remember(id, digest, timestamp);
            }
            duplicates += actual == DuplicateDetector.Verdict.DUPLICATE ? 1 : 0;
            conflicts += actual == DuplicateDetector.Verdict.CONFLICT ? 1 : 0;
            if (random.nextInt(3) == 0) { // the punctuator, a small and uneven slice at a time
                detector.rebuild(random.nextInt(40), NO_DEADLINE);
            }
            if (i == nextReopen) {
                reopenedWarming += detector.filterReady() ? 0 : 1;
                detector.close();
                store.close();
                detector = new DuplicateDetector(open(), RETENTION, "0_0");
                reopens++;
                // Half the time soon (the new filter still warming), else after it has likely been built.
                nextReopen = i + 1 + random.nextInt(random.nextBoolean() ? 300 : 6_000);
            }
        }
        assertThat(duplicates).isGreaterThan(300);
        assertThat(conflicts).isGreaterThan(300);
        assertThat(reopens).isGreaterThan(5);
        assertThat(reopenedWarming).as("stores reopened while their filter was warming").isPositive();
        assertThat(checkedIn[0]).as("records checked while counting").isGreaterThan(1_000);
        assertThat(checkedIn[1]).as("records checked while adding").isGreaterThan(1_000);
        assertThat(checkedIn[2]).as("records checked once built").isGreaterThan(1_000);
    }

    /** The verdict of the store alone: the detector's fetch without a filter. */
    private DuplicateDetector.Verdict storeVerdict(String id, byte[] digest, long timestamp) {
        DuplicateDetector.Verdict verdict = DuplicateDetector.Verdict.NEW;
        try (WindowStoreIterator<byte[]> seen = store.fetch(id, Math.max(0, timestamp - RETENTION.toMillis()),
                timestamp + RETENTION.toMillis())) {
            while (seen.hasNext()) {
                if (Arrays.equals(seen.next().value, digest)) {
                    return DuplicateDetector.Verdict.DUPLICATE;
                }
                verdict = DuplicateDetector.Verdict.CONFLICT;
            }
        }
        return verdict;
    }

    private WindowStore<String, byte[]> open() {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "duplicate-detector-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        File dir = stateDir.toFile();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(config, new TaskId(0, 0), dir);
        store = DuplicateDetector.storeBuilder(RETENTION).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private void clearStateDir() {
        File[] files = stateDir.toFile().listFiles();
        if (files != null) {
            for (File file : files) {
                deleteRecursively(file);
            }
        }
    }

    private static void deleteRecursively(File file) {
        File[] children = file.listFiles();
        if (children != null) {
            for (File child : children) {
                deleteRecursively(child);
            }
        }
        assertThat(file.delete() || !file.exists()).isTrue();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Counts the iterators a store hands out and the entries read through them (a pass-through otherwise). */
    private static final class Visits {
        long iterators;
        long entries;

        @SuppressWarnings("unchecked")
        WindowStore<String, byte[]> wrap(WindowStore<String, byte[]> real) {
            return (WindowStore<String, byte[]>) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {WindowStore.class}, (proxy, method, args) -> {
                        Object result = invoke(real, method, args);
                        if (result instanceof KeyValueIterator<?, ?> iterator) {
                            iterators++;
                            return counting(iterator, result instanceof WindowStoreIterator<?>
                                    ? WindowStoreIterator.class : KeyValueIterator.class);
                        }
                        return result;
                    });
        }

        private Object counting(Object iterator, Class<?> type) {
            return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                    (proxy, method, args) -> {
                        if (method.getName().equals("next")) {
                            entries++;
                        }
                        return invoke(iterator, method, args);
                    });
        }

        private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
