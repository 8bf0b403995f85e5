package io.mlcycle.cli.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Deterministic event ids for imported rows: the same file (by content) and row number always give the same id, so a
 * resumed or repeated import writes the same ids and downstream deduplication by event id recognises the repeats.
 * Not thread-safe (one per importer).
 */
final class ImportIds {

    private final byte[] fileDigest;
    // One digest reused per instance: an importer runs on one thread, and getInstance per row costs a provider lookup.
    private final MessageDigest rowDigest = newDigest();
    private final ByteBuffer rowNumberBytes = ByteBuffer.allocate(Long.BYTES);
    private final ByteBuffer hash = ByteBuffer.allocate(32);

    ImportIds(String fileSha256) {
        this.fileDigest = HexFormat.of().parseHex(fileSha256);
    }

    /** Lower-case hex SHA-256 of the file's bytes (as stored, i.e. compressed for gzip). */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The event id of a data row: the first 128 bits of SHA-256(file SHA-256 ‖ row number), shaped as an RFC 9562
     * version 8 (custom) UUID.
     */
    String eventId(long rowNumber) {
        MessageDigest digest = rowDigest;
        digest.reset();
        digest.update(fileDigest);
        digest.update(rowNumberBytes.putLong(0, rowNumber).array());
        try {
            digest.digest(hash.array(), 0, hash.capacity());
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 gives 32 bytes", e);
        }
        long most = (hash.getLong(0) & ~0xF000L) | 0x8000L;
        long least = (hash.getLong(Long.BYTES) & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

}
