package io.mlcycle.validation;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Duplicates by event id within the spec's retention ({@code gates.duplicates.retention}, default one day), in a
 * changelogged RocksDB window store whose old segments are dropped: memory and disk stay bounded by the retention
 * times the rate, however long the run. The store keeps the SHA-256 of the value of each event that was validated
 * (not of quarantined ones, so that a quarantined record replayed after a spec fix is not taken for a duplicate):
 * the same id with the same payload again is a duplicate and dropped (counted); with a different payload it is a
 * conflict and quarantined, never dropped. Raw records are keyed by event id, so one id always meets its task.
 *
 * <p>Almost every id is new, so the store is read only when the task's {@link SeenIdFilter} says the id may be in it
 * (a windowed fetch opens a RocksDB iterator per segment it spans); the filter is rebuilt from the store whenever the
 * processor is initialised, that is after every restore, so that verdicts do not depend on the filter.
 */
final class DuplicateDetector {

    static final String STORE = "duplicates-by-event-id";
    private static final Logger LOG = LoggerFactory.getLogger(DuplicateDetector.class);

    enum Verdict { NEW, DUPLICATE, CONFLICT }

    private final WindowStore<String, byte[]> store;
    private final Duration retention;
    /** One instance per stream task's processor (a single thread), reused for every record. */
    private final MessageDigest sha256 = newSha256();
    private final SeenIdFilter seen;

    /** A detector over {@code store}, whose filter it fills from the store's entries (two passes over the store). */
    DuplicateDetector(WindowStore<String, byte[]> store, Duration retention) {
        this.store = store;
        this.retention = retention;
        this.seen = new SeenIdFilter(retention.toMillis());
        long started = System.nanoTime();
        long[] entries = {0};
        // Two passes over the store (count per bucket, then add): nothing per stored id is held in between.
        seen.restore(visitor -> {
            long n = 0;
            try (KeyValueIterator<Windowed<String>, byte[]> all = store.all()) {
                while (all.hasNext()) {
                    Windowed<String> key = all.next().key;
                    visitor.visit(SeenIdFilter.hash(key.key()), key.window().start());
                    n++;
                }
            }
            entries[0] = n;
        });
        long n = entries[0];
        LOG.info("Duplicate filter of store {} filled from {} stored event id(s) in {} ms ({} bytes)", store.name(), n,
                (System.nanoTime() - started) / 1_000_000, seen.bytes());
    }

    static StoreBuilder<WindowStore<String, byte[]>> storeBuilder(Duration retention) {
        // The changelog rolls a segment per retention (the broker rolls by record timestamps), so that closed
        // segments expire with the changelog's retention (the store's plus a day) instead of waiting for the 7-day
        // or 1 GB default roll. The broker goes by wall-clock time and transaction markers carry wall-clock
        // timestamps: this bounds the changelog when event time follows the clock, not in a replay of old events
        // (./bench validation N --state compresses days of event time into minutes, and its changelog keeps all).
        return Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STORE, retention, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(java.util.Map.of(org.apache.kafka.common.config.TopicConfig.SEGMENT_MS_CONFIG,
                        Long.toString(Math.max(retention.toMillis(), 60_000L))));
    }

    /** The SHA-256 of a raw value, computed once per record for {@link #check} and {@link #remember}. */
    byte[] digest(byte[] value) {
        return sha256.digest(value);
    }

    /** Whether the value whose {@link #digest} is {@code digest}, under {@code eventId} at {@code timestamp}, was seen. */
    Verdict check(String eventId, byte[] digest, long timestamp) {
        if (!seen.mayContain(eventId)) {
            return Verdict.NEW;
        }
        long from = Math.max(0, timestamp - retention.toMillis());
        long to = timestamp + retention.toMillis();
        try (WindowStoreIterator<byte[]> stored = store.fetch(eventId, from, to)) {
            Verdict verdict = Verdict.NEW;
            while (stored.hasNext()) {
                if (Arrays.equals(stored.next().value, digest)) {
                    return Verdict.DUPLICATE;
                }
                verdict = Verdict.CONFLICT;
            }
            return verdict;
        }
    }

    /** Remembers a validated event by its value's {@link #digest}. */
    void remember(String eventId, byte[] digest, long timestamp) {
        store.put(eventId, digest, timestamp);
        seen.remember(eventId, timestamp);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
