package io.mlcycle.mlcore.quarantine;

import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.RecordHeader;
import io.mlcycle.mlcore.gates.ReasonCode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Fits a quarantine record under a topic's size limit, so that no record can stop a stage: a copy whose original
 * value, key, text or headers would make the produce request exceed {@code max.request.size} is still written, with
 * the originals cut, their size and SHA-256 digest kept, and a {@link ReasonCode#QUARANTINE_COPY_TRUNCATED} reason
 * saying what was cut. Shared by every service that writes quarantine records (validation for
 * {@code <p>.data.quarantine}, serving-feedback for bad {@code <p>.feedback} records).
 *
 * <p>Callers must also not copy the original Kafka headers onto the quarantine record's own headers: they are
 * already inside the value, and copying them would count them twice against the limit.
 */
public final class QuarantineFit {

    /** The producer's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    /**
     * Room kept for what surrounds the value in a produce request: the record batch and record headers, the key,
     * the 5-byte schema-registry prefix. Generous on purpose: the producer rejects on an upper-bound estimate.
     */
    static final int OVERHEAD = 16 * 1024;

    private static final int SMALLEST_CUT = 64;

    /** Built once (its construction walks the schema); a datum writer keeps no state between writes. */
    private static final SpecificDatumWriter<QuarantineRecord> WRITER = new SpecificDatumWriter<>(QuarantineRecord.class);

    private QuarantineFit() {
    }

    /** The most bytes a quarantine value may take when the producer's limit is {@code maxRequestSize}. */
    public static int valueBudget(int maxRequestSize, int keyBytes) {
        return Math.max(4 * 1024, maxRequestSize - OVERHEAD - Math.max(0, keyBytes));
    }

    /**
     * The record itself when its Avro encoding takes at most {@code maxValueBytes}, otherwise a copy with the
     * originals cut (value and text first, then headers, key and long reason details) until it fits, carrying the
     * original value's size and digest, the original headers' size, {@code original_truncated = true} and a reason
     * naming what was cut. Always sets {@code original_value_size} and {@code original_value_sha256} when the
     * record has an original value.
     */
    public static QuarantineRecord fit(QuarantineRecord record, int maxValueBytes) {
        ByteBuffer value = record.getOriginalValue();
        boolean describeValue = value != null && record.getOriginalValueSize() == null;
        boolean describeHeaders = record.getOriginalHeadersSize() == null;
        QuarantineRecord full = record;
        if (describeValue || describeHeaders) {
            // A shallow copy (the caller's record stays as it was): newBuilder(record) deep-copies every original
            // and reason, which cost more than the rest of quarantining a record.
            full = new QuarantineRecord();
            for (int i = 0; i < QuarantineRecord.getClassSchema().getFields().size(); i++) {
                full.put(i, record.get(i));
            }
            if (describeValue) {
                full.setOriginalValueSize((long) value.remaining());
                full.setOriginalValueSha256(sha256(value));
            }
            if (describeHeaders) {
                full.setOriginalHeadersSize(headersSize(record.getOriginalHeaders()));
            }
        }
        // The bound spares encoding the record only to count its bytes (the sink encodes it again) in the usual case
        // of a record far below the limit.
        if (sizeBound(full) <= maxValueBytes || encodedSize(full) <= maxValueBytes) {
            return full;
        }
        int cut = Math.max(SMALLEST_CUT, maxValueBytes / 2);
        while (true) {
            QuarantineRecord candidate = cut(full, cut, maxValueBytes);
            if (encodedSize(candidate) <= maxValueBytes || cut <= SMALLEST_CUT) {
                return candidate;
            }
            cut = Math.max(SMALLEST_CUT, cut / 2);
        }
    }

    /** A copy of {@code full} with every original and every reason text cut to at most {@code cut} bytes. */
    private static QuarantineRecord cut(QuarantineRecord full, int cut, int maxValueBytes) {
        List<String> what = new ArrayList<>();
        QuarantineRecord.Builder b = QuarantineRecord.newBuilder(full).setOriginalTruncated(true);
        ByteBuffer value = full.getOriginalValue();
        if (value != null && value.remaining() > cut) {
            b.setOriginalValue(prefix(value, cut));
            what.add("the original value (" + value.remaining() + " bytes, sha256 " + full.getOriginalValueSha256()
                    + ") was cut to its first " + cut + " bytes");
        }
        ByteBuffer key = full.getOriginalKey();
        int keyCut = Math.min(cut, 1024);
        if (key != null && key.remaining() > keyCut) {
            b.setOriginalKey(prefix(key, keyCut));
            what.add("the original key (" + key.remaining() + " bytes, sha256 " + sha256(key) + ") was cut to "
                    + keyCut + " bytes");
        }
        String text = full.getOriginalText();
        if (text != null && text.length() > cut) {
            b.setOriginalText(text.substring(0, cut));
            what.add("the original text (" + text.length() + " characters, sha256 "
                    + sha256(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))) + ") was cut to " + cut
                    + " characters");
        }
        List<RecordHeader> headers = full.getOriginalHeaders();
        long headerBytes = headersSize(headers);
        if (headerBytes > cut) {
            List<RecordHeader> kept = new ArrayList<>();
            long used = 0;
            for (RecordHeader h : headers) {
                long size = h.getKey().length() + (h.getValue() == null ? 0 : h.getValue().remaining());
                if (used + size > cut) {
                    break;
                }
                kept.add(h);
                used += size;
            }
            b.setOriginalHeaders(kept);
            what.add("only " + kept.size() + " of " + headers.size() + " original headers (" + headerBytes
                    + " bytes in all) were kept");
        }
        List<QuarantineReason> reasons = new ArrayList<>();
        for (QuarantineReason r : full.getReasons()) {
            reasons.add(QuarantineReason.newBuilder(r)
                    .setDetail(abbreviate(r.getDetail(), cut))
                    .setValue(r.getValue() == null ? null : abbreviate(r.getValue(), cut))
                    .build());
        }
        reasons.add(QuarantineReason.newBuilder()
                .setCode(ReasonCode.QUARANTINE_COPY_TRUNCATED.name())
                .setDetail("The record is too large to be quarantined whole (a quarantine record may take "
                        + maxValueBytes + " bytes): " + (what.isEmpty() ? "long reason texts were cut"
                        : String.join("; ", what)) + ".")
                .build());
        b.setReasons(reasons);
        if (full.getEventId() != null && full.getEventId().length() > 1024) {
            b.setEventId(full.getEventId().substring(0, 1024));
        }
        return b.build();
    }

    /**
     * An upper bound of {@link #encodedSize} from lengths alone, without encoding: every value is charged a union
     * branch index (at most 5 bytes) whether or not its field is a union, a string its length prefix and 3 bytes per
     * UTF-16 unit (UTF-8 never takes more), bytes their length prefix and length, a number, boolean or timestamp 10,
     * an array its block count and end marker; {@link Long#MAX_VALUE} when a value is of a type it does not know.
     */
    static long sizeBound(Object value) {
        long union = 5;
        if (value == null) {
            return union;
        }
        if (value instanceof CharSequence text) {
            return union + 5 + 3L * text.length();
        }
        if (value instanceof ByteBuffer bytes) {
            return union + 5 + bytes.remaining();
        }
        if (value instanceof byte[] bytes) {
            return union + 5 + bytes.length;
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof java.time.Instant) {
            return union + 10;
        }
        if (value instanceof Enum<?> || value instanceof org.apache.avro.generic.GenericEnumSymbol<?>) {
            return union + 5;
        }
        long total;
        if (value instanceof List<?> items) {
            total = union + 16;
            for (Object item : items) {
                total = saturatedAdd(total, sizeBound(item));
            }
            return total;
        }
        if (value instanceof org.apache.avro.generic.IndexedRecord record) {
            total = union;
            int fields = record.getSchema().getFields().size();
            for (int i = 0; i < fields; i++) {
                total = saturatedAdd(total, sizeBound(record.get(i)));
            }
            return total;
        }
        return Long.MAX_VALUE;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 || a == Long.MAX_VALUE || b == Long.MAX_VALUE ? Long.MAX_VALUE : sum;
    }

    /** Bytes the record's Avro binary encoding takes (without the 5-byte registry prefix). */
    public static int encodedSize(QuarantineRecord record) {
        CountingStream counter = new CountingStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(counter, null);
        try {
            WRITER.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (int) Math.min(Integer.MAX_VALUE, counter.count);
    }

    /** Lower-case hex SHA-256 of the remaining bytes of {@code bytes} (position unchanged). */
    /** "N bytes, SHA-256 X": how a detail names an input too large to quote. */
    public static String describe(byte[] bytes) {
        byte[] b = bytes == null ? new byte[0] : bytes;
        return b.length + " bytes, SHA-256 " + sha256(ByteBuffer.wrap(b));
    }

    public static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes.duplicate());
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static long headersSize(List<RecordHeader> headers) {
        long size = 0;
        for (RecordHeader h : headers) {
            size += h.getKey().length() + (h.getValue() == null ? 0 : h.getValue().remaining());
        }
        return size;
    }

    private static ByteBuffer prefix(ByteBuffer bytes, int length) {
        ByteBuffer copy = bytes.duplicate();
        copy.limit(copy.position() + length);
        ByteBuffer out = ByteBuffer.allocate(length);
        out.put(copy).flip();
        return out;
    }

    private static String abbreviate(String text, int max) {
        int limit = Math.max(16, Math.min(max, 4096));
        return text.length() <= limit ? text : text.substring(0, limit - 3) + "...";
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
