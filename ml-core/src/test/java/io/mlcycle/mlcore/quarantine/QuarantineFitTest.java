package io.mlcycle.mlcore.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.RecordHeader;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The size bound that lets {@link QuarantineFit#fit} skip encoding a small record is never below the true size. */
class QuarantineFitTest {

    @Test
    void sizeBoundIsNeverBelowTheEncodedSize() {
        SplittableRandom random = new SplittableRandom(3);
        String[] alphabets = {"abcxyz0123", "éüßñ", "日本語中文", "😀🚀"};
        for (int i = 0; i < 2_000; i++) {
            String alphabet = alphabets[random.nextInt(alphabets.length)];
            QuarantineRecord record = record(random, alphabet, random.nextInt(0, 400));
            long bound = QuarantineFit.sizeBound(record);
            int size = QuarantineFit.encodedSize(record);
            assertThat(bound).as("record %d (%s)", i, alphabet).isGreaterThanOrEqualTo(size);
            // A bound this loose would be useless: it stays within a small multiple of the size.
            assertThat(bound).isLessThan(4L * size + 400);
        }
    }

    @Test
    void aRecordUnderTheBudgetIsKeptWholeAndOneOverItIsCut() {
        SplittableRandom random = new SplittableRandom(5);
        QuarantineRecord small = record(random, "abc", 50);
        QuarantineRecord kept = QuarantineFit.fit(small, 4096);
        assertThat(kept.getOriginalValue()).isEqualTo(small.getOriginalValue());
        assertThat(kept.getOriginalTruncated()).isFalse();
        assertThat(kept.getOriginalValueSize()).isEqualTo((long) small.getOriginalValue().remaining());
        assertThat(small.getOriginalValueSize()).as("the caller's record is not changed").isNull();

        QuarantineRecord large = record(random, "abc", 20_000);
        QuarantineRecord cut = QuarantineFit.fit(large, 4096);
        assertThat(cut.getOriginalTruncated()).isTrue();
        assertThat(QuarantineFit.encodedSize(cut)).isLessThanOrEqualTo(4096);
    }

    private static QuarantineRecord record(SplittableRandom random, String alphabet, int length) {
        List<QuarantineReason> reasons = new ArrayList<>();
        int count = random.nextInt(1, 4);
        for (int r = 0; r < count; r++) {
            reasons.add(QuarantineReason.newBuilder().setCode("OUT_OF_RANGE").setField(text(random, alphabet, 8))
                    .setDetail(text(random, alphabet, length)).setValue(random.nextBoolean() ? null
                            : text(random, alphabet, 12)).build());
        }
        List<RecordHeader> headers = new ArrayList<>();
        for (int h = 0; h < random.nextInt(0, 3); h++) {
            headers.add(RecordHeader.newBuilder().setKey(text(random, alphabet, 10))
                    .setValue(random.nextBoolean() ? null : ByteBuffer.wrap(bytes(random, 20))).build());
        }
        return QuarantineRecord.newBuilder()
                .setPipeline(text(random, alphabet, 10))
                .setStage(QuarantineStage.VALIDATION)
                .setReasons(reasons)
                .setEventId(random.nextBoolean() ? null : text(random, alphabet, 20))
                .setSourceTopic("loans.data.raw")
                .setSourcePartition(random.nextInt(0, 1_000))
                .setSourceOffset(random.nextLong())
                .setOriginalKey(ByteBuffer.wrap(bytes(random, 16)))
                .setOriginalValue(ByteBuffer.wrap(bytes(random, length)))
                .setOriginalText(random.nextBoolean() ? null : text(random, alphabet, length))
                .setOriginalHeaders(headers)
                .setSpecSha256("ab".repeat(32))
                .setQuarantinedAt(Instant.ofEpochMilli(random.nextLong(0, 4_000_000_000_000L)))
                .build();
    }

    private static String text(SplittableRandom random, String alphabet, int length) {
        int[] points = alphabet.codePoints().toArray();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.appendCodePoint(points[random.nextInt(points.length)]);
        }
        return out.toString();
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }
}
