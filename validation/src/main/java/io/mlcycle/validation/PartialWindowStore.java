package io.mlcycle.validation;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.profile.WindowSummary;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's partial window summary (the records it counted since it last handed a partial on to
 * {@link PipelineWindows}), kept in memory and written to a changelog once per commit, so that the counts are exactly
 * once like the records: whatever a commit covers (input offsets, outputs, the partials already handed on) it also
 * covers the partial counted so far, and a task restored after a crash or a migration starts from the partial of its
 * last commit, then counts again the records after it, which it reads again.
 *
 * <p>Why a store of its own: counting into an ordinary changelogged store would write a changelog record (the whole
 * summary: sketches of every feature) per record, the main cost of validation when it did so. When a task prepares a
 * commit, before the transaction commits, Kafka Streams (4.3) flushes the caches of its stores, which writes what they
 * held to their changelogs inside the transaction; this store takes part as a cached store (Streams' internal
 * {@link CachedStateStore}, the interface its record caches implement) and writes its partial to its changelog then,
 * when the partial changed: one changelog record per task and commit at most. (A store's {@code flush()} comes after
 * the commit, too late.) It wraps an in-memory changelogged key-value store (one key) for the changelog and its
 * restore, and registers itself as that store's root, so that the task's state manager calls it. {@code
 * ValidationCrashIT} proves the counts through a SIGKILL: it fails if a Kafka Streams upgrade stops calling the hook.
 *
 * <p>One instance per stream task, used by the task's thread only.
 */
final class PartialWindowStore implements StateStore, CachedStateStore<Object, Object> {

    private static final String KEY = "partial";
    private static final Logger LOG = LoggerFactory.getLogger(PartialWindowStore.class);

    private final String name;
    private final List<FeatureDefinition> definitions;
    private final int windowRecords;
    private final KeyValueStore<String, byte[]> changelogged;
    private WindowSummary partial;
    /** Whether the partial changed since it was last written to the changelog. */
    private boolean dirty;

    PartialWindowStore(String name, List<FeatureDefinition> definitions, int windowRecords) {
        this.name = name;
        this.definitions = definitions;
        this.windowRecords = windowRecords;
        this.changelogged = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(),
                Serdes.ByteArray()).withLoggingEnabled(Map.of()).withCachingDisabled().build();
    }

    /** A builder of the store {@code name} for partials of windows of {@code windowRecords} records. */
    static StoreBuilder<PartialWindowStore> builder(String name, List<FeatureDefinition> definitions,
                                                    int windowRecords) {
        return new Builder(name, definitions, windowRecords);
    }

    /** The partial being counted: the one restored from the last commit when the task started, else empty. */
    WindowSummary partial() {
        if (partial == null) {
            byte[] stored = changelogged.get(KEY);
            partial = restored(stored);
            // a partial that could not be read is replaced in the changelog at the next commit
            dirty = partial.isEmpty() && stored != null;
        }
        return partial;
    }

    /**
     * The partial of the last commit from its bytes, or an empty one: none yet, or one written under another spec
     * (other features) before a restart, whose counts cannot be merged (as {@link PipelineWindows} drops such a
     * partial): a task must start whatever its changelog holds.
     */
    WindowSummary restored(byte[] bytes) {
        if (bytes == null) {
            return empty();
        }
        try {
            return WindowSummary.fromBytes(definitions, bytes);
        } catch (RuntimeException e) {
            LOG.warn("Dropping the partial window summary restored to store {} that does not match the spec: {}",
                    name, e.getMessage());
            return empty();
        }
    }

    /** Marks the partial changed (a record was counted into it): the next commit writes it. */
    void counted() {
        dirty = true;
    }

    /**
     * Hands the partial counted so far on: its bytes, and a new empty partial in its place (written at the next
     * commit, in the same transaction as the hand-over).
     */
    byte[] handOver() {
        byte[] taken = partial().toBytes();
        partial = empty();
        dirty = true;
        return taken;
    }

    private WindowSummary empty() {
        return new WindowSummary(definitions, windowRecords);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        // The wrapped store registers `root` (this store) with the task, so the commit's flush reaches flush() below.
        changelogged.init(context, root);
        partial = null;
        dirty = false;
    }

    /** Called as the task prepares its commit: the changed partial goes into the transaction being committed. */
    @Override
    public void flushCache() {
        if (dirty && partial != null) {
            changelogged.put(KEY, partial.toBytes());
            dirty = false;
        }
    }

    /** The counts since the last commit are dropped with it: the partial is read again from the restored store. */
    @Override
    public void clearCache() {
        partial = null;
        dirty = false;
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false; // nothing downstream reads this store's changes
    }

    @Override
    public void flush() {
        changelogged.flush();
    }

    @Override
    public void close() {
        changelogged.close();
        partial = null;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return changelogged.isOpen();
    }

    @Override
    public org.apache.kafka.streams.query.Position getPosition() {
        return changelogged.getPosition();
    }

    private static final class Builder implements StoreBuilder<PartialWindowStore> {
        private final String name;
        private final List<FeatureDefinition> definitions;
        private final int windowRecords;

        Builder(String name, List<FeatureDefinition> definitions, int windowRecords) {
            this.name = name;
            this.definitions = definitions;
            this.windowRecords = windowRecords;
        }

        @Override
        public StoreBuilder<PartialWindowStore> withCachingEnabled() {
            throw new UnsupportedOperationException("the partial is written once per commit already");
        }

        @Override
        public StoreBuilder<PartialWindowStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<PartialWindowStore> withLoggingEnabled(Map<String, String> config) {
            return this;
        }

        @Override
        public StoreBuilder<PartialWindowStore> withLoggingDisabled() {
            throw new UnsupportedOperationException("the partial's changelog is what makes its counts exactly once");
        }

        @Override
        public PartialWindowStore build() {
            return new PartialWindowStore(name, definitions, windowRecords);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return true;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
