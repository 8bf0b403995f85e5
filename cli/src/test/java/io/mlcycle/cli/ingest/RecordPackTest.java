package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pack gives back exactly the records added, in order, also after it grew and after it was cleared for reuse. */
class RecordPackTest {

    private record Read(int topic, Long timestamp, byte[] key, byte[] value) {
    }

    private static List<Read> read(RecordPack pack) {
        List<Read> out = new ArrayList<>();
        pack.forEach((topic, timestamp, key, value) -> out.add(new Read(topic, timestamp, key, value)));
        return out;
    }

    @Test
    void recordsComeBackInOrderWithTheirTopicTimestampKeyAndValue() {
        RecordPack pack = new RecordPack(64);
        pack.add(RecordPack.RAW, 1_700_000_000_000L, new byte[] {1, 2}, new byte[] {3});
        pack.add(RecordPack.QUARANTINE, null, new byte[0], new byte[] {4, 5, 6});
        pack.add(RecordPack.FEEDBACK, 0L, new byte[] {7}, new byte[0]);
        pack.add(RecordPack.FEEDBACK, -5L, new byte[] {8}, new byte[] {9});

        List<Read> records = read(pack);

        assertThat(pack.count()).isEqualTo(4);
        assertThat(records).extracting(Read::topic).containsExactly(RecordPack.RAW, RecordPack.QUARANTINE,
                RecordPack.FEEDBACK, RecordPack.FEEDBACK);
        assertThat(records).extracting(Read::timestamp).containsExactly(1_700_000_000_000L, null, 0L, -5L);
        assertThat(records.get(0).key()).containsExactly(1, 2);
        assertThat(records.get(0).value()).containsExactly(3);
        assertThat(records.get(1).key()).isEmpty();
        assertThat(records.get(1).value()).containsExactly(4, 5, 6);
        assertThat(records.get(2).value()).isEmpty();
        assertThat(records.get(3).value()).containsExactly(9);
    }

    @Test
    void aRecordLargerThanThePackGrowsItAndKeepsWhatWasThere() {
        RecordPack pack = new RecordPack(32);
        byte[] big = new byte[100_000];
        Arrays.fill(big, (byte) 7);
        pack.add(RecordPack.RAW, 1L, new byte[] {1}, new byte[] {2});
        pack.add(RecordPack.QUARANTINE, null, new byte[] {3}, big);
        pack.add(RecordPack.FEEDBACK, 2L, new byte[] {4}, new byte[] {5});

        List<Read> records = read(pack);

        assertThat(pack.size()).isGreaterThan(100_000);
        assertThat(records).hasSize(3);
        assertThat(records.get(0).value()).containsExactly(2);
        assertThat(records.get(1).value()).isEqualTo(big);
        assertThat(records.get(2).key()).containsExactly(4);
    }

    @Test
    void aClearedPackIsEmptyAndReusable() {
        RecordPack pack = new RecordPack(64);
        pack.add(RecordPack.RAW, 1L, new byte[] {1}, new byte[] {1});
        pack.clear();
        assertThat(pack.count()).isZero();
        assertThat(pack.size()).isZero();
        assertThat(read(pack)).isEmpty();

        pack.add(RecordPack.FEEDBACK, 9L, new byte[] {2}, new byte[] {3});
        assertThat(read(pack)).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(RecordPack.FEEDBACK);
            assertThat(r.timestamp()).isEqualTo(9L);
            assertThat(r.value()).containsExactly(3);
        });
    }

    @Test
    void theReaderGetsCopiesItOwns() {
        RecordPack pack = new RecordPack(64);
        pack.add(RecordPack.RAW, 1L, new byte[] {1}, new byte[] {2});
        byte[] first = read(pack).get(0).value();
        first[0] = 99;
        assertThat(read(pack).get(0).value()).containsExactly(2);
    }
}
