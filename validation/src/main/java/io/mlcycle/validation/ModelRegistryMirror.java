package io.mlcycle.validation;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.mlcore.registry.ChampionSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A global store mirroring the model registry topic {@code <p>.models} byte for byte, and the lookup of the current
 * champion in it. The store holds the topic's raw key and value bytes, so restoring it from the topic (which Kafka
 * Streams does by copying bytes) and updating it through {@link Updater} give the same content; values are decoded
 * only when the champion is looked up, and a value that cannot be decoded is skipped, never fatal.
 */
final class ModelRegistryMirror {

    /** Name of the global store. */
    static final String STORE = "models-registry";

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryMirror.class);

    private final String modelsTopic;
    private final Deserializer<ModelVersion> deserializer;
    private final ChampionSelector selector;
    /**
     * Decoded versions by registry key, with the bytes they were decoded from: the champion is looked up at every
     * window close, and a version (artifact included) should be decoded once, not every time. Only successful
     * decodes are kept, so a version skipped during a registry outage is tried again next time.
     */
    private final Map<Bytes, Decoded> decoded = new ConcurrentHashMap<>();

    private record Decoded(byte[] bytes, ModelVersion version) {
    }

    ModelRegistryMirror(String modelsTopic, Deserializer<ModelVersion> deserializer, ChampionSelector selector) {
        this.modelsTopic = modelsTopic;
        this.deserializer = deserializer;
        this.selector = selector;
    }

    /**
     * The champion, chosen by ml-core's {@link ChampionSelector} (the rule every service shares: only versions
     * signed with the deployment's key count; REJECTED versions never do).
     */
    Optional<ModelVersion> champion(KeyValueStore<Bytes, byte[]> store) {
        List<ModelVersion> versions = new ArrayList<>();
        Set<Bytes> present = new HashSet<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<Bytes, byte[]> entry = all.next();
                present.add(entry.key);
                ModelVersion version = decodeOnce(entry.key, entry.value);
                if (version != null) {
                    versions.add(version);
                }
            }
        }
        decoded.keySet().retainAll(present);
        ChampionSelector.Selection selection = selector.select(versions, Set.of());
        selection.refused().forEach(r -> LOG.debug("Model version {} does not count: {}", r.version(), r.reason()));
        return selection.champion();
    }

    private ModelVersion decodeOnce(Bytes key, byte[] value) {
        Decoded known = decoded.get(key);
        if (known != null && (known.bytes() == value || Arrays.equals(known.bytes(), value))) {
            return known.version();
        }
        ModelVersion version = decode(value);
        if (version != null) {
            decoded.put(key, new Decoded(value, version));
        } else {
            decoded.remove(key);
        }
        return version;
    }

    private ModelVersion decode(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return deserializer.deserialize(modelsTopic, value);
        } catch (RuntimeException e) {
            LOG.warn("Skipping an undecodable model version on {}: {}", modelsTopic, e.getMessage());
            return null;
        }
    }

    /** Keeps the global store equal to the topic: put raw bytes, delete on tombstones. */
    static final class Updater implements Processor<Bytes, byte[], Void, Void> {
        private KeyValueStore<Bytes, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<Bytes, byte[]> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
