package io.mlcycle.serving;

import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.platform.lifecycle.EventIds;
import java.util.Arrays;

/**
 * Serving's minimal way to fit an oversized input into a quarantine record that the producer can still write: the
 * original key and value are cut to a bounded prefix and the event id to {@link EventIds#MAX_LENGTH} characters,
 * and the detail names the original size and SHA-256 so the record can still be identified. (The validation service
 * builds the general helper for the same problem; the two are meant to be unified into one.)
 */
final class OversizedQuarantine {
    static final int KEPT_KEY_BYTES = 1024;
    static final int KEPT_VALUE_BYTES = 64 * 1024;

    private OversizedQuarantine() {
    }

    /** The source with its key and value cut to the kept prefix; unchanged when both already fit. */
    static Records.Source fit(Records.Source source) {
        if (source == null || (length(source.key()) <= KEPT_KEY_BYTES && length(source.value()) <= KEPT_VALUE_BYTES)) {
            return source;
        }
        return new Records.Source(source.topic(), source.partition(), source.offset(),
                prefix(source.key(), KEPT_KEY_BYTES), prefix(source.value(), KEPT_VALUE_BYTES), source.headers());
    }

    /** An event id short enough to be a key, marked when cut; null stays null. */
    static String fitEventId(String eventId) {
        if (eventId == null || eventId.length() <= EventIds.MAX_LENGTH) {
            return eventId;
        }
        return eventId.substring(0, EventIds.MAX_LENGTH - 1) + "…";
    }

    /** "N bytes, SHA-256 X": how the detail of a cut record names what was cut. */
    static String describe(byte[] bytes) {
        return length(bytes) + " bytes, SHA-256 " + ModelArtifacts.sha256(bytes == null ? new byte[0] : bytes);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static byte[] prefix(byte[] bytes, int max) {
        return bytes == null || bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
    }
}
