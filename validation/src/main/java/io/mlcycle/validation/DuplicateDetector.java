package io.mlcycle.validation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
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
 * processor is initialised, that is after every restore, so that verdicts do not depend on the filter, unless its
 * checkpoint provably describes the store (below). The rebuild
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
 *
 * <p><b>Checkpoint.</b> So that a clean restart does not rebuild, a complete filter is saved at {@link #close} to a
 * file in the task's state directory, and loaded at the next start instead of rebuilding, but only when it provably
 * describes the store. That proof is the task's <i>epoch</i>, one value in a second, changelogged key-value store of
 * the same task ({@link #EPOCH_STORE}): before its first put into the duplicate store, every detector writes a fresh
 * "open" epoch, in the same exactly-once transaction as that put (both changelogs are restored in full before the
 * task runs); on saving, it writes a "closed" epoch holding a random token that the file holds too. So whoever else
 * put ids into the store since the save (this task on another instance, restored here from the changelog or applied
 * by a standby; a run after a crash) has overwritten the closed epoch, and the file is ignored (WARN) and the filter
 * rebuilt. The file is read once and deleted, checked by CRC-32C, store, task and filter layout (retention, bucket
 * length, bits, probes, hash); anything that does not fit is ignored with a WARN. The save comes after Kafka
 * Streams' last commit of the task, so its epoch may never reach the changelog: it then lives in the local RocksDB
 * store only, which is what a restart here reads, and another instance sees this detector's "open" epoch instead.
 * Under exactly-once Streams wipes the task's state directory after an unclean stop, file included. A reopened store's
 * stream time starts again from nothing, so it may show again entries below the retention that the saved filter had
 * dropped (or, rebuilt, never held): until the loaded filter's new stream time passes the saved horizon, a lookup
 * reaching below it goes to the store ({@link SeenIdFilter#complete}). The checkpoint
 * is used only under exactly-once ({@code processing.guarantee=exactly_once_v2}, the services' setting): without a
 * transaction, the epoch's and a put's changelog records could reach the broker one without the other.
 */
final class DuplicateDetector implements AutoCloseable {

    static final String STORE = "duplicates-by-event-id";
    /** The store of the task's epoch (see the class comment); its changelog is that of every task store. */
    static final String EPOCH_STORE = "duplicate-filter-epoch";
    /** The filter's checkpoint file, in the task's state directory. */
    static final String CHECKPOINT_FILE = STORE + ".filter";
    private static final String EPOCH_KEY = "epoch";
    private static final byte OPEN = 'O';
    private static final byte CLOSED = 'C';
    private static final int MAGIC = 0x4d4c4446; // "MLDF"
    private static final int FORMAT = 1;
    private static final SecureRandom TOKENS = new SecureRandom();
    /** Three buckets of at most 8 MiB, each possibly over by one smallest filter, and the headers. */
    private static final long MAX_FILE_BYTES = 3 * (SeenIdFilter.MAX_BITS + SeenIdFilter.MIN_BITS) / 8 + (1 << 16);
    private static final Logger LOG = LoggerFactory.getLogger(DuplicateDetector.class);
    /** Entries between two looks at the clock during a rebuild slice (a few hundred microseconds of reading). */
    private static final int CLOCK_EVERY = 128;
    /** Restarts of a pass after which the rebuild gives up (the filter then stays warming: slower, never wrong). */
    private static final int MAX_RESTARTS = 100;

    enum Verdict { NEW, DUPLICATE, CONFLICT }

    private enum Phase { COUNT, ADD, DONE, GAVE_UP }

    private final WindowStore<String, byte[]> store;
    /** The task's epoch store, or {@code null} without a checkpoint. */
    private final KeyValueStore<String, byte[]> epochs;
    /** The checkpoint file, or {@code null} without a checkpoint. */
    private final Path checkpoint;
    private final Duration retention;
    private final String task;
    /** One instance per stream task's processor (a single thread), reused for every record. */
    private final MessageDigest sha256 = newSha256();
    private SeenIdFilter seen;
    private long rebuildStarted = System.nanoTime();
    /** Whether the checkpoint was looked at (on the first rebuild step or put): it is read once. */
    private boolean started;
    /** Whether this detector has written its "open" epoch (before its first put). */
    private boolean opened;
    private boolean loaded;

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
        this(store, null, null, retention, task);
    }

    /**
     * A detector that also loads its filter from {@code checkpoint} when {@code epochs} proves it describes the store,
     * and saves it there when it closes (see the class comment); it reads neither here but on the first rebuild step
     * or put. Both {@code null}: no checkpoint, a rebuild at every start.
     */
    DuplicateDetector(WindowStore<String, byte[]> store, KeyValueStore<String, byte[]> epochs, Path checkpoint,
                      Duration retention, String task) {
        if ((epochs == null) != (checkpoint == null)) {
            throw new IllegalArgumentException("a checkpoint needs both an epoch store and a file");
        }
        this.store = store;
        this.epochs = epochs;
        this.checkpoint = checkpoint;
        this.retention = retention;
        this.task = task;
        this.seen = new SeenIdFilter(retention.toMillis());
        seen.startWarming();
        LOG.info("Duplicate filter of store {} (task {}): {}; until it is ready every event id is looked up in the store",
                store.name(), task, checkpoint == null ? "rebuild from the store started"
                        : "loading its checkpoint, else rebuilding from the store");
    }

    /** Whether the filter is complete (rebuilt or loaded); until then every id goes to the store. */
    boolean filterReady() {
        return phase == Phase.DONE;
    }

    /** Whether the filter was loaded from its checkpoint rather than rebuilt (for tests and logs). */
    boolean loadedFromCheckpoint() {
        return loaded;
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
        if (!started) {
            start();
        }
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

    /**
     * Closes the rebuild's open iterator, if any (the processor is closing), and saves a complete filter to its
     * checkpoint. A detector that never started (no put, no rebuild step) leaves the checkpoint it found as it was:
     * nothing it holds changed.
     */
    @Override
    public void close() {
        closePass();
        if (checkpoint != null && started && phase == Phase.DONE) {
            save();
        }
    }

    /** Reads the epoch, then loads the checkpoint if it proves to describe the store, else lets the rebuild run. */
    private void start() {
        started = true;
        if (checkpoint == null) {
            return;
        }
        long began = System.nanoTime();
        SeenIdFilter restored = load();
        if (restored != null) {
            seen = restored;
            phase = Phase.DONE;
            loaded = true;
            LOG.info("Duplicate filter of store {} (task {}) loaded from its checkpoint in {} ms ({} bytes): no rebuild",
                    store.name(), task, (System.nanoTime() - began) / 1_000_000, seen.bytes());
        } else {
            rebuildStarted = System.nanoTime();
        }
    }

    private SeenIdFilter load() {
        byte[] bytes;
        try {
            long size = Files.size(checkpoint);
            if (size > MAX_FILE_BYTES) {
                throw new IOException(size + " bytes, more than a filter takes");
            }
            bytes = Files.readAllBytes(checkpoint);
        } catch (NoSuchFileException e) {
            LOG.info("Duplicate filter of store {} (task {}): no checkpoint in {}, rebuilding from the store",
                    store.name(), task, checkpoint.getParent());
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Duplicate filter of store {} (task {}): its checkpoint {} could not be read ({}), rebuilding from"
                    + " the store", store.name(), task, checkpoint, e.toString());
            delete();
            return null;
        }
        // Used once: whatever happens from now on (puts, a crash), this file no longer describes the store.
        delete();
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (bytes.length < 3 * Integer.BYTES + 16 + Long.BYTES) {
                throw new IllegalArgumentException("truncated (" + bytes.length + " bytes)");
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - Long.BYTES);
            if (crc.getValue() != in.getLong(bytes.length - Long.BYTES)) {
                throw new IllegalArgumentException("corrupted (CRC-32C mismatch)");
            }
            in.limit(bytes.length - Long.BYTES);
            if (in.getInt() != MAGIC || in.getInt() != FORMAT) {
                throw new IllegalArgumentException("not a duplicate filter checkpoint of this format");
            }
            String savedStore = string(in);
            String savedTask = string(in);
            if (!savedStore.equals(store.name()) || !savedTask.equals(task)) {
                throw new IllegalArgumentException("written for store " + savedStore + " of task " + savedTask);
            }
            byte[] token = new byte[16];
            in.get(token);
            byte[] epoch = epochs.get(EPOCH_KEY);
            if (epoch == null || epoch.length != 17 || epoch[0] != CLOSED
                    || !Arrays.equals(epoch, 1, 17, token, 0, 16)) {
                throw new IllegalArgumentException("the store changed since it was written (its epoch is "
                        + (epoch == null ? "missing" : epoch.length > 0 && epoch[0] == OPEN ? "an open one"
                        : "another closed one") + ": ids were put since, here after a crash, or on another instance)");
            }
            return SeenIdFilter.read(in, retention.toMillis());
        } catch (RuntimeException e) { // a malformed file (or an unreadable epoch): never the stream thread's end
            LOG.warn("Duplicate filter of store {} (task {}): its checkpoint is ignored ({}), rebuilding from the store",
                    store.name(), task, e.getMessage() == null ? e.toString() : e.getMessage());
            return null;
        }
    }

    private void save() {
        long began = System.nanoTime();
        byte[] token = new byte[16];
        TOKENS.nextBytes(token);
        byte[] storeName = store.name().getBytes(StandardCharsets.UTF_8);
        byte[] taskName = task.getBytes(StandardCharsets.UTF_8);
        long size = 2L * Integer.BYTES + Integer.BYTES + storeName.length + Integer.BYTES + taskName.length
                + token.length + seen.serializedSize() + Long.BYTES;
        Path temporary = checkpoint.resolveSibling(checkpoint.getFileName() + ".tmp");
        try {
            if (size > Integer.MAX_VALUE) {
                throw new IllegalStateException("a filter of " + size + " bytes");
            }
            ByteBuffer out = ByteBuffer.allocate((int) size);
            out.putInt(MAGIC).putInt(FORMAT);
            out.putInt(storeName.length).put(storeName).putInt(taskName.length).put(taskName).put(token);
            seen.write(out);
            CRC32C crc = new CRC32C();
            crc.update(out.array(), 0, out.position());
            out.putLong(crc.getValue());
            out.flip();
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                channel.force(true);
            }
            Files.move(temporary, checkpoint, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // Last: until this put, the epoch is this detector's open one (or, if it never put, the one the file
            // it loaded was written with, which it deleted), so a crash before it leaves a file no one loads.
            byte[] epoch = new byte[17];
            epoch[0] = CLOSED;
            System.arraycopy(token, 0, epoch, 1, 16);
            epochs.put(EPOCH_KEY, epoch);
            LOG.info("Duplicate filter of store {} (task {}) saved to its checkpoint in {} ms ({} bytes)", store.name(),
                    task, (System.nanoTime() - began) / 1_000_000, size);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Duplicate filter of store {} (task {}): its checkpoint could not be saved ({}); the next start"
                    + " rebuilds it from the store", store.name(), task, e.toString());
            delete();
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // nothing left to undo: without the file the next start rebuilds
            }
        }
    }

    private void delete() {
        try {
            Files.deleteIfExists(checkpoint);
        } catch (IOException e) {
            // The epoch still guards it: a file whose token no epoch holds is never loaded.
            LOG.warn("Duplicate filter of store {} (task {}): its checkpoint {} could not be deleted ({})",
                    store.name(), task, checkpoint, e.toString());
        }
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("truncated");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The task's epoch store: one small value, changelogged, in RocksDB so that a save's epoch outlives a restart. */
    static StoreBuilder<KeyValueStore<String, byte[]>> epochStoreBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EPOCH_STORE), Serdes.String(),
                Serdes.ByteArray());
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
        long from = Math.max(0, timestamp - retention.toMillis());
        if (seen.complete(from) && !seen.mayContain(eventId)) {
            return Verdict.NEW;
        }
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
        if (!started) {
            start();
        }
        if (!opened && epochs != null) {
            // Before the first put, in its transaction: from now on no saved filter describes the store.
            byte[] epoch = new byte[17];
            TOKENS.nextBytes(epoch);
            epoch[0] = OPEN;
            epochs.put(EPOCH_KEY, epoch);
        }
        opened = true;
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
