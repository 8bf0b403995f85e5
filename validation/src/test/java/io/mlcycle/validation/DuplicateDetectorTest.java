package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
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
    private KeyValueStore<String, byte[]> epochs;

    @AfterEach
    void close() {
        closeStores();
    }

    private void closeStores() {
        if (store != null) {
            store.close();
            store = null;
        }
        if (epochs != null) {
            epochs.close();
            epochs = null;
        }
    }

    /** A restart from local state: both stores closed and opened again over their files. */
    private void reopenStores(boolean withEpochs) {
        closeStores();
        open();
        if (!withEpochs) {
            epochs.close();
            epochs = null;
        }
    }

    private DuplicateDetector checkpointed(WindowStore<String, byte[]> windows, String task) {
        return new DuplicateDetector(windows, epochs, checkpointFile(), RETENTION, task);
    }

    private Path checkpointFile() {
        return stateDir.resolve(DuplicateDetector.CHECKPOINT_FILE);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Captures the WARN lines of {@link DuplicateDetector}'s logger while open. */
    private static final class LogCapture implements AutoCloseable {
        private final ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DuplicateDetector.class);
        private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();

        LogCapture() {
            appender.start();
            logger.addAppender(appender);
        }

        List<String> warnings() {
            return appender.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
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
            closeStores();
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
            closeStores();
            clearStateDir();
        }
    }

    @Test
    void theFilterNeverChangesTheStoresVerdictThroughWarmingOutOfOrderTimesExpiryAndRestarts() {
        Replay replay = replay(false);
        assertThat(replay.reopenedWarming).as("stores reopened while their filter was warming").isPositive();
        assertThat(replay.checkedIn[0]).as("records checked while counting").isGreaterThan(1_000);
        assertThat(replay.checkedIn[1]).as("records checked while adding").isGreaterThan(1_000);
        assertThat(replay.checkedIn[2]).as("records checked once built").isGreaterThan(1_000);
    }

    @Test
    void withACheckpointVerdictsStayTheStoresThroughCleanRestartsCrashesAndWritesByAnotherInstance() {
        Replay replay = replay(true);
        assertThat(replay.loads).as("restarts that loaded the saved filter").isGreaterThan(3);
        assertThat(replay.crashes).as("restarts after a crash").isPositive();
        assertThat(replay.foreign).as("restarts after another instance wrote to the store").isPositive();
        assertThat(replay.checkedIn[2]).as("records checked with a complete filter").isGreaterThan(10_000);
    }

    /** What {@link #replay} went through. */
    private static final class Replay {
        int reopens;
        int reopenedWarming;
        int loads;
        int crashes;
        int foreign;
        final int[] checkedIn = new int[3]; // COUNT, ADD, DONE
    }

    /**
     * 40,000 records checked against the store alone (out-of-order times, expiry, quarantined records, the store
     * reopened at random, also while its filter warms, the rebuild advanced in uneven slices). With a checkpoint, a
     * reopen is a clean close (the filter saved), a crash (not saved; the stale file of an earlier save put back, as
     * if a crash had left it), or a clean close followed by another instance putting ids into the store (as if
     * restored here from the changelog) before this one starts again with its saved file.
     */
    private Replay replay(boolean checkpoint) {
        Replay replay = new Replay();
        DuplicateDetector detector = checkpoint ? checkpointed(open(), "0_0") : new DuplicateDetector(open(), RETENTION,
                "0_0");
        SplittableRandom random = new SplittableRandom(11);
        long time = 100_000;
        int duplicates = 0;
        int conflicts = 0;
        int nextReopen = 2_000 + random.nextInt(3_000);
        byte[] stale = null;
        boolean remembered = false; // by the current detector
        for (int i = 0; i < 40_000; i++) {
            time += random.nextInt(40); // 20 ms apart on average: 500 records per retention, a segment per 3,000
            long timestamp = time - (random.nextInt(10) == 0 ? random.nextInt(15_000) : 0); // some out of order
            // A quarter seen before: mostly recently (within the retention), some long ago.
            int back = random.nextInt(5) == 0 ? random.nextInt(i + 1) : random.nextInt(Math.min(i, 700) + 1);
            String id = "e-" + (random.nextInt(4) == 0 ? i - back : i);
            byte[] digest = detector.digest(bytes("v-" + (random.nextInt(3) == 0 ? 0 : id.hashCode())));
            DuplicateDetector.Verdict expected = storeVerdict(id, digest, timestamp);
            DuplicateDetector.Verdict actual = detector.check(id, digest, timestamp);
            assertThat(actual).as("record %d, id %s at %d, rebuild %s, loaded %s", i, id, timestamp,
                    detector.rebuildPhase(), detector.loadedFromCheckpoint()).isEqualTo(expected);
            replay.checkedIn[switch (detector.rebuildPhase()) {
                case "COUNT" -> 0;
                case "ADD" -> 1;
                default -> 2;
            }]++;
            if (actual == DuplicateDetector.Verdict.NEW && random.nextInt(10) != 0) { // some quarantined
                detector.remember(id, digest, timestamp);
                remembered = true;
            }
            duplicates += actual == DuplicateDetector.Verdict.DUPLICATE ? 1 : 0;
            conflicts += actual == DuplicateDetector.Verdict.CONFLICT ? 1 : 0;
            if (random.nextInt(3) == 0) { // the punctuator, a small and uneven slice at a time
                detector.rebuild(random.nextInt(40), NO_DEADLINE);
            }
            if (i == nextReopen) {
                boolean crashedAfterPuts = false;
                replay.reopenedWarming += detector.filterReady() ? 0 : 1;
                int how = checkpoint ? random.nextInt(4) : 0;
                if (how != 1) {
                    detector.close(); // a clean close: saves a complete filter
                }
                if (how == 1) {
                    replay.crashes++;
                    crashedAfterPuts = remembered;
                    if (stale != null) {
                        write(checkpointFile(), stale); // a crash after a load leaves no file; put an old one back
                    }
                } else if (checkpoint && Files.exists(checkpointFile())) {
                    stale = read(checkpointFile());
                }
                reopenStores(checkpoint);
                boolean others = how == 3;
                if (others) {
                    // Another instance runs the task from the changelog (no file there), puts ids this one will see
                    // again later, and stops; its records reach this instance's store before it starts again.
                    replay.foreign++;
                    byte[] saved = Files.exists(checkpointFile()) ? read(checkpointFile()) : null;
                    deleteQuietly(checkpointFile());
                    DuplicateDetector other = checkpointed(store, "0_0");
                    for (int k = 1; k <= 50; k++) {
                        String future = "e-" + (i + k * 7);
                        other.remember(future, other.digest(bytes("v-" + future.hashCode())), time - k);
                    }
                    other.close();
                    deleteQuietly(checkpointFile());
                    if (saved != null) {
                        write(checkpointFile(), saved);
                    }
                }
                detector = checkpoint ? checkpointed(store, "0_0") : new DuplicateDetector(store, RETENTION, "0_0");
                remembered = false;
                if (checkpoint) {
                    detector.rebuild(0, NO_DEADLINE); // the first punctuation: loads, or starts the rebuild
                    replay.loads += detector.loadedFromCheckpoint() ? 1 : 0;
                    if (others || crashedAfterPuts) {
                        assertThat(detector.loadedFromCheckpoint()).as("loaded at record %d after %s", i,
                                others ? "another instance's writes" : "a crash").isFalse();
                    }
                }
                replay.reopens++;
                // Half the time soon (the new filter still warming), else after it has likely been built.
                nextReopen = i + 1 + random.nextInt(random.nextBoolean() ? 300 : 6_000);
            }
        }
        assertThat(duplicates).isGreaterThan(300);
        assertThat(conflicts).isGreaterThan(300);
        assertThat(replay.reopens).isGreaterThan(5);
        return replay;
    }

    @Test
    void aCleanRestartLoadsTheSavedFilterInsteadOfRebuildingAndVerdictsStayTheStores() throws Exception {
        open();
        DuplicateDetector before = checkpointed(store, "0_0");
        assertThat(before.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue(); // an empty store
        for (int i = 0; i < 5_000; i++) {
            before.remember("e-" + i, before.digest(bytes("v-" + i)), 100_000L + 2L * i);
        }
        before.close();
        assertThat(checkpointFile()).exists();
        reopenStores(true);

        Visits visits = new Visits();
        DuplicateDetector after = checkpointed(visits.wrap(store), "0_0");
        assertThat(after.filterReady()).isFalse(); // nothing read in the constructor (processor init)
        assertThat(after.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
        assertThat(after.loadedFromCheckpoint()).isTrue();
        assertThat(after.filterReady()).isTrue();
        assertThat(visits.entries).as("store entries read to make the filter").isZero();
        assertThat(visits.iterators).isZero();
        assertThat(checkpointFile()).as("a checkpoint is used once").doesNotExist();

        int duplicates = 0;
        for (int i = 0; i < 5_000; i++) {
            for (String payload : new String[] {"v-" + i, "changed"}) {
                byte[] digest = after.digest(bytes(payload));
                DuplicateDetector.Verdict expected = storeVerdict("e-" + i, digest, 110_500);
                assertThat(after.check("e-" + i, digest, 110_500)).as("e-%d %s", i, payload).isEqualTo(expected);
                duplicates += expected == DuplicateDetector.Verdict.DUPLICATE ? 1 : 0;
            }
        }
        assertThat(duplicates).as("ids still within the retention").isGreaterThan(4_000);
        long iterators = visits.iterators;
        for (int i = 0; i < 5_000; i++) {
            assertThat(after.check("new-" + i, after.digest(bytes("n")), 110_500))
                    .isEqualTo(DuplicateDetector.Verdict.NEW);
        }
        assertThat(visits.iterators - iterators).as("new ids looked up in the store (false positives)")
                .isLessThan(250);
        // A late record reaching back past what the saved filter covers goes to the store, which decides.
        iterators = visits.iterators;
        assertThat(after.check("e-10", after.digest(bytes("v-10")), 95_000))
                .isEqualTo(storeVerdict("e-10", after.digest(bytes("v-10")), 95_000));
        assertThat(visits.iterators - iterators).isEqualTo(1);
        // And the loaded filter takes new ids and is saved again.
        after.remember("later", after.digest(bytes("l")), 111_000);
        after.close();
        assertThat(checkpointFile()).exists();
        reopenStores(true);
        DuplicateDetector again = checkpointed(store, "0_0");
        assertThat(again.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
        assertThat(again.loadedFromCheckpoint()).isTrue();
        assertThat(again.check("later", again.digest(bytes("l")), 111_500)).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(again.check("e-4999", again.digest(bytes("v-4999")), 111_500))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
    }

    @Test
    void anIdTheSavedFilterHadDroppedButTheReopenedStoreShowsAgainIsStillFound() {
        open();
        DuplicateDetector before = checkpointed(store, "0_0");
        before.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
        before.remember("old", before.digest(bytes("o")), 100_000);
        for (int i = 0; i < 100; i++) {
            before.remember("e-" + i, before.digest(bytes("v")), 116_000L + i);
        }
        // Stream time 116,099: "old" is below the retention, the filter has dropped its bucket, the store hides it.
        assertThat(storeVerdict("old", before.digest(bytes("o")), 101_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
        before.close();
        reopenStores(true);
        // The reopened store's stream time starts from nothing: it shows "old" again, to a late record.
        DuplicateDetector after = checkpointed(store, "0_0");
        after.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
        assertThat(after.loadedFromCheckpoint()).isTrue();
        assertThat(storeVerdict("old", after.digest(bytes("o")), 101_000))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(after.check("old", after.digest(bytes("o")), 101_000))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        // Once its new stream time passes the saved one, the store hides it again and the filter answers alone.
        after.remember("now", after.digest(bytes("n")), 116_100);
        assertThat(storeVerdict("old", after.digest(bytes("o")), 101_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
        assertThat(after.check("old", after.digest(bytes("o")), 101_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
        assertThat(after.check("e-5", after.digest(bytes("v")), 116_200))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
    }

    @Test
    void anIdTheStoreHidAtARebuildIsFoundWhenTheReopenedStoreShowsItAgain() {
        open();
        // Entries restored from the changelog, not put by a detector: the store's stream time is ahead of the
        // filter's, which the rebuild does not advance.
        store.put("old", digestOf("o"), 100_000);
        for (int i = 0; i < 100; i++) {
            store.put("e-" + i, digestOf("v"), 116_000L + i);
        }
        DuplicateDetector rebuilt = checkpointed(store, "0_0");
        assertThat(rebuilt.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
        assertThat(rebuilt.loadedFromCheckpoint()).isFalse();
        rebuilt.close();
        reopenStores(true);
        DuplicateDetector after = checkpointed(store, "0_0");
        after.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
        assertThat(after.loadedFromCheckpoint()).isTrue();
        assertThat(storeVerdict("old", digestOf("o"), 101_000)).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(after.check("old", digestOf("o"), 101_000)).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(after.check("e-7", digestOf("v"), 116_200)).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
    }

    private static byte[] digestOf(String payload) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes(payload));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSavedFilterThatDoesNotDescribeTheStoreIsIgnoredWithAWarnAndRebuilt() throws Exception {
        record Case(String name, String warning) {
        }
        for (Case c : new Case[] {
                new Case("ids put since the save", "the store changed since it was written"),
                new Case("another instance's closed epoch", "another closed one"),
                new Case("corrupted", "corrupted"),
                new Case("truncated", "truncated"),
                new Case("another task", "written for store"),
                new Case("another retention", "retention")}) {
            open();
            DuplicateDetector first = checkpointed(store, "0_0");
            first.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
            for (int i = 0; i < 3_000; i++) {
                first.remember("e-" + i, first.digest(bytes("v-" + i)), 100_000L + i);
            }
            first.close();
            byte[] saved = read(checkpointFile());
            reopenStores(true);
            Duration retention = RETENTION;
            String task = "0_0";
            switch (c.name()) {
                case "ids put since the save", "another instance's closed epoch" -> {
                    // Loaded (and deleted), more ids put, then a crash, or a clean stop whose file is elsewhere;
                    // the old file is found again.
                    DuplicateDetector second = checkpointed(store, "0_0");
                    second.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
                    assertThat(second.loadedFromCheckpoint()).isTrue();
                    for (int i = 0; i < 1_000; i++) {
                        second.remember("since-" + i, second.digest(bytes("s-" + i)), 103_000L + i);
                    }
                    if (c.name().startsWith("another")) {
                        second.close();
                    }
                    reopenStores(true);
                    write(checkpointFile(), saved);
                }
                case "corrupted" -> {
                    saved[saved.length / 2] ^= 0x10;
                    write(checkpointFile(), saved);
                }
                case "truncated" -> write(checkpointFile(), Arrays.copyOf(saved, 20));
                case "another task" -> task = "0_1";
                default -> retention = RETENTION.multipliedBy(2);
            }
            Visits visits = new Visits();
            List<String> warnings = new ArrayList<>();
            DuplicateDetector detector;
            try (LogCapture logs = new LogCapture()) {
                detector = new DuplicateDetector(visits.wrap(store), epochs, checkpointFile(), retention, task);
                assertThat(detector.rebuild(Integer.MAX_VALUE, NO_DEADLINE)).isTrue();
                warnings.addAll(logs.warnings());
            }
            assertThat(detector.loadedFromCheckpoint()).as(c.name()).isFalse();
            assertThat(detector.filterReady()).as(c.name()).isTrue();
            assertThat(visits.entries).as("%s: rebuilt from the store", c.name()).isPositive();
            assertThat(warnings).as(c.name()).anySatisfy(line -> assertThat(line)
                    .contains("checkpoint is ignored").contains(c.warning()));
            assertThat(checkpointFile()).as(c.name()).doesNotExist();
            for (int i = 0; i < 3_000; i++) {
                assertThat(detector.check("e-" + i, detector.digest(bytes("v-" + i)), 104_000))
                        .as("%s: e-%d", c.name(), i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
            }
            if (c.name().endsWith("epoch") || c.name().startsWith("ids")) {
                for (int i = 0; i < 1_000; i++) {
                    assertThat(detector.check("since-" + i, detector.digest(bytes("s-" + i)), 104_000))
                            .as("%s: since-%d", c.name(), i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
                }
            }
            detector.close();
            closeStores();
            clearStateDir();
        }
    }

    @Test
    void aDetectorThatNeverStartedLeavesTheCheckpointItFoundAndOneStillWarmingSavesNothing() throws Exception {
        open();
        DuplicateDetector first = checkpointed(store, "0_0");
        first.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
        first.remember("e-1", first.digest(bytes("v")), 100_000);
        first.close();
        byte[] saved = read(checkpointFile());
        reopenStores(true);
        checkpointed(store, "0_0").close(); // started and stopped before any punctuation or record
        assertThat(read(checkpointFile())).isEqualTo(saved);
        reopenStores(true);
        DuplicateDetector loaded = checkpointed(store, "0_0");
        loaded.rebuild(Integer.MAX_VALUE, NO_DEADLINE);
        assertThat(loaded.loadedFromCheckpoint()).isTrue();
        loaded.remember("e-2", loaded.digest(bytes("v")), 100_001);
        // A crash here, then a start whose rebuild has not finished when it stops: nothing to save.
        reopenStores(true);
        DuplicateDetector warming = checkpointed(store, "0_0");
        warming.rebuild(1, NO_DEADLINE);
        assertThat(warming.filterReady()).isFalse();
        warming.close();
        assertThat(checkpointFile()).doesNotExist();
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
        if (epochs != null) {
            epochs.close();
        }
        epochs = DuplicateDetector.epochStoreBuilder().withLoggingDisabled().build();
        epochs.init(context.getStateStoreContext(), epochs);
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
