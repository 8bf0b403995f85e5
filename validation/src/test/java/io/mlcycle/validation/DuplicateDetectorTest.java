package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The duplicate gate over a real RocksDB window store: its verdicts with the in-memory filter in front are those of
 * the store alone, including after the store is reopened (a restart from local state) and across expiry.
 */
class DuplicateDetectorTest {

    private static final Duration RETENTION = Duration.ofSeconds(10);

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
    void newThenDuplicateThenConflict() {
        DuplicateDetector detector = new DuplicateDetector(open(), RETENTION);
        byte[] first = detector.digest(bytes("payload"));
        assertThat(detector.check("e-1", first, 1_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
        detector.remember("e-1", first, 1_000);
        assertThat(detector.check("e-1", detector.digest(bytes("payload")), 2_000))
                .isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
        assertThat(detector.check("e-1", detector.digest(bytes("other")), 2_000))
                .isEqualTo(DuplicateDetector.Verdict.CONFLICT);
        assertThat(detector.check("e-2", first, 2_000)).isEqualTo(DuplicateDetector.Verdict.NEW);
    }

    @Test
    void anIdValidatedBeforeARestartIsStillADuplicateAfterIt() {
        DuplicateDetector before = new DuplicateDetector(open(), RETENTION);
        for (int i = 0; i < 1_000; i++) {
            before.remember("e-" + i, before.digest(bytes("v-" + i)), 1_000L + i);
        }
        store.close();
        // A new store instance over the same files, as after a crash: its stream time starts from nothing again.
        DuplicateDetector after = new DuplicateDetector(open(), RETENTION);
        for (int i = 0; i < 1_000; i++) {
            assertThat(after.check("e-" + i, after.digest(bytes("v-" + i)), 5_000))
                    .as("e-%d", i).isEqualTo(DuplicateDetector.Verdict.DUPLICATE);
            assertThat(after.check("e-" + i, after.digest(bytes("changed")), 5_000))
                    .as("e-%d", i).isEqualTo(DuplicateDetector.Verdict.CONFLICT);
        }
        assertThat(after.check("e-1000", after.digest(bytes("v-1000")), 5_000))
                .isEqualTo(DuplicateDetector.Verdict.NEW);
    }

    @Test
    void theFilterNeverChangesTheStoresVerdictThroughOutOfOrderTimesExpiryAndRestarts() {
        DuplicateDetector detector = new DuplicateDetector(open(), RETENTION);
        SplittableRandom random = new SplittableRandom(11);
        long time = 100_000;
        int duplicates = 0;
        int conflicts = 0;
        for (int i = 0; i < 20_000; i++) {
            time += random.nextInt(5); // 2 ms apart on average: 5,000 records per retention
            long timestamp = time - (random.nextInt(10) == 0 ? random.nextInt(15_000) : 0); // some out of order
            String id = "e-" + (random.nextInt(4) == 0 ? random.nextInt(i + 1) : i); // a quarter seen before
            byte[] digest = detector.digest(bytes("v-" + (random.nextInt(3) == 0 ? 0 : id.hashCode())));
            DuplicateDetector.Verdict expected = storeVerdict(id, digest, timestamp);
            DuplicateDetector.Verdict actual = detector.check(id, digest, timestamp);
            assertThat(actual).as("record %d, id %s at %d", i, id, timestamp).isEqualTo(expected);
            if (actual == DuplicateDetector.Verdict.NEW && random.nextInt(10) != 0) { // some quarantined
                detector.remember(id, digest, timestamp);
            }
            duplicates += actual == DuplicateDetector.Verdict.DUPLICATE ? 1 : 0;
            conflicts += actual == DuplicateDetector.Verdict.CONFLICT ? 1 : 0;
            if (i % 5_000 == 4_999) {
                store.close();
                detector = new DuplicateDetector(open(), RETENTION);
            }
        }
        assertThat(duplicates).isGreaterThan(100);
        assertThat(conflicts).isGreaterThan(100);
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

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
