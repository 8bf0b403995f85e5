package io.mlcycle.validation;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A measurement, not a test (it asserts nothing and runs only with {@code -Dmeasure.rebuild=IDS}): the cost per stored
 * id of rebuilding the duplicate filter from a real RocksDB window store of IDS ids spread over a one-day retention.
 */
@EnabledIfSystemProperty(named = "measure.rebuild", matches = "\\d+")
class DuplicateFilterRebuildMeasure {

    private static final Logger LOG = LoggerFactory.getLogger(DuplicateFilterRebuildMeasure.class);
    private static final Duration RETENTION = Duration.ofDays(1);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @TempDir
    Path stateDir;

    @Test
    void measure() {
        int ids = Integer.parseInt(System.getProperty("measure.rebuild"));
        WindowStore<String, byte[]> store = open();
        SplittableRandom random = new SplittableRandom(5);
        byte[] digest = new byte[32];
        long start = 1_700_000_000_000L;
        long spacing = RETENTION.toMillis() / ids;
        long filled = System.nanoTime();
        for (int i = 0; i < ids; i++) {
            random.nextBytes(digest);
            store.put("event-" + Long.toHexString(random.nextLong()), digest.clone(), start + i * spacing);
        }
        LOG.info("Filled {} ids in {} ms", ids, (System.nanoTime() - filled) / 1_000_000);
        for (int round = 0; round < 4; round++) {
            boolean sliced = round % 2 == 1;
            long began = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            rebuild(store, sliced);
            long nanos = System.nanoTime() - began;
            long cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
            LOG.info("Round {} ({}): rebuilt from {} ids in {} ms ({} ms CPU): {} ns per id, {} ns CPU per id", round,
                    sliced ? "slices" : "one call, as in init before", ids, nanos / 1_000_000, cpuNanos / 1_000_000,
                    nanos / ids, cpuNanos / ids);
        }
        store.close();
    }

    private static void rebuild(WindowStore<String, byte[]> store, boolean sliced) {
        long began = System.nanoTime();
        DuplicateDetector detector = new DuplicateDetector(store, RETENTION, "measure");
        LOG.info("Init took {} µs", (System.nanoTime() - began) / 1_000);
        if (!sliced) {
            detector.rebuild(Integer.MAX_VALUE, Long.MAX_VALUE / 2);
            return;
        }
        int slices = 0;
        long longest = 0;
        long longestCpu = 0;
        boolean done = false;
        while (!done) {
            long slice = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            done = detector.rebuild(ValidationProcessor.FILTER_REBUILD_SLICE);
            longest = Math.max(longest, System.nanoTime() - slice);
            longestCpu = Math.max(longestCpu, THREADS.getCurrentThreadCpuTime() - cpu);
            slices++;
        }
        LOG.info("{} slices of {} ms each: the longest {} µs ({} µs CPU)", slices,
                ValidationProcessor.FILTER_REBUILD_SLICE.toMillis(), longest / 1_000, longestCpu / 1_000);
    }

    private WindowStore<String, byte[]> open() {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "duplicate-filter-rebuild-measure");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        File dir = stateDir.toFile();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(config, new TaskId(0, 0), dir);
        WindowStore<String, byte[]> store = DuplicateDetector.storeBuilder(RETENTION).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }
}
