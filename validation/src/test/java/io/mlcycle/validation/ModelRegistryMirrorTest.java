package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.ConfluentAvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ModelRegistryMirrorTest {

    private static final String TOPIC = "loans.models";
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private final AtomicInteger decodes = new AtomicInteger();
    private Serializer<ModelVersion> serializer;
    private ModelRegistryMirror mirror;
    private KeyValueStore<Bytes, byte[]> store;

    @BeforeEach
    void setUp() {
        ConfluentAvroSerde<ModelVersion> serde = new ConfluentAvroSerde<>(new InMemorySchemaRegistryClient(),
                AvroSerdeConfig.defaults().withSpecificAvroReader());
        serializer = serde.serializer();
        Deserializer<ModelVersion> counting = (topic, data) -> {
            decodes.incrementAndGet();
            return serde.deserializer().deserialize(topic, data);
        };
        mirror = new ModelRegistryMirror(TOPIC, counting, new io.mlcycle.mlcore.registry.ChampionSelector("loans",
                io.mlcycle.mlcore.registry.ModelSigning.development()));
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("models"),
                org.apache.kafka.common.serialization.Serdes.Bytes(),
                org.apache.kafka.common.serialization.Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void eachVersionIsDecodedOnceUntilItsBytesChange() {
        put("loans-v1", version("loans-v1", 1, Stage.CHAMPION));
        put("loans-v2", version("loans-v2", 2, Stage.CANDIDATE));

        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v1");
        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v1");
        assertThat(decodes).hasValue(2);

        put("loans-v2", version("loans-v2", 2, Stage.CHAMPION));
        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v2");
        assertThat(decodes).as("only the changed version is decoded again").hasValue(3);

        store.delete(Bytes.wrap("loans-v2".getBytes(StandardCharsets.UTF_8)));
        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v1");
        assertThat(decodes).hasValue(3);
    }

    @Test
    void anUndecodableVersionIsSkippedAndTriedAgainNextTime() {
        put("loans-v1", version("loans-v1", 1, Stage.CHAMPION));
        store.put(Bytes.wrap("loans-v9".getBytes(StandardCharsets.UTF_8)), new byte[] {0, 0, 0, 0, 99});

        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v1");
        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v1");
        assertThat(decodes).as("v1 once, the bad record on every lookup").hasValue(3);
    }

    @Test
    void aVersionNotSignedWithTheDeploymentKeyNeverCountsAsChampion() {
        put("loans-v1", version("loans-v1", 1, Stage.CHAMPION));
        ModelVersion forged = ModelVersion.newBuilder(version("loans-v999", 999, Stage.CHAMPION)).setSignature(null)
                .build();
        put("loans-v999", forged);

        assertThat(mirror.champion(store)).map(ModelVersion::getVersion).contains("loans-v1");
    }

    private void put(String key, ModelVersion version) {
        store.put(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8)), serializer.serialize(TOPIC, version));
    }

    private static ModelVersion version(String version, int number, Stage stage) {
        return TestPipeline.modelVersion(version, number, stage,
                DataProfile.newBuilder().setRecordCount(0).build(), NOW, "spec");
    }
}
