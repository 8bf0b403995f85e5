package io.mlcycle.platform.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EventIdsTest {

    @Test
    void idsAreUuidV7InCreationOrder() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(EventIds.newTimeOrderedId());
        }

        assertThat(ids).isSorted().doesNotHaveDuplicates();
        UUID first = UUID.fromString(ids.get(0));
        assertThat(first.version()).isEqualTo(7);
        assertThat(first.variant()).isEqualTo(2);
        assertThat(ids.get(0)).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void theRandomBitsAreFreshForEveryIdAcrossManyBulkDraws() {
        Set<Long> randomBits = new java.util.HashSet<>();
        Set<Integer> variantAndTopBits = new java.util.HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            UUID id = UUID.fromString(EventIds.newTimeOrderedId());
            randomBits.add(id.getLeastSignificantBits() & 0x3FFFFFFFFFFFFFFFL);
            variantAndTopBits.add((int) (id.getLeastSignificantBits() >>> 58));
        }

        assertThat(randomBits).hasSize(10_000);
        // Bits 62 and 63 are the variant (10); the four random bits below them take every value.
        assertThat(variantAndTopBits).hasSize(16).allMatch(top -> (top >> 4) == 0b10);
    }

    @Test
    void timestampIsTheCreationMillisecond() {
        Instant before = Instant.now();
        String id = EventIds.newTimeOrderedId();

        Instant embedded = EventIds.timestampOf(id);

        assertThat(embedded).isBetween(before.minusMillis(1), Instant.now().plus(Duration.ofSeconds(1)));
    }

    @Test
    void concurrentCallersGetDistinctIds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Set<String> ids = ConcurrentHashMap.newKeySet();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        ids.add(EventIds.newTimeOrderedId());
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
            assertThat(ids).hasSize(20_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
