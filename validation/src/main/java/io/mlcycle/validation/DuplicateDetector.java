package io.mlcycle.validation;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
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
 * (a windowed fetch opens a RocksDB iterator per segment it spans). The filter is rebuilt from the store whenever the
 * processor is initialised, that is after every restore, so that verdicts do not depend on the filter. The rebuild
 * does not run in the constructor (processor init): a store of a day at 1,000 records a second holds some 86 million
 * ids, minutes of reading on the stream thread, past {@code max.poll.interval.ms}. The processor drives it instead by
 * {@link #rebuild(Duration)} from a wall-clock punctuator, a bounded slice per call, keeping the store iterator open
 * between calls; meanwhile the filter is warming and answers "may" for every id, so every verdict is the store's.
 *
 * <p>The rebuild reads the store twice (count per bucket, then add; {@link SeenIdFilter#startWarming}). The adding
 * pass opens its iterator only once counting is done, so it sees every id remembered while counting (which the filter
 * only counts); ids remembered while adding go into the filter directly. A store segment dropped by expiry while the
 * iterator is in it is skipped by Kafka Streams' segment iterator; its ids are below the store's retention, which the
 * store never shows again while it is open. Any other {@link InvalidStateStoreException} from the iterator starts the
 * current pass again from the store's first entry (re-adding an id is harmless); a closed store ends the rebuild with
 * the filter still warming.
 */
final class DuplicateDetector implements AutoCloseable {

    static final String STORE = "duplicates-by-event-id";
    private static final Logger LOG = LoggerFactory.getLogger(DuplicateDetector.class);
    /** Entries between two looks at the clock during a rebuild slice (a few hundred microseconds of reading). */
    private static final int CLOCK_EVERY = 128;
    /** Restarts of a pass after which the rebuild gives up (the filter then stays warming: slower, never wrong). */
    private static final int MAX_RESTARTS = 100;

    enum Verdict { NEW, DUPLICATE, CONFLICT }

    private enum Phase { COUNT, ADD, DONE, GAVE_UP }

    private final WindowStore<String, byte[]> store;
    private final Duration retention;
    private final String task;
    /** One instance per stream task's processor (a single thread), reused for every record. */
    private final MessageDigest sha256 = newSha256();
    private final SeenIdFilter seen;
    private final long rebuildStarted = System.nanoTime();

    private Phase phase = Phase.COUNT;
    /** The open iterator of the current pass, kept between rebuild slices; {@code null} between passes. */
    private KeyValueIterator<Windowed<String>, byte[]> pass;
    private long counted;
    private long added;
    private int restarts;

    /**
     * A detector over {@code store} whose filter is warming: it reads nothing from the store here ({@link #rebuild}
     * does, later). {@code task} names the stream task in logs.
     */
    DuplicateDetector(WindowStore<String, byte[]> store, Duration retention, String task) {
        this.store = store;
        this.retention = retention;
        this.task = task;
        this.seen = new SeenIdFilter(retention.toMillis());
        seen.startWarming();
        LOG.info("Duplicate filter of store {} (task {}): rebuild from the store started; until it is done every event"
                + " id is looked up in the store", store.name(), task);
    }

    /** Whether the filter is complete (the rebuild is done); until then every id goes to the store. */
    boolean filterReady() {
        return phase == Phase.DONE;
    }

    /** The rebuild's phase, for tests and logs: COUNT, ADD, DONE or GAVE_UP. */
    String rebuildPhase() {
        return phase.name();
    }

    /** Advances the rebuild for about {@code budget} of the stream thread's time; whether it is over. */
    boolean rebuild(Duration budget) {
        return rebuild(Integer.MAX_VALUE, System.nanoTime() + budget.toNanos());
    }

    /**
     * Advances the rebuild by at most {@code maxEntries} store entries, stopping at the first look at the clock past
     * {@code deadlineNanos} ({@link System#nanoTime}); whether the rebuild is over (done, or given up).
     */
    boolean rebuild(int maxEntries, long deadlineNanos) {
        int visited = 0;
        while (visited < maxEntries && (phase == Phase.COUNT || phase == Phase.ADD)) {
            try {
                if (pass == null) {
                    pass = store.all();
                }
                boolean more = true;
                while (visited < maxEntries && (more = pass.hasNext())) {
                    Windowed<String> key = pass.next().key;
                    visited++;
                    if (phase == Phase.COUNT) {
                        seen.countRestored(key.window().start());
                        counted++;
                    } else {
                        seen.addRestored(SeenIdFilter.hash(key.key()), key.window().start());
                        added++;
                    }
                    if (visited % CLOCK_EVERY == 0 && System.nanoTime() - deadlineNanos >= 0) {
                        return false;
                    }
                }
                if (!more) {
                    endPass();
                }
            } catch (InvalidStateStoreException e) {
                restartPass(e);
            }
        }
        return phase == Phase.DONE || phase == Phase.GAVE_UP;
    }

    private void endPass() {
        closePass();
        if (phase == Phase.COUNT) {
            seen.sizeRestored();
            // The adding pass's iterator is opened on the next step: after every id remembered while counting was put.
            phase = Phase.ADD;
            return;
        }
        seen.finishWarming();
        phase = Phase.DONE;
        LOG.info("Duplicate filter of store {} (task {}) rebuilt from {} stored event id(s) in {} ms ({} bytes; {}"
                + " entries counted, {} pass restart(s))", store.name(), task, added,
                (System.nanoTime() - rebuildStarted) / 1_000_000, seen.bytes(), counted, restarts);
    }

    private void restartPass(InvalidStateStoreException e) {
        closePass();
        if (!store.isOpen()) {
            phase = Phase.GAVE_UP;
            LOG.info("Duplicate filter of store {} (task {}): the store closed during the rebuild, which stops with"
                    + " every id still looked up in the store", store.name(), task);
            return;
        }
        restarts++;
        if (restarts > MAX_RESTARTS) {
            phase = Phase.GAVE_UP;
            LOG.warn("Duplicate filter of store {} (task {}): rebuild given up after {} restarts; every id stays looked"
                    + " up in the store", store.name(), task, restarts, e);
            return;
        }
        LOG.warn("Duplicate filter of store {} (task {}): the store's iterator failed in the {} pass, which starts"
                + " again", store.name(), task, phase, e);
        if (phase == Phase.COUNT) {
            seen.restartCounting();
        }
    }

    private void closePass() {
        if (pass != null) {
            try {
                pass.close();
            } catch (RuntimeException e) {
                LOG.debug("Closing the rebuild iterator of store {} failed", store.name(), e);
            }
            pass = null;
        }
    }

    /** Closes the rebuild's open iterator, if any (the processor is closing). */
    @Override
    public void close() {
        closePass();
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
